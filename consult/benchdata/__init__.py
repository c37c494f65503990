"""A large, realistic data set for load and page-weight benchmarks (`consult seed-bench`).

At scale 1: a 300-clause draft of the Performance Standard in two versions; a closed first
round with 20,000 comments (200 on the busiest clause, campaigns among them), most answered,
grouped and themed, and its synopsis published; an open second round with early comments;
an upcoming round on a second standard; 2,000 commenters in every stakeholder category; five
bodies with 200 meetings, their minutes and 1,000 decisions. The same seed gives the same
data on SQLite and PostgreSQL.

Records are valid as the application would make them: drafts, consultations, bodies,
members, meetings, minutes and decisions go through the services; comments, responses and
their history are inserted in batches, built by the same rules (see comments.py and
responses.py). Receipt emails and publication emails are not written to the outbox: they
would all have been sent long ago. The search index is rebuilt from a queue entry.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert
from sqlalchemy import text as sql
from sqlmodel import Session, SQLModel, select

from consult.benchdata.comments import CommentMaker, allocate, campaign_targets, insert_comments
from consult.benchdata.drafts import plan_draft, revise
from consult.benchdata.governance import Context, RoundRef, seed_governance
from consult.benchdata.people import make_people, make_staff
from consult.benchdata.responses import Secretariat, store
from consult.benchdata.text import TextMaker
from consult.consultations.models import Comment, Consultation
from consult.consultations.services import ConsultationInput, create_consultation
from consult.db import Database
from consult.drafts.models import Clause
from consult.drafts.services import clauses_of, import_draft
from consult.responses.models import Synopsis
from consult.search.models import REBUILD, IndexEntry
from consult.sqltypes import utcnow

STANDARD = "Performance Standard"
BUSIEST_KEY = "9.4"


@dataclass(frozen=True)
class Plan:
    clauses: int = 300
    comments: int = 20_000
    busiest: int = 200
    commenters: int = 2_000
    meetings: int = 200
    decisions: int = 1_000
    open_round_comments: int = 400

    @classmethod
    def scaled(cls, scale: float) -> Plan:
        """Everything times `scale`, keeping enough of each for every page to have content."""
        if scale <= 0:
            raise ValueError("the scale must be above 0")
        full = cls()
        clauses = max(20, round(full.clauses * scale))
        comments = max(40, round(full.comments * scale))
        return cls(
            clauses=clauses,
            comments=comments,
            # The busiest clause stays the busiest even when there are few clauses.
            busiest=max(round(full.busiest * scale), math.ceil(2 * comments / clauses)),
            commenters=max(11, round(full.commenters * scale)),
            meetings=max(10, round(full.meetings * scale)),
            decisions=max(10, round(full.decisions * scale)),
            open_round_comments=max(5, round(full.open_round_comments * scale)),
        )


def is_empty(database: Database) -> bool:
    with database.session() as session:
        return not any(
            session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        )


def wipe(database: Database) -> None:
    """Delete every row of every table (the schema stays)."""
    tables = SQLModel.metadata.sorted_tables
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(tables):
            connection.execute(delete(table))


def seed(database: Database, plan: Plan, seed: int = 2026) -> dict:
    """Fill an empty database; returns what was made and how long it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    text_maker = TextMaker(rng)
    now = utcnow()
    with database.session(write=True) as session:
        staff = make_staff(session, now)
        staff_ids = [s.id for s in staff[1:]]
        people = make_people(session, plan.commenters, rng, now)
        first, second = _drafts(session, plan, text_maker, rng, staff[0].id)
        round1, round2 = _rounds(session, first, second, now, staff[0].id)
        maker = CommentMaker(text_maker, rng, people, staff_ids)
        secretariat = Secretariat(text_maker, rng, staff_ids, now)
        busiest = _fill_round(session, round1, maker, secretariat, plan.comments, plan, now)
        published = round1.closes_at + timedelta(days=170)
        _fill_round(session, round2, maker, secretariat, plan.open_round_comments, None, now)
        session.add(
            Synopsis(
                consultation_id=round1.id,
                published_by_id=staff[0].id,
                published_at=published,
                pending_justification="The few comments still pending arrived late or need the "
                "second round's draft; they are answered in the second round's synopsis.",
            )
        )
        context = Context(
            session,
            text_maker,
            rng,
            now,
            staff,
            people,
            first.standard_id,
            _refs(session, round1, round2),
        )
        seed_governance(context, plan.meetings, plan.decisions)
        _upcoming(session, text_maker, rng, now)
        session.flush()
        # Everything above is in the index queue or not; one rebuild covers it all.
        session.exec(delete(IndexEntry))
        session.connection().execute(
            insert(IndexEntry), [{"kind": REBUILD, "record_id": 0, "queued_at": now}]
        )
    _analyze(database)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "consultation": round1.slug,
        "open_consultation": round2.slug,
        "busiest_clause": busiest,
        "counts": table_counts(database),
    }


