"""The decision register, numbered per body and year, and action items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import extract
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from consult.accounts.models import User
from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause, Draft, Standard
from consult.errors import NotFound, ValidationError
from consult.i18n import lazy_gettext as _l
from governance.meetings import quorum
from governance.models import (
    ACTION_STATES,
    DECISION_METHODS,
    ActionItem,
    Body,
    Decision,
    DecisionCounter,
    DecisionLink,
    Meeting,
)
from governance.parsing import as_id, collect, parse_count, parse_date, parse_id

MAX_TEXT = 20_000


def _next_number(session: Session, body: Body, year: int) -> str:
    # One atomic upsert per body and year: concurrent decisions each get their own number, and
    # a number once handed out is never handed out again.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(DecisionCounter).values(body_id=body.id, year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=["body_id", "year"], set_={"last": DecisionCounter.last + 1}
    ).returning(DecisionCounter.last)
    issued = session.execute(statement).scalar_one()
    return f"{body.code}-{year}-{issued:03d}"


def _split_ids(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def create_decision(session: Session, body: Body, values: dict[str, str], user: User) -> Decision:
    """Raises ValidationError; a vote's counts may not exceed the voting members present."""
    errors: dict = {}
    title = values.get("title", "").strip()
    text = values.get("text", "").strip()
    if not title or len(title) > 300:
        errors["title"] = _l("Give the decision a title of at most 300 characters.")
    if not text or len(text) > MAX_TEXT:
        errors["text"] = _l("Write what was decided, in at most %(n)s characters.", n=MAX_TEXT)
    method = values.get("method", "")
    if method not in DECISION_METHODS:
        errors["method"] = _l("Choose consensus or vote.")
    decided_on = collect(errors, parse_date, values.get("decided_on", ""), "decided_on")
    review_on = collect(errors, parse_date, values.get("review_on", ""), "review_on", False)
    meeting = _meeting_of(session, body, values.get("meeting", ""), errors)
    counts = {
        name: collect(errors, parse_count, values.get(name, ""), name, method == "vote")
        for name in ("votes_for", "votes_against", "votes_abstain")
    }
    if method == "vote" and not errors:
        if meeting is None:
            errors["meeting"] = _l("A vote is taken at a meeting: choose it.")
        else:
            present = quorum(session, meeting, body).present
            if sum(counts.values()) > present:
                errors["votes_for"] = _l(
                    "%(total)s votes were counted but only %(present)s voting members were present or represented.",
                    total=sum(counts.values()),
                    present=present,
                )
    if method == "consensus":
        counts = dict.fromkeys(counts)
    standard_id, consultation_id, links = _links(session, values, errors)
    if errors:
        raise ValidationError(errors)
    decision = Decision(
        body_id=body.id,
        meeting_id=meeting.id if meeting else None,
        number=_next_number(session, body, decided_on.year),
        title=title,
        text=text,
        deliberations=values.get("deliberations", "").strip()[:MAX_TEXT],
        method=method,
        votes_for=counts["votes_for"],
        votes_against=counts["votes_against"],
        votes_abstain=counts["votes_abstain"],
        decided_on=decided_on,
        review_on=review_on,
        standard_id=standard_id,
        consultation_id=consultation_id,
        created_by_id=user.id,
    )
    session.add(decision)
    session.flush()
    for clause_id, comment_id in links:
        session.add(
            DecisionLink(decision_id=decision.id, clause_id=clause_id, comment_id=comment_id)
        )
    session.flush()
    return decision


def _meeting_of(session: Session, body: Body, raw: str, errors: dict) -> Meeting | None:
    meeting_id = collect(errors, parse_id, raw, "meeting")
    if not meeting_id:
        return None
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.body_id != body.id:
        errors["meeting"] = _l("Choose one of this body's meetings.")
        return None
    return meeting


def _links(session: Session, values: dict, errors: dict):
    """The standard, consultation, clauses and comments a decision settles."""
    standard_id = consultation_id = None
    links: list[tuple[int | None, int | None]] = []
    cid = collect(errors, parse_id, values.get("consultation", ""), "consultation")
    if cid:
        consultation = session.get(Consultation, cid)
        if consultation is None:
            errors["consultation"] = _l("Choose a consultation from the list.")
        else:
            consultation_id = consultation.id
            standard_id = session.get(Draft, consultation.draft_id).standard_id
    for raw in _split_ids(values.get("clauses", "")):
        clause_id = as_id(raw)
        clause = session.get(Clause, clause_id) if clause_id else None
        if clause is None:
            errors["clauses"] = _l("“%(value)s” is not a clause id.", value=raw[:20])
            continue
        links.append((clause.id, None))
        standard_id = standard_id or session.get(Draft, clause.draft_id).standard_id
    for raw in _split_ids(values.get("comments", "")):
        comment = session.exec(select(Comment).where(Comment.reference == raw)).first()
        if comment is None:
            errors["comments"] = _l("There is no comment %(ref)s.", ref=raw[:80])
            continue
        links.append((None, comment.id))
    sid = collect(errors, parse_id, values.get("standard", ""), "standard")
    if sid:
        if session.get(Standard, sid) is None:
            errors["standard"] = _l("Choose a standard from the list.")
        standard_id = sid
    return standard_id, consultation_id, links


