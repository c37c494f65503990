"""Factories for governance records, built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from consult.accounts.models import User
from consult.db import Database
from consult.sqltypes import utcnow
from governance import meetings, services
from governance.models import Body, Meeting, Membership
from tests.conftest import make_user, sign_in

SC_SEATS = "Upstream value chain: 2\nDownstream value chain: 2\nCivil society: 2\nIPAF nominee: 1"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def make_body(
    db: Database, name="Standards Committee", code="SC", seats=SC_SEATS, **fields
) -> Body:
    values = {
        "name": name,
        "code": code,
        "kind": fields.pop("kind", "committee"),
        "seats": seats,
        "quorum_minimum": str(fields.pop("quorum_minimum", 2)),
        "minutes_public": fields.pop("minutes_public", "on"),
        "terms": fields.pop("terms", "The committee **decides** on the standard."),
        **fields,
    }
    with db.session(write=True) as session:
        return services.create_body(session, values, None)


def seat_id(db: Database, body: Body, label: str) -> int:
    with db.session() as session:
        return next(s.id for s in services.seat_categories(session, body) if s.label == label)


def add_member(
    db: Database,
    body: Body,
    user: User,
    role="member",
    seat: str | None = "Civil society",
    start_days=-30,
    end_days: int | None = 700,
) -> Membership:
    today = utcnow().date()
    values = {
        "email": user.email,
        "role": role,
        "seat": str(seat_id(db, body, seat)) if seat else "",
        "term_start": (today + timedelta(days=start_days)).isoformat(),
        "term_end": (today + timedelta(days=end_days)).isoformat() if end_days is not None else "",
        "conflict_of_interest": f"COI of {user.name}",
    }
    with db.session(write=True) as session:
        return services.add_member(session, body, values)


def make_meeting(db: Database, body: Body, days=7, title="Meeting 1", **fields) -> Meeting:
    start = utcnow() + timedelta(days=days)
    values = {
        "title": title,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": fields.pop("timezone", "Europe/London"),
        "place": fields.pop("place", "London"),
        "online_url": fields.pop("online_url", "https://meet.example.org/sc"),
        "languages": fields.pop("languages", "English, French"),
        **fields,
    }
    with db.session(write=True) as session:
        return meetings.create_meeting(session, body, values)


@dataclass
class Cast:
    """A body with a chair, a member, a non-member and the secretariat."""

    body: Body
    chair: User
    member: User
    outsider: User
    staff: User
    meeting: Meeting


@pytest.fixture
def cast(db) -> Cast:
    body = make_body(db)
    chair = make_user(db, email="chair@example.org", name="Chair Person")
    member = make_user(db, email="member@example.org", name="Member Person")
    outsider = make_user(db, email="outsider@example.org", name="Out Sider")
    staff = make_user(db, email="staff@example.org", name="Staff", staff=True)
    add_member(db, body, chair, role="chair", seat="Upstream value chain")
    add_member(db, body, member, seat="Civil society")
    meeting = make_meeting(db, body, days=-1)
    return Cast(body, chair, member, outsider, staff, meeting)


def act_as(client, db, cast: Cast, who: str) -> User | None:
    client.cookies.clear()
    user = {
        "anonymous": None,
        "outsider": cast.outsider,
        "member": cast.member,
        "chair": cast.chair,
        "secretariat": cast.staff,
    }[who]
    if user is not None:
        sign_in(client, db, user)
    return user
