"""Meetings: scheduling, the agenda (with clauses), attendance and quorum."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause
from consult.errors import NotFound, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.responses.models import CommentGroup, Response
from governance.models import (
    ATTENDANCE,
    AgendaClause,
    AgendaItem,
    Attendance,
    Body,
    Meeting,
    SeatCategory,
)
from governance.parsing import as_id, collect, parse_id, parse_local, parse_zone
from governance.services import MemberRow, memberships, seat_categories

MAX_TEXT = 20_000


def create_meeting(session: Session, body: Body, values: dict[str, str]) -> Meeting:
    errors: dict = {}
    title = values.get("title", "").strip()
    if not title or len(title) > 300:
        errors["title"] = _l("Give the meeting a title of at most 300 characters.")
    zone = collect(errors, parse_zone, values.get("timezone", ""))
    starts = ends = None
    if zone is not None:
        starts = collect(errors, parse_local, values.get("starts_at", ""), "starts_at", zone)
        ends = collect(errors, parse_local, values.get("ends_at", ""), "ends_at", zone)
    if starts and ends and ends <= starts:
        errors["ends_at"] = _l("The meeting must end after it starts.")
    url = values.get("online_url", "").strip()
    if url and not url.startswith(("https://", "http://")):
        errors["online_url"] = _l("The online link starts with https://.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(
        body_id=body.id,
        title=title,
        starts_at=starts,
        ends_at=ends,
        timezone=str(zone.key),
        # Too long for its column, a field is refused by name at the flush, never cut short.
        place=values.get("place", "").strip(),
        online_url=url,
        languages=values.get("languages", "").strip(),
    )
    session.add(meeting)
    session.flush()
    return meeting


def local_time(meeting: Meeting) -> str:
    """When the meeting starts, in its own timezone, for emails."""
    start = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))
    return f"{start:%Y-%m-%d %H:%M} ({meeting.timezone})"


def get_meeting(session: Session, meeting_id: str | int) -> tuple[Meeting, Body]:
    row = None
    number = as_id(meeting_id)
    if number:
        row = session.exec(
            select(Meeting, Body).join(Body, Body.id == Meeting.body_id).where(Meeting.id == number)
        ).first()
    if row is None:
        raise NotFound(_l("There is no such meeting. See the body's list of meetings."))
    return row


def meetings_of(session: Session, body: Body | None = None) -> list[tuple[Meeting, Body]]:
    query = select(Meeting, Body).join(Body, Body.id == Meeting.body_id)
    if body is not None:
        query = query.where(Meeting.body_id == body.id)
    return list(session.exec(query.order_by(col(Meeting.starts_at).desc())))


# --- agenda -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaEntry:
    item: AgendaItem
    clauses: list[Clause]


def agenda(session: Session, meeting: Meeting) -> list[AgendaEntry]:
    items = list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    links: dict[int, list[Clause]] = {}
    if items:
        for link, clause in session.exec(
            select(AgendaClause, Clause)
            .join(Clause, Clause.id == AgendaClause.clause_id)
            .where(col(AgendaClause.agenda_item_id).in_([i.id for i in items]))
            .order_by(Clause.position)
        ):
            links.setdefault(link.agenda_item_id, []).append(clause)
    return [AgendaEntry(item, links.get(item.id, [])) for item in items]


def _next_position(session: Session, meeting: Meeting) -> int:
    last = session.exec(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    ).one()
    return (last or 0) + 1


def add_agenda_item(
    session: Session, meeting: Meeting, title: str, text: str, clause_ids: list[str]
) -> AgendaItem:
    errors: dict = {}
    title = title.strip()
    if not title or len(title) > 300:
        errors["title"] = _l("Give the agenda item a title of at most 300 characters.")
    if len(text) > MAX_TEXT:
        errors["text"] = _l("The text can be at most %(n)s characters.", n=MAX_TEXT)
    clauses = []
    for raw in clause_ids:
        clause_id = collect(errors, parse_id, raw, "clauses")
        clause = session.get(Clause, clause_id) if clause_id else None
        if clause_id and clause is None:
            errors["clauses"] = _l("Choose clauses from the list.")
        elif clause is not None:
            clauses.append(clause)
    if errors:
        raise ValidationError(errors)
    item = AgendaItem(
        meeting_id=meeting.id,
        position=_next_position(session, meeting),
        title=title,
        text=text.strip(),
    )
    session.add(item)
    session.flush()
    for clause in {c.id: c for c in clauses}.values():
        session.add(AgendaClause(agenda_item_id=item.id, clause_id=clause.id))
    session.flush()
    return item


def move_agenda_item(session: Session, meeting: Meeting, item_id: str, direction: str) -> None:
    """Swap an item with its neighbour above ("up") or below ("down")."""
    items = [entry.item for entry in agenda(session, meeting)]
    index = next((i for i, item in enumerate(items) if str(item.id) == item_id), None)
    if index is None:
        raise NotFound(_l("This meeting has no such agenda item."))
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _l("Move an item up or down.")})
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        for position, item in enumerate(items, start=1):
            item.position = position
            session.add(item)
        session.flush()


def agenda_from_comments(
    session: Session, meeting: Meeting, consultation_id: str, clause_keys: list[str]
) -> list[AgendaItem]:
    """One agenda item per chosen clause with comments still pending in the response log:
    each open group of comments once, with its references, then the comments on their own."""
    cid = collect({}, parse_id, consultation_id, "consultation")
    consultation = session.get(Consultation, cid) if cid else None
    if consultation is None:
        raise ValidationError({"consultation": _l("Choose a consultation.")})
    keys = [k.strip() for k in clause_keys if k.strip()]
    if not keys:
        raise ValidationError({"clause_keys": _l("Name at least one clause, such as 9.4.")})
    created = []
    for key in keys:
        clause = session.exec(
            select(Clause).where(Clause.draft_id == consultation.draft_id, Clause.key == key)
        ).first()
        if clause is None:
            raise ValidationError(
                {"clause_keys": _l("The draft has no clause “%(key)s”.", key=key[:100])}
            )
        pending = _pending_comments(session, consultation, clause)
        if not pending:
            continue
        groups: dict[str, list[str]] = {}
        for reference, group_title in pending:
            groups.setdefault(group_title or "", []).append(reference)
        lines = [f"- {title}: {', '.join(refs)}" for title, refs in groups.items() if title]
        lines += [f"- {reference}" for reference in groups.get("", [])]
        title = str(_l("Comments on %(heading)s (%(n)s)", heading=clause.heading, n=len(pending)))
        created.append(
            add_agenda_item(session, meeting, title[:300], "\n".join(lines), [str(clause.id)])
        )
    if not created:
        raise ValidationError({"clause_keys": _l("No comments were received on these clauses.")})
    return created


def _pending_comments(
    session: Session, consultation: Consultation, clause: Clause
) -> list[tuple[str, str | None]]:
    """References of the clause's comments with no disposition yet, and their group's title."""
    return list(
        session.exec(
            select(Comment.reference, CommentGroup.title)
            .outerjoin(Response, Response.comment_id == Comment.id)
            .outerjoin(CommentGroup, CommentGroup.id == Response.group_id)
            .where(
                Comment.consultation_id == consultation.id,
                Comment.clause_id == clause.id,
                col(Response.id).is_(None) | (Response.disposition == "pending"),
            )
            .order_by(Comment.id)
        )
    )


# --- attendance and quorum --------------------------------------------------------------------


def expected(session: Session, meeting: Meeting, body: Body) -> list[MemberRow]:
    """Who was a member on the day of the meeting."""
    return memberships(session, body, meeting.starts_at.date())


def attendance(session: Session, meeting: Meeting) -> dict[int, Attendance]:
    return {
        a.membership_id: a
        for a in session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id))
    }


def record_attendance(
    session: Session, meeting: Meeting, body: Body, values: dict[str, str]
) -> None:
    """`values` maps "status-<membership id>" to a status and "alternate-<id>" to the
    membership id of the alternate who represents them. Raises ValidationError."""
    members = {row.membership.id: row for row in expected(session, meeting, body)}
    errors: dict = {}
    chosen: dict[int, tuple[str, int | None]] = {}
    for membership_id in members:
        status = values.get(f"status-{membership_id}", "")
        if not status:
            continue
        if status not in ATTENDANCE:
            errors[f"status-{membership_id}"] = _l(
                "Choose present, apologies, absent or represented."
            )
            continue
        alternate = None
        if status == "represented":
            alternate = collect(
                errors,
                parse_id,
                values.get(f"alternate-{membership_id}", ""),
                f"alternate-{membership_id}",
            )
            if alternate not in members or alternate == membership_id:
                errors[f"alternate-{membership_id}"] = _l(
                    "Choose the alternate who represented them."
                )
        chosen[membership_id] = (status, alternate)
    if errors:
        raise ValidationError(errors)
    existing = attendance(session, meeting)
    for membership_id, (status, alternate) in chosen.items():
        row = existing.get(membership_id) or Attendance(
            meeting_id=meeting.id, membership_id=membership_id, status=status
        )
        row.status, row.represented_by_id = status, alternate
        session.add(row)
    session.flush()


@dataclass(frozen=True)
class Quorum:
    present: int
    required: int
    each_category: bool
    missing: list[SeatCategory]
    recorded: bool

    @property
    def met(self) -> bool:
        return self.recorded and self.present >= self.required and not self.missing


def quorum(session: Session, meeting: Meeting, body: Body) -> Quorum:
    """Voting members present, in person or represented by an alternate, against the body's
    rule: a minimum, and optionally someone from every seat category."""
    records = attendance(session, meeting)
    present_seats: set[int] = set()
    present = 0
    for row in expected(session, meeting, body):
        record = records.get(row.membership.id)
        if row.membership.votes and record and record.status in ("present", "represented"):
            present += 1
            if row.seat is not None:
                present_seats.add(row.seat.id)
    missing = []
    if body.quorum_each_category:
        missing = [
            c for c in seat_categories(session, body) if c.seats and c.id not in present_seats
        ]
    return Quorum(present, body.quorum_minimum, body.quorum_each_category, missing, bool(records))
