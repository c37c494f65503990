"""Consultation rounds and comments: opening rounds, taking comments, who sees which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from consult.accounts.models import User
from consult.accounts.permissions import is_secretariat
from consult.consultations.models import (
    COMMENT_KINDS,
    COMMENT_SOURCES,
    PUBLICATION_CHOICES,
    Comment,
    Consultation,
)
from consult.drafts.models import Clause, Draft, Standard
from consult.drafts.parser import slugify
from consult.errors import DomainError, NotFound, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.ratelimit import COMMENTS_PER_ACCOUNT, COMMENTS_PER_IP, consume
from consult.sqltypes import utcnow

MAX_COMMENT = 20_000
MAX_TITLE = 300
# A busy clause draws hundreds of comments: pages keep it light on slow connections.
COMMENTS_PER_PAGE = 50
# ISEAL: a first round runs at least 60 days, a later one at least 30.
MINIMUM_DAYS = {1: 60}
LATER_ROUND_MINIMUM_DAYS = 30


class ConsultationClosed(DomainError):
    status_code = 403


def minimum_days(round_number: int) -> int:
    return MINIMUM_DAYS.get(round_number, LATER_ROUND_MINIMUM_DAYS)


def status(consultation: Consultation, now: datetime | None = None) -> str:
    now = now or utcnow()
    if now < consultation.opens_at:
        return "upcoming"
    if now < consultation.closes_at:
        return "open"
    return "closed"


def is_short(consultation: Consultation) -> bool:
    length = consultation.closes_at - consultation.opens_at
    return length < timedelta(days=minimum_days(consultation.round_number))


def parse_instant(text: str, field: str, timezone: str = "UTC") -> datetime:
    """An ISO 8601 date-time. Without an offset it is read in `timezone`."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            {
                field: _l(
                    "“%(value)s” is not a date and time. Use the form 2026-03-01T09:00Z.",
                    value=text[:40],
                )
            }
        ) from None
    if value.tzinfo is None:
        try:
            value = value.replace(tzinfo=ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"timezone": _l("Choose a timezone from the list.")}) from None
    return value


@dataclass(frozen=True)
class ConsultationInput:
    draft_id: int
    title: str
    opens_at: datetime
    closes_at: datetime
    round_number: int = 1
    justification: str = ""
    summary: str = ""
    show_comments_during_period: bool = True


