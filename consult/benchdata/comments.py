"""Comments as the public form and the secretariat's "record on behalf" form make them:
receipt references in the order the comments were recorded, the commenter's profile copied
onto the comment, late comments marked, and the consultation's counter left past the last
number handed out."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlmodel import Session, select

from consult.benchdata.people import Person
from consult.benchdata.text import TextMaker
from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause

BATCH = 2000
KINDS = {"general": 25, "technical": 55, "editorial": 20}
PUBLICATIONS = {"named": 55, "unattributed": 35, "confidential": 10}
OFFLINE_SOURCES = {"email": 45, "letter": 10, "workshop": 20, "community_meeting": 20, "other": 5}
OFFLINE_SHARE = 0.12
SOURCE_NOTES = {
    "email": "Sent to the secretariat's address.",
    "letter": "Letter received at the London office, scanned.",
    "workshop": "Webinar in French; noted by the facilitator.",
    "community_meeting": "Community consultation in Boké, interpreted from Pular.",
    "other": "Given to a secretariat member at a conference.",
}
# Campaign letters: the same text sent by many people about one clause.
CAMPAIGNS = [
    "We call on ASI to require the free, prior and informed consent of Indigenous Peoples for "
    "every new mine, refinery and smelter and for every expansion, and to make clear that "
    "consent can be withheld. Consent obtained through bodies that the company created or "
    "funds is not consent. The standard must say what happens when communities say no, and "
    "certification must be suspended while a grievance about consent is unresolved.",
    "Nous demandons que la norme exige le consentement libre, préalable et éclairé des "
    "peuples autochtones pour chaque nouveau projet et chaque extension, et qu'elle précise "
    "que ce consentement peut être refusé. Un consentement donné par des structures créées "
    "ou financées par l'entreprise n'est pas un consentement. La certification doit être "
    "suspendue tant qu'une plainte relative au consentement n'est pas résolue.",
    "Scope 3 emissions must be in scope for every certified entity, with a public target "
    "aligned with 1.5 degrees and annual disclosure of the emissions intensity of each "
    "product line. Smelters that buy power from coal plants should not be certified unless "
    "they publish a dated plan to move to renewable electricity, verified by the auditor.",
    "Tailings facilities must follow the Global Industry Standard on Tailings Management in "
    "full. Communities downstream of a facility must receive the emergency plan in their own "
    "language, take part in the drills, and have a say in the closure plan. Bauxite residue "
    "should be treated as tailings for every requirement of this criterion.",
]


@dataclass
class SeededComment:
    id: int
    reference: str
    clause_id: int
    clause_position: int
    publication: str
    author: Person | None
    recorded_at: datetime
    campaign: int | None


def allocate(total: int, clauses: int, busiest_index: int, busiest: int, rng) -> list[int]:
    """Comments per clause: exactly `busiest` on one clause, the rest spread unevenly (a
    Zipf-like share per clause) and capped below the busiest."""
    counts = [0] * clauses
    counts[busiest_index] = min(busiest, total)
    others = [i for i in range(clauses) if i != busiest_index]
    rng.shuffle(others)
    weights = {
        index: rng.lognormvariate(0, 0.25) / (rank + 90) for rank, index in enumerate(others)
    }
    remaining, cap, active = total - counts[busiest_index], busiest - 1, set(others)
    if remaining > cap * len(others):
        raise ValueError("too many comments for the busiest clause to stay the busiest")
    shares: dict[int, float] = {}
    while True:  # water-filling: clauses over the cap keep the cap, the rest share again
        pool = remaining - sum(cap for i in others if i not in active)
        total_weight = sum(weights[i] for i in active)
        shares = {i: pool * weights[i] / total_weight for i in active}
        over = {i for i, share in shares.items() if share > cap}
        if not over:
            break
        active -= over
    for index in others:
        counts[index] = cap if index not in active else math.floor(shares[index])
    short = remaining - sum(counts[i] for i in others)
    by_fraction = sorted(active, key=lambda i: shares[i] - math.floor(shares[i]), reverse=True)
    for index in by_fraction[:short]:
        counts[index] += 1
    return counts


def _choose(weights: dict[str, int], rng: random.Random) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _received(consultation: Consultation, now: datetime, rng: random.Random) -> datetime:
    """Most comments arrive towards the closing date."""
    end = min(consultation.closes_at, now)
    span = (end - consultation.opens_at).total_seconds()
    return consultation.opens_at + timedelta(seconds=span * math.sqrt(rng.random()))


class CommentMaker:
    def __init__(self, text: TextMaker, rng: random.Random, people: list[Person], staff_ids):
        self.text, self.rng, self.people, self.staff_ids = text, rng, people, staff_ids
        ranked = people[:]
        rng.shuffle(ranked)
        # A few organisations comment on everything; most people once or twice.
        self.commenters = ranked
        self.commenter_weights = [1 / (rank + 1) ** 0.85 for rank in range(len(ranked))]
        self.campaigners = [
            p for p in people if p.category in ("individual", "civil_society", "indigenous_peoples")
        ] or people

    def rows(
        self,
        consultation: Consultation,
        clauses: list[Clause],
        counts: list[int],
        now: datetime,
        campaigns: dict[int, int],
    ) -> list[tuple[dict, dict]]:
        """(comment row, facts used later) for every comment, in recording order."""
        slots = [i for i, n in enumerate(counts) for _ in range(n)]
        self.rng.shuffle(slots)
        authors = self._authors(len(slots))
        made = []
        campaign_left = dict(campaigns)
        for clause_index, author in zip(slots, authors, strict=True):
            campaign = None
            if campaign_left.get(clause_index):
                campaign_left[clause_index] -= 1
                campaign = list(campaigns).index(clause_index) % len(CAMPAIGNS)
                author = self.rng.choice(self.campaigners)
            made.append(self._one(consultation, clauses[clause_index], author, now, campaign))
        made.sort(key=lambda pair: (pair[1]["recorded_at"], pair[0]["received_at"]))
        for number, (row, _facts) in enumerate(made, start=consultation.next_receipt):
            row["reference"] = f"{consultation.reference_prefix}-{number:06d}"
        return made

    def _authors(self, count: int) -> list[Person]:
        """Everyone comments at least once (while there are comments to go round)."""
        first = self.commenters[:count]
        rest = self.rng.choices(
            self.commenters, weights=self.commenter_weights, k=max(count - len(first), 0)
        )
        authors = first + rest
        self.rng.shuffle(authors)
        return authors

    def _one(self, consultation, clause, author: Person, now, campaign) -> tuple[dict, dict]:
        rng = self.rng
        received = _received(consultation, now, rng)
        french = rng.random() < (0.85 if author.language == "fr" else 0.03)
        if campaign is not None:
            body = f"{CAMPAIGNS[campaign]}\n\n{author.name}"
            kind, publication, change = "general", rng.choice(["named", "unattributed"]), ""
        else:
            body = self.text.comment(french, clause.number)
            kind, publication = _choose(KINDS, rng), _choose(PUBLICATIONS, rng)
            change = self.text.paragraph(french, (1, 2)) if rng.random() < 0.4 else ""
        row = {
            "consultation_id": consultation.id,
            "clause_id": clause.id,
            "author_id": author.id,
            "kind": kind,
            "body": body.strip(),
            "proposed_change": change.strip(),
            "publication": publication,
            "author_name": author.name,
            "author_organisation": author.organisation,
            "author_email": author.email,
            "stakeholder_category": author.category,
            "country": author.country,
            "source": "online",
            "source_note": "",
            "recorded_by_id": None,
            "is_late": False,
            "received_at": received,
        }
        facts = {"recorded_at": received, "author": author, "campaign": campaign, "clause": clause}
        if campaign is None and rng.random() < OFFLINE_SHARE:
            self._offline(row, facts, consultation, now)
        return row, facts

    def _offline(self, row: dict, facts: dict, consultation: Consultation, now) -> None:
        """Recorded by the secretariat days after it arrived; after the close it is late. A
        comment heard at a meeting often has no email address, so no account is linked."""
        rng = self.rng
        source = _choose(OFFLINE_SOURCES, rng)
        if consultation.closes_at < now and rng.random() < 0.05:
            row["received_at"] = consultation.closes_at + timedelta(hours=rng.uniform(1, 240))
        recorded = row["received_at"] + timedelta(hours=rng.uniform(4, 240))
        facts["recorded_at"] = min(recorded, now - timedelta(minutes=5))
        row["received_at"] = min(row["received_at"], facts["recorded_at"])
        row["source"] = source
        row["recorded_by_id"] = rng.choice(self.staff_ids)
        row["is_late"] = row["received_at"] >= consultation.closes_at
        row["source_note"] = SOURCE_NOTES[source] if rng.random() < 0.5 else ""
        if source in ("workshop", "community_meeting") and rng.random() < 0.5:
            row["author_email"], row["author_id"] = "", None
            facts["author"] = None


def insert_comments(
    session: Session, consultation: Consultation, made: list[tuple[dict, dict]]
) -> list[SeededComment]:
    rows = [row for row, _facts in made]
    connection = session.connection()
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(Comment), rows[start : start + BATCH])
    last = consultation.next_receipt + len(rows)
    connection.execute(
        update(Consultation).where(Consultation.id == consultation.id).values(next_receipt=last)
    )
    consultation.next_receipt = last
    ids = dict(
        session.exec(
            select(Comment.reference, Comment.id).where(Comment.consultation_id == consultation.id)
        ).all()
    )
    return [
        SeededComment(
            ids[row["reference"]],
            row["reference"],
            row["clause_id"],
            facts["clause"].position,
            row["publication"],
            facts["author"],
            facts["recorded_at"],
            facts["campaign"],
        )
        for row, facts in made
    ]


def campaign_targets(counts: list[int], busiest_index: int, comments: int) -> dict[int, int]:
    """Campaign letters on the busiest clauses: a quarter of the busiest clause's comments
    and a third of the next three's, when there are enough comments for it to mean anything."""
    if comments < 100:
        return {}
    ranked = sorted(range(len(counts)), key=lambda i: -counts[i])
    targets = {busiest_index: counts[busiest_index] // 4}
    for index in [i for i in ranked if i != busiest_index][:3]:
        targets[index] = counts[index] // 3
    return targets
