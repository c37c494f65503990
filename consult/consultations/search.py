"""Consultations and comments as search documents.

A confidential comment is visible to the secretariat only. A public comment in a
consultation that shows comments only after closing is held back until the close.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlmodel import Session, col, select

from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause, Draft, Standard
from consult.search.registry import PUBLIC, SECRETARIAT, Document, Source

BATCH = 1000


def _consultation_documents(session: Session, ids: list[int] | None) -> Iterator[Document]:
    query = (
        select(Consultation, Draft, Standard)
        .join(Draft, Draft.id == Consultation.draft_id)
        .join(Standard, Standard.id == Draft.standard_id)
    )
    if ids is not None:
        query = query.where(col(Consultation.id).in_(ids))
    for consultation, draft, standard in session.exec(query):
        yield Document(
            kind="consultation",
            record_id=consultation.id,
            title=consultation.title,
            content=f"{consultation.summary}\n{consultation.justification}",
            url=f"/consultations/{consultation.slug}",
            date=consultation.opens_at,
            facets={
                "standard": standard.name,
                "version": draft.version_label,
                "consultation": consultation.slug,
            },
        )


def _dependants(session: Session, consultation: Consultation) -> Iterable[tuple[str, int]]:
    """When a consultation changes, its comments' visibility and its clauses' links may too."""
    for comment_id in session.exec(
        select(Comment.id).where(Comment.consultation_id == consultation.id)
    ):
        yield "comment", comment_id
    for clause_id in session.exec(
        select(Clause.id).where(Clause.draft_id == consultation.draft_id)
    ):
        yield "clause", clause_id


def _comment_documents(session: Session, ids: list[int] | None) -> Iterator[Document]:
    query = (
        select(Comment, Consultation, Clause, Draft, Standard)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .join(Clause, Clause.id == Comment.clause_id)
        .join(Draft, Draft.id == Consultation.draft_id)
        .join(Standard, Standard.id == Draft.standard_id)
        .order_by(Comment.id)
    )
    if ids is not None:
        query = query.where(col(Comment.id).in_(ids))
    for comment, consultation, clause, draft, standard in session.exec(
        query.execution_options(yield_per=BATCH)
    ):
        confidential = comment.publication == "confidential"
        # The author's name is searchable only where the author chose to be named.
        author = (
            f"{comment.author_name}, {comment.author_organisation}".strip(", ")
            if comment.publication == "named"
            else ""
        )
        yield Document(
            kind="comment",
            record_id=comment.id,
            title=f"{comment.reference} · {clause.heading}",
            content="\n".join(filter(None, [comment.body, comment.proposed_change, author])),
            url=f"/consultations/{consultation.slug}/clauses/{clause.key}#comment-{comment.reference}",
            visibility=SECRETARIAT if confidential else PUBLIC,
            visible_from=None
            if consultation.show_comments_during_period
            else consultation.closes_at,
            date=comment.received_at,
            facets={
                "standard": standard.name,
                "version": draft.version_label,
                "consultation": consultation.slug,
                "category": comment.stakeholder_category or "",
            },
        )


def sources() -> list[Source]:
    return [
        Source(
            kind="consultation",
            model=Consultation,
            documents=_consultation_documents,
            dependants=_dependants,
        ),
        Source(kind="comment", model=Comment, documents=_comment_documents),
    ]