def _analyze(database: Database) -> None:
    """PostgreSQL's autovacuum analyses a freshly loaded table within a minute or so; doing it
    now gives the planner the statistics it would have by the time anyone reads the data."""
    if database.engine.dialect.name != "postgresql":
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def _drafts(session: Session, plan: Plan, text_maker, rng, staff_id: int):
    first_plan = plan_draft(plan.clauses, text_maker, rng)
    first = import_draft(
        session, first_plan.markdown(), STANDARD, "V4 draft 1", "ps-v4-draft1.md", staff_id
    )
    second = import_draft(
        session,
        revise(first_plan, text_maker, rng).markdown(),
        STANDARD,
        "V4 draft 2",
        "ps-v4-draft2.md",
        staff_id,
    )
    return first, second


def _rounds(session: Session, first, second, now, staff_id: int):
    round1 = create_consultation(
        session,
        ConsultationInput(
            draft_id=first.id,
            title="Performance Standard V4: first public consultation",
            opens_at=now - timedelta(days=420),
            closes_at=now - timedelta(days=360),
            round_number=1,
            summary="The first 60-day round on the revised Performance Standard.\n\n"
            "- Comment online on any clause, or send comments by email or letter.\n"
            "- Webinars in English, French and Portuguese; IPAF community consultations too.",
        ),
        staff_id,
    )
    round2 = create_consultation(
        session,
        ConsultationInput(
            draft_id=second.id,
            title="Performance Standard V4: second public consultation",
            opens_at=now - timedelta(days=20),
            closes_at=now + timedelta(days=25),
            round_number=2,
            summary="The second round, on the draft revised after 20,000 comments.",
        ),
        staff_id,
    )
    return round1, round2


def _fill_round(session, consultation, maker, secretariat, total, plan, now) -> str:
    """Comments on a round and the secretariat's work on them; returns the busiest clause."""
    clauses = clauses_of(session, consultation.draft_id)
    keys = [c.key for c in clauses]
    busiest_index = keys.index(BUSIEST_KEY) if BUSIEST_KEY in keys else len(keys) // 2
    if plan is not None:
        counts = allocate(total, len(clauses), busiest_index, plan.busiest, maker.rng)
        campaigns = campaign_targets(counts, busiest_index, total)
    else:
        counts = allocate(total, len(clauses), busiest_index, max(3, total // 10), maker.rng)
        campaigns = {}
    made = maker.rows(consultation, clauses, counts, now, campaigns)
    comments = insert_comments(session, consultation, made)
    closed = consultation.closes_at < now
    answer_by = consultation.closes_at + timedelta(days=160) if closed else now
    store(
        session,
        consultation,
        secretariat,
        comments,
        answered=0.88 if closed else 0.15,
        assigned=0.04 if closed else 0.2,
        answer_by=answer_by,
    )
    return clauses[busiest_index].key


def _refs(session: Session, *rounds: Consultation) -> list[RoundRef]:
    refs = []
    for consultation in rounds:
        clause_ids = list(
            session.exec(select(Clause.id).where(Clause.draft_id == consultation.draft_id))
        )
        references = list(
            session.exec(
                select(Comment.reference)
                .where(Comment.consultation_id == consultation.id)
                .order_by(Comment.id)
                .limit(500)
            )
        )
        refs.append(
            RoundRef(
                consultation.opens_at,
                consultation.closes_at,
                consultation.id,
                clause_ids,
                references,
            )
        )
    return refs


def _upcoming(session: Session, text_maker, rng, now) -> None:
    """A second standard with a round still to open, so the home page has all three kinds."""
    draft = import_draft(
        session,
        plan_draft(25, text_maker, rng).markdown(),
        "Chain of Custody Standard",
        "V2 draft 1",
    )
    create_consultation(
        session,
        ConsultationInput(
            draft_id=draft.id,
            title="Chain of Custody Standard V2: first public consultation",
            opens_at=now + timedelta(days=30),
            closes_at=now + timedelta(days=90),
        ),
    )


def table_counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        }
