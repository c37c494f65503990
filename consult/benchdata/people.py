"""Commenters in every stakeholder category, and the secretariat."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import Session, col, select

from consult.accounts.models import STAKEHOLDER_CATEGORIES, User


def _words(text: str) -> list[str]:
    return text.split()


# How often each category comments, roughly as in ASI's public consultations.
CATEGORY_WEIGHTS = {
    "civil_society": 20,
    "production_transformation": 16,
    "industrial_users": 10,
    "indigenous_peoples": 10,
    "individual": 10,
    "academia": 8,
    "downstream_supporters": 6,
    "associations": 6,
    "government": 6,
    "general_supporters": 5,
    "other": 3,
}
assert set(CATEGORY_WEIGHTS) == set(STAKEHOLDER_CATEGORIES)

COUNTRIES = _words("AU BR CN CA DE FR GB US IN GN GH JM ID MY NO IS ZA CM SR CL NL CH JP BE NZ")
FRENCH_COUNTRIES = {"FR", "BE", "GN", "CM"}
FIRST = _words("""Ana Amara Claire Li Sam Jun Fatoumata Mamadou Ingrid Lars Priya Arjun Siti Budi Thandiwe
Kwame Aiyana Tupaq Chloé Mathieu Wei Mei Yuki Hiroshi Lucía Mateus Beatriz Olusegun Grace
Erik Astrid Nadia Karim Sofia Daniel Rachel Tom Aroha Wiremu Léa Hugo""")
LAST = _words("""Silva Lopes Dubois Martin Chen Wang Diallo Camara Olsen Hansen Sharma Iyer Rahman
Santoso Nkosi Mensah Yazzie Quispe Tremblay Roy Zhang Sato Tanaka García Oliveira Adeyemi
Johansson Berg Haddad Rossi Cohen Walker Ngata Moreau Lefèvre Müller Kowalski""")
ORGANISATIONS = {
    "civil_society": ["{place} Rights Network", "Rede {place}", "Forêts et Droits {place}"],
    "production_transformation": ["{place} Aluminium Ltd", "{place} Bauxite Company"],
    "industrial_users": ["{place} Packaging", "{place} Automotive Components"],
    "indigenous_peoples": ["Conselho Indígena de {place}", "{place} First Nation"],
    "individual": [""],
    "academia": ["University of {place}", "{place} Institute of Technology"],
    "downstream_supporters": ["{place} Beverages", "{place} Construction Group"],
    "associations": ["{place} Aluminium Association", "{place} Recyclers Federation"],
    "government": ["Ministry of Mines of {place}", "{place} Environment Agency"],
    "general_supporters": ["{place} Consulting", "{place} Assurance Services"],
    "other": ["{place} Foundation", ""],
}
PLACES = _words("""Roraima Pará Guinée Boké Queensland Gove Yunnan Shandong Québec Saguenay Sunndal Hunan
Kitimat Jamaica Sarawak Mato Grosso Kalimantan Hordaland Limpopo Ontario Bretagne""")
STAFF = [
    ("secretariat@example.org", "ASI Secretariat"),
    ("marta.standards@example.org", "Marta Kovač"),
    ("omar.standards@example.org", "Omar Haddad"),
    ("helen.standards@example.org", "Helen Park"),
    ("joao.standards@example.org", "João Pereira"),
    ("ines.standards@example.org", "Inès Laurent"),
]


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    organisation: str
    category: str
    country: str
    language: str


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _categories(count: int, rng: random.Random) -> list[str]:
    """Every category at least once, the rest by weight."""
    names = list(CATEGORY_WEIGHTS)
    chosen = names[:count] + rng.choices(
        names, weights=list(CATEGORY_WEIGHTS.values()), k=max(count - len(names), 0)
    )
    rng.shuffle(chosen)
    return chosen


def make_people(session: Session, count: int, rng: random.Random, now) -> list[Person]:
    """`count` commenters with completed profiles, inserted in one statement."""
    rows = []
    for number, category in enumerate(_categories(count, rng), start=1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        country = rng.choice(COUNTRIES)
        template = rng.choice(ORGANISATIONS[category])
        rows.append(
            {
                "email": f"{_ascii(first)}.{_ascii(last)}.{number}@example.org",
                "name": f"{first} {last}",
                "organisation": template.format(place=rng.choice(PLACES)),
                "stakeholder_category": category,
                "country": country,
                "language": "fr" if country in FRENCH_COUNTRIES else "en",
                "is_secretariat": False,
                "created_at": now - timedelta(days=rng.randint(400, 1500)),
                "profile_completed_at": now - timedelta(days=400),
            }
        )
    session.connection().execute(insert(User), rows)
    ids = dict(
        session.exec(
            select(User.email, User.id).where(col(User.email).in_([r["email"] for r in rows]))
        ).all()
    )
    return [
        Person(
            ids[r["email"]],
            r["email"],
            r["name"],
            r["organisation"],
            r["stakeholder_category"],
            r["country"],
            r["language"],
        )
        for r in rows
    ]


def make_staff(session: Session, now) -> list[User]:
    staff = [
        User(
            email=email,
            name=name,
            organisation="ASI Secretariat",
            stakeholder_category="other",
            country="AU",
            is_secretariat=True,
            created_at=now,
            profile_completed_at=now,
        )
        for email, name in STAFF
    ]
    session.add_all(staff)
    session.flush()
    return staff
