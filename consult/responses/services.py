"""The response log: listing comments with their responses, recording dispositions with
history. Every query filters and pages in SQL, so a log of 20,000 comments stays fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, or_
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from consult.accounts.models import User
from consult.consultations.models import Comment, Consultation
from consult.db import as_id
from consult.drafts.models import Clause
from consult.errors import NotFound, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.responses.models import (
    DISPOSITIONS,
    TRACKED_FIELDS,
    CommentGroup,
    CommentTheme,
    Response,
    ResponseHistory,
    Theme,
)
from consult.sqltypes import utcnow

PAGE_SIZE = 50
MAX_RESPONSE = 20_000
MAX_REFERRED_TO = 200
SORTS = {
    "clause": (Clause.position, Comment.id),
    "reference": (Comment.id,),
    "received": (Comment.received_at, Comment.id),
    "disposition": (func.coalesce(Response.disposition, "pending"), Comment.id),
    "category": (Comment.stakeholder_category, Comment.id),
}


@event.listens_for(OrmSession, "before_flush")
def _history_is_append_only(session, _context, _instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, ResponseHistory) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise RuntimeError("response history is append-only")


@dataclass
class LogFilters:
    clause: str = ""
    kind: str = ""
    category: str = ""
    disposition: str = ""
    assignee: str = ""
    theme: str = ""
    group: str = ""
    q: str = ""
    sort: str = "clause"
    page: int = 1

    @classmethod
    def from_query(cls, params) -> LogFilters:
        values = {name: params.get(name, "").strip()[:200] for name in cls.__dataclass_fields__}
        try:
            values["page"] = max(1, min(int(values["page"] or 1), 100_000))
        except ValueError:
            values["page"] = 1
        if values["sort"] not in SORTS:
            values["sort"] = "clause"
        return cls(**values)

    def query_string(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {name: getattr(self, name) for name in self.__dataclass_fields__} | changes
        defaults = {"page": 1, "sort": "clause"}
        return urlencode(
            {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}
        )


@dataclass
class LogRow:
    comment: Comment
    clause: Clause
    response: Response | None
    themes: list[str] = field(default_factory=list)

    @property
    def disposition(self) -> str:
        return self.response.disposition if self.response else "pending"


@dataclass
class LogPage:
    rows: list[LogRow]
    total: int
    filters: LogFilters

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _conditions(consultation: Consultation, filters: LogFilters) -> tuple[list, bool]:
    """The conditions these filters put on a consultation's comments, and whether they need
    each comment's response joined."""
    conditions: list = [Comment.consultation_id == consultation.id]
    if filters.clause:
        clause_id = select(Clause.id).where(
            Clause.draft_id == consultation.draft_id, Clause.key == filters.clause
        )
        conditions.append(Comment.clause_id == clause_id.scalar_subquery())
    if filters.kind:
        conditions.append(Comment.kind == filters.kind)
    if filters.category:
        conditions.append(Comment.stakeholder_category == filters.category)
    if as_id(filters.theme):
        themed = select(CommentTheme.comment_id).where(
            CommentTheme.theme_id == as_id(filters.theme)
        )
        conditions.append(col(Comment.id).in_(themed))
    response_conditions = []
    if filters.disposition == "pending":
        response_conditions.append(
            or_(col(Response.id).is_(None), Response.disposition == "pending")
        )
    elif filters.disposition:
        response_conditions.append(Response.disposition == filters.disposition)
    if filters.assignee == "none":
        response_conditions.append(col(Response.assignee_id).is_(None))
    elif as_id(filters.assignee):
        response_conditions.append(Response.assignee_id == as_id(filters.assignee))
    if as_id(filters.group):
        response_conditions.append(Response.group_id == as_id(filters.group))
    if filters.q:
        # "50%" and "a_b" are text to find, not LIKE wildcards.
        escaped = filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        texts = [
            Comment.body,
            Comment.proposed_change,
            Comment.reference,
            Comment.author_name,
            Comment.author_organisation,
            func.coalesce(Response.response_markdown, ""),
        ]
        response_conditions.append(or_(*(func.lower(t).like(pattern, escape="\\") for t in texts)))
    return conditions + response_conditions, bool(response_conditions)


