"""Minutes and decisions as search documents, and the scopes that members hold.

Published minutes of a body with public minutes are public; published members-only minutes
and circulated or approved minutes are for the body's members; drafts are for its chairs;
the secretariat sees all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlmodel import Session, col, select

from consult.accounts.models import User
from consult.drafts.models import Standard
from consult.search.registry import PUBLIC, Document, Source, no_documents
from governance.models import (
    CHAIR_ROLES,
    Body,
    Decision,
    Meeting,
    Membership,
    Minutes,
    MinutesVersion,
)
from governance.services import today


def members_scope(body_id: int) -> str:
    return f"members:{body_id}"


def chairs_scope(body_id: int) -> str:
    return f"chairs:{body_id}"


def scopes(session: Session, user: User) -> set[str]:
    """The bodies `user` currently sits on, and those they chair."""
    held: set[str] = set()
    day = today()
    for membership in session.exec(select(Membership).where(Membership.user_id == user.id)):
        if membership.current_on(day):
            held.add(members_scope(membership.body_id))
            if membership.role in CHAIR_ROLES:
                held.add(chairs_scope(membership.body_id))
    return held


def _minutes_visibility(minutes: Minutes, body: Body) -> str:
    if minutes.status == "published" and body.minutes_public:
        return PUBLIC
    if minutes.status == "draft":
        return chairs_scope(body.id)
    return members_scope(body.id)


def _minutes_documents(session: Session, ids: list[int] | None) -> Iterator[Document]:
    query = (
        select(Minutes, Meeting, Body)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .order_by(Minutes.id)
    )
    if ids is not None:
        query = query.where(col(Minutes.id).in_(ids))
    for minutes, meeting, body in session.exec(query):
        text = minutes.text
        if minutes.status == "published":
            # What was published, not a correction drafted since.
            latest = session.exec(
                select(MinutesVersion.text)
                .where(MinutesVersion.minutes_id == minutes.id)
                .order_by(col(MinutesVersion.version).desc())
            ).first()
            text = latest if latest is not None else text
        yield Document(
            kind="minutes",
            record_id=minutes.id,
            title=f"{meeting.title} · {body.name}",
            content=text,
            url=f"/meetings/{meeting.id}",
            visibility=_minutes_visibility(minutes, body),
            date=meeting.starts_at,
            facets={"body": body.name},
        )


def _body_dependants(session: Session, body: Body) -> Iterable[tuple[str, int]]:
    """A body that makes its minutes public or private changes who may find them."""
    query = (
        select(Minutes.id)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(Meeting.body_id == body.id)
    )
    for minutes_id in session.exec(query):
        yield "minutes", minutes_id


def _decision_documents(session: Session, ids: list[int] | None) -> Iterator[Document]:
    query = (
        select(Decision, Body, Standard)
        .join(Body, Body.id == Decision.body_id)
        .outerjoin(Standard, Standard.id == Decision.standard_id)
        .order_by(Decision.id)
    )
    if ids is not None:
        query = query.where(col(Decision.id).in_(ids))
    for decision, body, standard in session.exec(query):
        yield Document(
            kind="decision",
            record_id=decision.id,
            title=f"{decision.number} · {decision.title}",
            content=f"{decision.text}\n{decision.deliberations}",
            url=f"/decisions/{decision.number}",
            date=None,
            facets={
                "body": body.name,
                "year": str(decision.decided_on.year),
                "standard": standard.name if standard else "",
            },
        )


def sources() -> list[Source]:
    return [
        Source(kind="minutes", model=Minutes, documents=_minutes_documents),
        Source(kind="decision", model=Decision, documents=_decision_documents),
        Source(
            kind="body",
            model=Body,
            documents=no_documents,
            dependants=_body_dependants,
        ),
    ]