def create_consultation(
    session: Session, data: ConsultationInput, created_by_id: int | None = None
) -> Consultation:
    """Open a round on a draft. Raises ValidationError; a round shorter than the ISEAL minimum
    needs a justification, which is shown publicly."""
    draft = session.get(Draft, data.draft_id)
    errors: dict = {}
    if draft is None:
        errors["draft"] = _l("There is no draft %(id)s.", id=data.draft_id)
    title = data.title.strip()
    if not title:
        errors["title"] = _l("Give the consultation a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _l("The title can be at most %(n)s characters.", n=MAX_TITLE)
    if data.round_number < 1:
        errors["round_number"] = _l("The round is a number from 1 up.")
    if data.closes_at <= data.opens_at:
        errors["closes_at"] = _l("The closing date must come after the opening date.")
    elif (
        data.closes_at - data.opens_at < timedelta(days=minimum_days(data.round_number))
        and not data.justification.strip()
    ):
        errors["justification"] = _l(
            "Round %(round)s is shorter than %(days)s days: record why, for the public record.",
            round=data.round_number,
            days=minimum_days(data.round_number),
        )
    if errors:
        raise ValidationError(errors)
    standard = session.get(Standard, draft.standard_id)
    consultation = Consultation(
        slug=_unique_slug(session, f"{standard.slug}-{draft.version_code}-r{data.round_number}"),
        draft_id=draft.id,
        title=title,
        summary=data.summary.strip(),
        round_number=data.round_number,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        justification=data.justification.strip(),
        show_comments_during_period=data.show_comments_during_period,
        reference_prefix=f"{standard.code}-{draft.version_code}-R{data.round_number}",
        created_by_id=created_by_id,
    )
    session.add(consultation)
    session.flush()
    return consultation


def _unique_slug(session: Session, base: str) -> str:
    base = slugify(base)
    taken = set(
        session.exec(select(Consultation.slug).where(col(Consultation.slug).startswith(base)))
    )
    slug, counter = base, 2
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    return slug


@dataclass(frozen=True)
class ConsultationSummary:
    consultation: Consultation
    draft: Draft
    standard: Standard
    comment_count: int

    @property
    def status(self) -> str:
        return status(self.consultation)


def list_consultations(session: Session) -> dict[str, list[ConsultationSummary]]:
    counts = (
        select(Comment.consultation_id, func.count(Comment.id).label("n"))
        .group_by(Comment.consultation_id)
        .subquery()
    )
    rows = session.exec(
        select(Consultation, Draft, Standard, func.coalesce(counts.c.n, 0))
        .join(Draft, Draft.id == Consultation.draft_id)
        .join(Standard, Standard.id == Draft.standard_id)
        .outerjoin(counts, counts.c.consultation_id == Consultation.id)
        .order_by(Consultation.closes_at)
    )
    grouped: dict[str, list[ConsultationSummary]] = {"open": [], "upcoming": [], "closed": []}
    for consultation, draft, standard, count in rows:
        summary = ConsultationSummary(consultation, draft, standard, count)
        grouped[summary.status].append(summary)
    grouped["closed"].reverse()  # most recently closed first
    return grouped


def get_consultation(session: Session, slug: str) -> ConsultationSummary:
    row = session.exec(
        select(Consultation, Draft, Standard)
        .join(Draft, Draft.id == Consultation.draft_id)
        .join(Standard, Standard.id == Draft.standard_id)
        .where(Consultation.slug == slug)
    ).first()
    if row is None:
        raise NotFound(
            _l(
                "There is no consultation at this address. It may have moved: see the list of consultations."
            )
        )
    count = session.exec(
        select(func.count(Comment.id)).where(Comment.consultation_id == row[0].id)
    ).one()
    return ConsultationSummary(*row, comment_count=count)


@dataclass(frozen=True)
class OutlineEntry:
    clause: Clause
    comment_count: int


def outline(session: Session, consultation: Consultation) -> list[OutlineEntry]:
    counts = dict(
        session.exec(
            select(Comment.clause_id, func.count(Comment.id))
            .where(Comment.consultation_id == consultation.id)
            .group_by(Comment.clause_id)
        ).all()
    )
    clauses = session.exec(
        select(Clause).where(Clause.draft_id == consultation.draft_id).order_by(Clause.position)
    )
    return [OutlineEntry(clause, counts.get(clause.id, 0)) for clause in clauses]


def get_clause(session: Session, consultation: Consultation, key: str) -> Clause:
    clause = session.exec(
        select(Clause).where(Clause.draft_id == consultation.draft_id, Clause.key == key)
    ).first()
    if clause is None:
        raise NotFound(
            _l("This draft has no clause “%(key)s”. Pick a clause from the outline.", key=key[:100])
        )
    return clause


def neighbours(session: Session, clause: Clause) -> tuple[Clause | None, Clause | None]:
    def one(condition, order):
        return session.exec(
            select(Clause)
            .where(Clause.draft_id == clause.draft_id, condition)
            .order_by(order)
            .limit(1)
        ).first()

    return (
        one(Clause.position < clause.position, col(Clause.position).desc()),
        one(Clause.position > clause.position, col(Clause.position)),
    )


# --- comments ---------------------------------------------------------------------------------


def validate_comment(values: dict[str, str]) -> dict[str, str]:
    errors: dict = {}
    cleaned = {
        "kind": values.get("kind", ""),
        "body": values.get("body", "").strip(),
        "proposed_change": values.get("proposed_change", "").strip(),
        "publication": values.get("publication", ""),
    }
    if cleaned["kind"] not in COMMENT_KINDS:
        errors["kind"] = _l("Choose the type of comment: general, technical or editorial.")
    if not cleaned["body"]:
        errors["body"] = _l("Write your comment before sending it.")
    elif len(cleaned["body"]) > MAX_COMMENT:
        errors["body"] = _l(
            "Your comment is %(length)s characters long; the limit is %(limit)s. Shorten it or split it into two comments.",
            length=len(cleaned["body"]),
            limit=MAX_COMMENT,
        )
    if len(cleaned["proposed_change"]) > MAX_COMMENT:
        errors["proposed_change"] = _l(
            "The proposed change is %(length)s characters long; the limit is %(limit)s.",
            length=len(cleaned["proposed_change"]),
            limit=MAX_COMMENT,
        )
    if cleaned["publication"] not in PUBLICATION_CHOICES:
        errors["publication"] = _l("Choose whether and how your comment may be published.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _next_reference(session: Session, consultation: Consultation) -> str:
    # An atomic increment: concurrent submissions each get their own number, and a number
    # once handed out is never handed out again.
    number = (
        session.execute(
            update(Consultation)
            .where(Consultation.id == consultation.id)
            .values(next_receipt=Consultation.next_receipt + 1)
            .returning(Consultation.next_receipt)
        ).scalar_one()
        - 1
    )
    return f"{consultation.reference_prefix}-{number:06d}"


def submit_comment(
    session: Session,
    outbox,
    consultation: Consultation,
    clause: Clause,
    author: User,
    values: dict[str, str],
    client_ip: str = "",
    rate_limits: bool = True,
) -> Comment:
    """A stakeholder's own comment through the public form. Raises ConsultationClosed outside
    the period, ValidationError for bad input and RateLimited for a flood; mails the receipt."""
    state = status(consultation)
    if state == "upcoming":
        raise ConsultationClosed(
            _l("This consultation has not opened yet. Come back when it opens.")
        )
    if state == "closed":
        raise ConsultationClosed(
            _l(
                "This consultation closed and no longer takes comments. Keep a copy of your text and send it to the secretariat, who can still record it as a late comment."
            )
        )
    cleaned = validate_comment(values)
    consume(
        session,
        [
            (f"comment:user:{author.id}", COMMENTS_PER_ACCOUNT),
            (f"comment:ip:{client_ip}", COMMENTS_PER_IP),
        ],
        rate_limits,
    )
    comment = Comment(
        reference=_next_reference(session, consultation),
        consultation_id=consultation.id,
        clause_id=clause.id,
        author_id=author.id,
        author_name=author.name,
        author_organisation=author.organisation,
        author_email=author.email,
        stakeholder_category=author.stakeholder_category,
        country=author.country,
        **cleaned,
    )
    session.add(comment)
    session.flush()
    _queue_receipt(session, outbox, comment, consultation, clause, author.email, author.language)
    return comment


def record_on_behalf(
    session: Session,
    outbox,
    consultation: Consultation,
    staff: User,
    values: dict[str, str],
) -> Comment:
    """The secretariat records a comment that came by email, letter, workshop or community
    meeting. Allowed after closing; a comment received after the close is marked late.
    Raises ValidationError naming every field that is wrong."""
    from consult.accounts.models import STAKEHOLDER_CATEGORIES
    from consult.accounts.services import normalize_email

    errors: dict = {}
    try:
        cleaned = validate_comment(values)
    except ValidationError as error:
        errors.update(error.errors)
        cleaned = {}
    try:
        clause = get_clause(session, consultation, values.get("clause", ""))
    except NotFound:
        errors["clause"] = _l("Choose the clause the comment is about.")
    received_at = utcnow()
    if values.get("received_at", "").strip():
        try:
            received_at = parse_instant(
                values["received_at"], "received_at", values.get("timezone") or "UTC"
            )
        except ValidationError as error:
            errors.update(error.errors)
    name = values.get("author_name", "").strip()
    email = normalize_email(values.get("author_email", ""))
    source = values.get("source", "")
    category = values.get("stakeholder_category", "")
    if not name:
        errors["author_name"] = _l("Enter the name of the person or organisation who commented.")
    elif len(name) > 200:
        errors["author_name"] = _l("The name can be at most 200 characters.")
    if len(values.get("author_organisation", "").strip()) > 200:
        errors["author_organisation"] = _l("The organisation can be at most 200 characters.")
    if source not in COMMENT_SOURCES or source == "online":
        errors["source"] = _l("Say how the comment reached the secretariat.")
    if category not in STAKEHOLDER_CATEGORIES:
        errors["stakeholder_category"] = _l("Choose the commenter's stakeholder category.")
    if email and "@" not in email:
        errors["author_email"] = _l(
            "Enter an email address such as name@example.org, or leave it empty."
        )
    if received_at > utcnow() + timedelta(minutes=5):
        errors["received_at"] = _l("The date received cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    author = session.exec(select(User).where(User.email == email)).first() if email else None
    comment = Comment(
        reference=_next_reference(session, consultation),
        consultation_id=consultation.id,
        clause_id=clause.id,
        author_id=author.id if author else None,
        author_name=name,
        author_organisation=values.get("author_organisation", "").strip(),
        author_email=email,
        stakeholder_category=category,
        country=(values.get("country", "").upper() or None),
        source=source,
        source_note=values.get("source_note", "").strip()[:2000],
        recorded_by_id=staff.id,
        is_late=received_at >= consultation.closes_at,
        received_at=received_at,
        **cleaned,
    )
    session.add(comment)
    session.flush()
    if email:
        language = author.language if author else "en"
        _queue_receipt(session, outbox, comment, consultation, clause, email, language)
    return comment


def _queue_receipt(session, outbox, comment, consultation, clause, email, language) -> None:
    outbox.queue(
        session,
        email,
        "comment_receipt",
        {
            "comment": comment,
            "consultation": consultation,
            "clause": clause,
            "link": f"{outbox.settings.base_url}/account/comments/{comment.reference}",
        },
        language=language,
    )


def comments_visible_during(consultation: Consultation) -> bool:
    return consultation.show_comments_during_period or status(consultation) == "closed"


@dataclass
class CommentPage:
    comments: list[Comment]
    total: int
    page: int
    pages: int


def comments_on_clause(
    session: Session,
    consultation: Consultation,
    clause: Clause,
    viewer: User | None,
    page: int = 1,
    per_page: int = COMMENTS_PER_PAGE,
) -> CommentPage:
    """What `viewer` may read on a clause page, a page at a time, oldest first: public comments
    when the consultation shows them, the viewer's own, and everything for the secretariat."""
    where = [Comment.consultation_id == consultation.id, Comment.clause_id == clause.id]
    if not is_secretariat(viewer):
        mine = Comment.author_id == viewer.id if viewer else False
        if comments_visible_during(consultation):
            where.append((Comment.publication != "confidential") | mine)
        else:
            where.append(mine)
    total = session.exec(select(func.count()).select_from(Comment).where(*where)).one()
    pages = max(-(-total // per_page), 1)
    page = min(max(page, 1), pages)
    comments = session.exec(
        select(Comment)
        .where(*where)
        .order_by(Comment.received_at, Comment.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return CommentPage(list(comments), total, page, pages)


def comments_by_author(session: Session, user: User) -> list[tuple[Comment, Consultation, Clause]]:
    return list(
        session.exec(
            select(Comment, Consultation, Clause)
            .join(Consultation, Consultation.id == Comment.consultation_id)
            .join(Clause, Clause.id == Comment.clause_id)
            .where(Comment.author_id == user.id)
            .order_by(col(Comment.received_at).desc())
        )
    )


def get_comment(session: Session, reference: str) -> tuple[Comment, Consultation, Clause]:
    row = session.exec(
        select(Comment, Consultation, Clause)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .join(Clause, Clause.id == Comment.clause_id)
        .where(Comment.reference == reference)
    ).first()
    if row is None:
        raise NotFound(_l("There is no comment with the reference %(ref)s.", ref=reference[:80]))
    return row