@dataclass(frozen=True)
class RegisterEntry:
    decision: Decision
    body: Body
    standard: Standard | None
    meeting: Meeting | None


def register(
    session: Session,
    body_slug: str = "",
    year: str = "",
    standard_slug: str = "",
    limit: int | None = None,
) -> list[RegisterEntry]:
    """The register across bodies, newest first; filters are query parameters, so a bad one
    is refused with ValidationError rather than ignored."""
    query = (
        select(Decision, Body, Standard, Meeting)
        .join(Body, Body.id == Decision.body_id)
        .outerjoin(Standard, Standard.id == Decision.standard_id)
        .outerjoin(Meeting, Meeting.id == Decision.meeting_id)
    )
    if body_slug:
        query = query.where(Body.slug == body_slug)
    if year:
        if not (year.isdigit() and len(year) == 4):
            raise ValidationError({"year": _l("The year is four digits, such as 2026.")})
        query = query.where(extract("year", Decision.decided_on) == int(year))
    if standard_slug:
        query = query.where(Standard.slug == standard_slug)
    query = query.order_by(col(Decision.decided_on).desc(), col(Decision.id).desc())
    if limit:
        query = query.limit(limit)
    return [RegisterEntry(*row) for row in session.exec(query)]


def get_decision(session: Session, number: str) -> RegisterEntry:
    rows = [e for e in register(session) if e.decision.number == number]
    if not rows:
        raise NotFound(_l("There is no decision %(number)s.", number=number[:40]))
    return rows[0]


def decision_links(session: Session, decision: Decision) -> tuple[list[Clause], list[Comment]]:
    links = list(session.exec(select(DecisionLink).where(DecisionLink.decision_id == decision.id)))
    clauses = [session.get(Clause, link.clause_id) for link in links if link.clause_id]
    comments = [session.get(Comment, link.comment_id) for link in links if link.comment_id]
    return clauses, comments


def years(session: Session) -> list[int]:
    return sorted({d.year for d in session.exec(select(Decision.decided_on))}, reverse=True)


# --- actions ----------------------------------------------------------------------------------


def create_action(session: Session, body: Body, values: dict[str, str]) -> ActionItem:
    errors: dict = {}
    title = values.get("title", "").strip()
    if not title or len(title) > 300:
        errors["title"] = _l("Describe the action in at most 300 characters.")
    owner_id = collect(errors, parse_id, values.get("owner", ""), "owner")
    if not owner_id or session.get(User, owner_id) is None:
        errors["owner"] = _l("Choose who owns the action.")
    due = collect(errors, parse_date, values.get("due_on", ""), "due_on")
    meeting = _meeting_of(session, body, values.get("meeting", ""), errors)
    if errors:
        raise ValidationError(errors)
    action = ActionItem(
        body_id=body.id,
        meeting_id=meeting.id if meeting else None,
        title=title,
        owner_id=owner_id,
        due_on=due,
    )
    session.add(action)
    session.flush()
    return action


def get_action(session: Session, action_id: str) -> ActionItem:
    number = as_id(action_id)
    action = session.get(ActionItem, number) if number else None
    if action is None:
        raise NotFound(_l("There is no such action."))
    return action


def set_action_status(session: Session, action: ActionItem, status: str) -> ActionItem:
    if status not in ACTION_STATES:
        raise ValidationError({"status": _l("Choose open, done or cancelled.")})
    action.status = status
    session.add(action)
    session.flush()
    return action


@dataclass(frozen=True)
class ActionRow:
    action: ActionItem
    body: Body
    owner: User

    def overdue(self, day: date) -> bool:
        return self.action.overdue_on(day)


def actions(
    session: Session, body: Body | None = None, owner: User | None = None
) -> list[ActionRow]:
    query = (
        select(ActionItem, Body, User)
        .join(Body, Body.id == ActionItem.body_id)
        .join(User, User.id == ActionItem.owner_id)
    )
    if body is not None:
        query = query.where(ActionItem.body_id == body.id)
    if owner is not None:
        query = query.where(ActionItem.owner_id == owner.id)
    return [
        ActionRow(*row) for row in session.exec(query.order_by(ActionItem.due_on, ActionItem.id))
    ]


def meeting_decisions(session: Session, meeting: Meeting) -> list[Decision]:
    return list(
        session.exec(
            select(Decision).where(Decision.meeting_id == meeting.id).order_by(Decision.id)
        )
    )
