"""Clauses as search documents: public once a consultation is set up on their draft."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col, func, select

from consult.consultations.models import Consultation
from consult.drafts.models import Clause, Draft, Standard
from consult.search.registry import PUBLIC, SECRETARIAT, Document, Source

BATCH = 1000


def _documents(session: Session, ids: list[int] | None) -> Iterator[Document]:
    latest = (
        select(Consultation.draft_id, func.max(Consultation.id).label("consultation_id"))
        .group_by(Consultation.draft_id)
        .subquery()
    )
    query = (
        select(Clause, Draft, Standard, Consultation)
        .join(Draft, Draft.id == Clause.draft_id)
        .join(Standard, Standard.id == Draft.standard_id)
        .outerjoin(latest, latest.c.draft_id == Draft.id)
        .outerjoin(Consultation, Consultation.id == latest.c.consultation_id)
        .order_by(Clause.id)
    )
    if ids is not None:
        query = query.where(col(Clause.id).in_(ids))
    for clause, draft, standard, consultation in session.exec(
        query.execution_options(yield_per=BATCH)
    ):
        if consultation is not None:
            url = f"/consultations/{consultation.slug}/clauses/{clause.key}"
        else:
            url = f"/drafts/{draft.id}"
        yield Document(
            kind="clause",
            record_id=clause.id,
            title=clause.heading,
            content=clause.body_markdown,
            url=url,
            visibility=PUBLIC if consultation is not None else SECRETARIAT,
            clause_key=clause.key,
            date=draft.imported_at,
            facets={
                "standard": standard.name,
                "version": draft.version_label,
                "consultation": consultation.slug if consultation else "",
            },
        )


def source() -> Source:
    return Source(kind="clause", model=Clause, documents=_documents)
