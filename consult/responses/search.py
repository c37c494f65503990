"""Responses as search documents: public once the consultation's synopsis is published.

A response to a confidential comment carries the secretariat's summary, never the comment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlmodel import Session, col, select

from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause, Draft, Standard
from consult.responses.models import Response, Synopsis
from consult.search.registry import PUBLIC, SECRETARIAT, Document, Source, no_documents

BATCH = 1000


def _documents(session: Session, ids: list[int] | None) -> Iterator[Document]:
    query = (
        select(Response, Comment, Consultation, Clause, Draft, Standard, Synopsis.id)
        .join(Comment, Comment.id == Response.comment_id)
        .join(Consultation, Consultation.id == Response.consultation_id)
        .join(Clause, Clause.id == Comment.clause_id)
        .join(Draft, Draft.id == Consultation.draft_id)
        .join(Standard, Standard.id == Draft.standard_id)
        .outerjoin(Synopsis, Synopsis.consultation_id == Consultation.id)
        .where(Response.disposition != "pending")
        .order_by(Response.id)
    )
    if ids is not None:
        query = query.where(col(Response.id).in_(ids))
    for response, comment, consultation, clause, draft, standard, synopsis_id in session.exec(
        query.execution_options(yield_per=BATCH)
    ):
        point = (
            response.confidential_summary if comment.publication == "confidential" else comment.body
        )
        yield Document(
            kind="response",
            record_id=response.id,
            title=f"{comment.reference} · {clause.heading}",
            content="\n".join(
                filter(None, [response.response_markdown, point, response.referred_to])
            ),
            url=f"/consultations/{consultation.slug}/synopsis#{comment.reference}",
            visibility=PUBLIC if synopsis_id is not None else SECRETARIAT,
            date=response.updated_at,
            facets={
                "standard": standard.name,
                "version": draft.version_label,
                "consultation": consultation.slug,
                "disposition": response.disposition,
                "category": ""
                if comment.publication == "confidential"
                else (comment.stakeholder_category or ""),
            },
        )


def _publication_dependants(session: Session, synopsis: Synopsis) -> Iterable[tuple[str, int]]:
    """Publishing a synopsis makes every response of its consultation public."""
    for response_id in session.exec(
        select(Response.id).where(Response.consultation_id == synopsis.consultation_id)
    ):
        yield "response", response_id


def sources() -> list[Source]:
    return [
        Source(kind="response", model=Response, documents=_documents),
        Source(
            kind="synopsis",
            model=Synopsis,
            documents=no_documents,
            dependants=_publication_dependants,
        ),
    ]
