"""The public synopsis: every comment and how it was addressed, in draft order, with the
participation figures, and its publication.

Publication choices are applied here, once: a `PublicEntry` holds only what may be shown, so
the page and every download are built from data that never contains a confidential comment's
text or its author."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from consult.accounts.models import STAKEHOLDER_CATEGORIES, User
from consult.consultations.models import Comment, Consultation
from consult.consultations.services import status
from consult.drafts.models import Clause
from consult.errors import Conflict, ValidationError
from consult.i18n import country_name
from consult.i18n import lazy_gettext as _l
from consult.responses.models import CommentGroup, Response, Synopsis
from consult.responses.services import pending_count, themes_of

ISO_KINDS = {"general": "ge", "technical": "te", "editorial": "ed"}


@dataclass
class PublicEntry:
    reference: str
    clause_key: str
    clause_number: str
    clause_heading: str
    source_line: int
    kind: str
    publication: str
    # Empty for unattributed and confidential comments.
    name: str
    organisation: str
    # Empty for confidential comments.
    category: str
    country: str
    # The comment's own words; for a confidential comment, the secretariat's summary instead.
    text: str
    proposed_change: str
    disposition: str
    response_markdown: str
    referred_to: str
    group_title: str
    themes: list[str] = field(default_factory=list)

    @property
    def is_summary(self) -> bool:
        return self.publication == "confidential"

    @property
    def iso_kind(self) -> str:
        return ISO_KINDS.get(self.kind, self.kind)

    @property
    def attribution(self) -> str:
        if self.publication == "named":
            return ", ".join(part for part in (self.name, self.organisation) if part)
        return ""

    @property
    def category_label(self) -> str:
        label = STAKEHOLDER_CATEGORIES.get(self.category)
        return str(label) if label else ""

    @property
    def country_label(self) -> str:
        return country_name(self.country) if self.country else ""


_COLUMNS = (
    Comment.id,
    Comment.reference,
    Comment.kind,
    Comment.publication,
    Comment.author_name,
    Comment.author_organisation,
    Comment.stakeholder_category,
    Comment.country,
    Comment.body,
    Comment.proposed_change,
    Clause.key,
    Clause.number,
    Clause.title,
    Clause.heading,
    Clause.source_line,
    Response.disposition,
    Response.response_markdown,
    Response.referred_to,
    Response.confidential_summary,
    CommentGroup.title.label("group_title"),
)


def _public(row) -> PublicEntry:
    """Only what the commenter's publication choice allows; plain columns, not ORM objects, so
    a synopsis of 20,000 comments is quick to build."""
    confidential = row.publication == "confidential"
    named = row.publication == "named"
    return PublicEntry(
        reference=row.reference,
        clause_key=row.key,
        clause_number=row.number or row.title,
        clause_heading=row.heading,
        source_line=row.source_line,
        kind=row.kind,
        publication=row.publication,
        name=row.author_name if named else "",
        organisation=row.author_organisation if named else "",
        category="" if confidential else (row.stakeholder_category or ""),
        country="" if confidential else (row.country or ""),
        text=(row.confidential_summary or "") if confidential else row.body,
        proposed_change="" if confidential else row.proposed_change,
        disposition=row.disposition or "pending",
        response_markdown=row.response_markdown or "",
        referred_to=row.referred_to or "",
        group_title=row.group_title or "",
    )


@dataclass
class ClauseSection:
    clause_key: str
    heading: str
    # (group or theme title, entries); "" for comments in no group or theme.
    groups: list[tuple[str, list[PublicEntry]]]


def public_entries(session: Session, consultation: Consultation) -> list[PublicEntry]:
    """Every comment of the consultation as the public may see it, in draft order."""
    rows = session.execute(
        select(*_COLUMNS)
        .join(Clause, Clause.id == Comment.clause_id)
        .outerjoin(Response, Response.comment_id == Comment.id)
        .outerjoin(CommentGroup, CommentGroup.id == Response.group_id)
        .where(Comment.consultation_id == consultation.id)
        .order_by(Clause.position, Comment.id)
    ).all()
    themes = themes_of(session, [row.id for row in rows])
    entries = []
    for row in rows:
        entry = _public(row)
        entry.themes = themes.get(row.id, [])
        entries.append(entry)
    return entries


def sections(entries: list[PublicEntry]) -> list[ClauseSection]:
    """Entries by clause, then by group (or first theme) within the clause."""
    found: dict[str, ClauseSection] = {}
    for entry in entries:
        section = found.setdefault(
            entry.clause_key, ClauseSection(entry.clause_key, entry.clause_heading, [])
        )
        title = entry.group_title or (entry.themes[0] if entry.themes else "")
        for name, members in section.groups:
            if name == title:
                members.append(entry)
                break
        else:
            section.groups.append((title, [entry]))
    for section in found.values():
        section.groups.sort(key=lambda group: (group[0] == "", group[0]))
    return list(found.values())


# --- participation figures --------------------------------------------------------------------


def _commenter():
    return func.coalesce(func.nullif(Comment.author_email, ""), Comment.author_name)


def figures(session: Session, consultation: Consultation) -> dict[str, list[tuple]]:
    """Counts of comments and commenters by category, country and type, and dispositions by
    category: a handful of GROUP BY queries, whatever the number of comments."""
    where = Comment.consultation_id == consultation.id
    result: dict[str, list[tuple]] = {}
    for name, column in (
        ("category", Comment.stakeholder_category),
        ("country", Comment.country),
        ("kind", Comment.kind),
    ):
        result[name] = [
            (key or "", comments, commenters)
            for key, comments, commenters in session.exec(
                select(column, func.count(Comment.id), func.count(distinct(_commenter())))
                .where(where)
                .group_by(column)
                .order_by(func.count(Comment.id).desc(), column)
            )
        ]
    disposition = func.coalesce(Response.disposition, "pending")
    result["dispositions"] = [
        (category or "", key, count)
        for category, key, count in session.exec(
            select(Comment.stakeholder_category, disposition, func.count(Comment.id))
            .outerjoin(Response, Response.comment_id == Comment.id)
            .where(where)
            .group_by(Comment.stakeholder_category, disposition)
            .order_by(Comment.stakeholder_category, disposition)
        )
    ]
    return result


# --- publication ------------------------------------------------------------------------------


def get_synopsis(
    session: Session, consultation: Consultation
) -> tuple[Synopsis, User | None] | None:
    row = session.exec(
        select(Synopsis, User)
        .outerjoin(User, User.id == Synopsis.published_by_id)
        .where(Synopsis.consultation_id == consultation.id)
    ).first()
    return tuple(row) if row else None


def publish(
    session: Session, outbox, consultation: Consultation, user: User, justification: str
) -> Synopsis:
    """Publish the synopsis of a closed consultation and email every commenter once.
    Refused (ValidationError) while any comment is pending, unless the secretariat records
    why; Conflict when already published or the consultation is not closed."""
    if status(consultation) != "closed":
        raise Conflict(_l("The synopsis can be published only after the consultation closes."))
    if get_synopsis(session, consultation) is not None:
        raise Conflict(_l("The synopsis is already published."))
    justification = justification.strip()
    pending = pending_count(session, consultation)
    if pending and not justification:
        raise ValidationError(
            {
                "pending_justification": _l(
                    "%(n)s comments are still pending: answer them, or record why the synopsis is published now.",
                    n=pending,
                )
            }
        )
    synopsis = Synopsis(
        consultation_id=consultation.id,
        published_by_id=user.id,
        pending_justification=justification if pending else "",
    )
    session.add(synopsis)
    session.flush()
    _notify_commenters(session, outbox, consultation)
    return synopsis


def _notify_commenters(session: Session, outbox, consultation: Consultation) -> None:
    """One email per distinct address among the consultation's comments."""
    references: dict[str, list[str]] = {}
    for email, reference in session.exec(
        select(Comment.author_email, Comment.reference)
        .where(Comment.consultation_id == consultation.id, Comment.author_email != "")
        .order_by(Comment.id)
    ):
        references.setdefault(email.lower(), []).append(reference)
    if not references:
        return
    languages = dict(
        session.exec(
            select(User.email, User.language).where(col(User.email).in_(list(references)))
        ).all()
    )
    base = f"{outbox.settings.base_url}/consultations/{consultation.slug}/synopsis"
    for email, refs in references.items():
        outbox.queue(
            session,
            email,
            "synopsis_published",
            {
                "consultation": consultation,
                "links": [(ref, f"{base}#comment-{ref}") for ref in refs],
                "synopsis_link": base,
            },
            language=languages.get(email, "en"),
        )