def response_log(session: Session, consultation: Consultation, filters: LogFilters) -> LogPage:
    """One page of the log: one count query, one page query, one query for its themes.

    The count joins responses only when a filter needs them, and the page query names the
    draft of the clauses, so that in clause order the database walks the draft's clauses by
    position and stops after a page of comments rather than sorting them all."""
    conditions, needs_response = _conditions(consultation, filters)
    counted = select(func.count(Comment.id))
    if needs_response:
        counted = counted.outerjoin(Response, Response.comment_id == Comment.id)
    total = session.exec(counted.where(*conditions)).one()
    page_query = (
        select(Comment, Clause, Response)
        .join(Clause, Clause.id == Comment.clause_id)
        .outerjoin(Response, Response.comment_id == Comment.id)
        .where(Clause.draft_id == consultation.draft_id, *conditions)
        .order_by(*SORTS[filters.sort])
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    )
    rows = [LogRow(c, cl, r) for c, cl, r in session.exec(page_query)]
    themes = themes_of(session, [row.comment.id for row in rows])
    for row in rows:
        row.themes = themes.get(row.comment.id, [])
    return LogPage(rows, total, filters)


def themes_of(session: Session, comment_ids: list[int]) -> dict[int, list[str]]:
    """Theme names per comment, asked in chunks so a long list stays within SQL limits."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(comment_ids), 900):
        chunk = comment_ids[start : start + 900]
        for comment_id, name in session.exec(
            select(CommentTheme.comment_id, Theme.name)
            .join(Theme, Theme.id == CommentTheme.theme_id)
            .where(col(CommentTheme.comment_id).in_(chunk))
            .order_by(Theme.name)
        ):
            found.setdefault(comment_id, []).append(name)
    return found


def log_row(session: Session, consultation: Consultation, reference: str) -> LogRow:
    row = session.exec(
        select(Comment, Clause, Response)
        .join(Clause, Clause.id == Comment.clause_id)
        .outerjoin(Response, Response.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id, Comment.reference == reference)
    ).first()
    if row is None:
        raise NotFound(_l("There is no comment with the reference %(ref)s.", ref=reference[:80]))
    found = LogRow(*row)
    found.themes = themes_of(session, [found.comment.id]).get(found.comment.id, [])
    return found


def filter_choices(session: Session, consultation: Consultation) -> dict[str, Any]:
    return {
        # Keys and headings only: a draft's 300 clauses with their text cost more to load
        # than the rest of the log.
        "clauses": list(
            session.exec(
                select(Clause.key, Clause.heading)
                .where(Clause.draft_id == consultation.draft_id)
                .order_by(Clause.position)
            )
        ),
        "themes": list(
            session.exec(
                select(Theme).where(Theme.consultation_id == consultation.id).order_by(Theme.name)
            )
        ),
        "groups": list(
            session.exec(
                select(CommentGroup)
                .where(CommentGroup.consultation_id == consultation.id)
                .order_by(CommentGroup.title)
            )
        ),
        "staff": list(
            session.exec(select(User).where(col(User.is_secretariat)).order_by(User.name))
        ),
    }


# --- recording a response ---------------------------------------------------------------------


def validate_response(session: Session, comment: Comment, values: dict[str, str]) -> dict[str, Any]:
    """Check a disposition and its response. Returns the cleaned values; raises
    ValidationError naming each wrong field."""
    errors: dict = {}
    disposition = values.get("disposition", "").strip()
    text = values.get("response_markdown", "").strip()
    referred_to = values.get("referred_to", "").strip()
    summary = values.get("confidential_summary", "").strip()
    if disposition not in DISPOSITIONS:
        errors["disposition"] = _l("Choose a disposition from the list.")
    elif disposition not in ("accepted", "pending") and not text:
        errors["response_markdown"] = _l(
            "Write a response: every disposition other than accepted needs one."
        )
    if len(text) > MAX_RESPONSE:
        errors["response_markdown"] = _l(
            "The response can be at most %(n)s characters.", n=MAX_RESPONSE
        )
    if len(referred_to) > MAX_REFERRED_TO:
        errors["referred_to"] = _l("At most %(n)s characters.", n=MAX_REFERRED_TO)
    if len(summary) > MAX_RESPONSE:
        errors["confidential_summary"] = _l(
            "The summary can be at most %(n)s characters.", n=MAX_RESPONSE
        )
    assignee_id = None
    assignee = values.get("assignee_id", "").strip()
    if assignee:
        staff = session.get(User, as_id(assignee)) if as_id(assignee) else None
        if staff is None or not staff.is_secretariat:
            errors["assignee_id"] = _l("Choose someone on the secretariat.")
        else:
            assignee_id = staff.id
    if errors:
        raise ValidationError(errors)
    cleaned: dict[str, Any] = {}
    if "themes" in values:
        from consult.responses.themes import parse_themes

        cleaned["themes"] = parse_themes(values["themes"])
    return cleaned | {
        "disposition": disposition,
        "response_markdown": text,
        "referred_to": referred_to,
        "assignee_id": assignee_id,
        "confidential_summary": summary if comment.publication == "confidential" else "",
    }


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def apply_changes(
    session: Session,
    comment: Comment,
    changes: dict[str, Any],
    user: User | None,
    via: str = "web",
    response: Response | None = None,
    *,
    lookup: bool = True,
    flush: bool = True,
) -> Response:
    """Set fields of a comment's response, adding one history row per changed field and
    raising the version once when anything changed. A caller that already holds the
    comment's response (or knows it has none) passes it with `lookup=False`; a bulk caller
    passes `flush=False` and flushes once at the end."""
    if response is None and lookup:
        response = _locked_response(session, comment)
    if response is None:
        response = Response(comment_id=comment.id, consultation_id=comment.consultation_id)
        response.version = 0
        session.add(response)
    changed = False
    now = utcnow()
    for name in TRACKED_FIELDS:
        if name not in changes or getattr(response, name) == changes[name]:
            continue
        session.add(
            ResponseHistory(
                comment_id=comment.id,
                changed_by_id=user.id if user else None,
                changed_at=now,
                field=name,
                before=_as_text(getattr(response, name)),
                after=_as_text(changes[name]),
                via=via,
            )
        )
        setattr(response, name, changes[name])
        changed = True
    if "themes" in changes:
        changed = (
            _change_themes(session, comment, response, changes["themes"], user, now, via) or changed
        )
    if changed or response.version == 0:
        response.version += 1
        response.updated_at = now
        response.updated_by_id = user.id if user else None
    if flush:
        session.flush()
    return response


def _locked_response(session: Session, comment: Comment) -> Response | None:
    """The comment's response as committed now, with the comment locked until this
    transaction ends: two people saving one response at once then take turns, and the second
    sees the first's save (its history, its version) instead of overwriting it or failing on
    the response both would create. SQLite has no row locks; its writers take turns anyway."""
    session.exec(select(Comment.id).where(Comment.id == comment.id).with_for_update()).one()
    return session.exec(
        select(Response)
        .where(Response.comment_id == comment.id)
        .execution_options(populate_existing=True)
    ).first()


def _change_themes(session, comment, response, names, user, now, via) -> bool:
    from consult.responses.themes import replace_themes

    before = themes_of(session, [comment.id]).get(comment.id, [])
    if sorted(n.lower() for n in before) == sorted(n.lower() for n in names):
        return False
    replace_themes(session, comment.id, comment.consultation_id, names)
    session.add(
        ResponseHistory(
            comment_id=comment.id,
            changed_by_id=user.id if user else None,
            changed_at=now,
            field="themes",
            before="; ".join(before),
            after="; ".join(names),
            via=via,
        )
    )
    return True


def record_response(
    session: Session, comment: Comment, values: dict[str, str], user: User
) -> Response:
    """Record the secretariat's disposition and response. Raises ValidationError."""
    return apply_changes(session, comment, validate_response(session, comment, values), user)


def history(session: Session, comment: Comment) -> list[tuple[ResponseHistory, User | None]]:
    return list(
        session.exec(
            select(ResponseHistory, User)
            .outerjoin(User, User.id == ResponseHistory.changed_by_id)
            .where(ResponseHistory.comment_id == comment.id)
            .order_by(col(ResponseHistory.changed_at).desc(), col(ResponseHistory.id).desc())
        )
    )


def pending_count(session: Session, consultation: Consultation) -> int:
    """Comments with no response or a pending one: all comments less the answered ones. Two
    counts over indexes; joining every comment to its response read 20,000 rows of each."""
    comments = session.exec(
        select(func.count(Comment.id)).where(Comment.consultation_id == consultation.id)
    ).one()
    answered = session.exec(
        select(func.count(Response.id)).where(
            Response.consultation_id == consultation.id, Response.disposition != "pending"
        )
    ).one()
    return comments - answered
