"""Standards, drafts, clauses, consultations and public comments."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select
from starlette.requests import Request

from consult.accounts.models import STAKEHOLDER_CATEGORIES
from consult.api.base import (
    MAX_CLAUSE_KEY,
    ApiError,
    api_view,
    choice_param,
    decode_cursor,
    is_whole_number,
    limit_param,
    page,
    text_param,
)
from consult.consultations import services as consultations
from consult.consultations.models import COMMENT_KINDS, Consultation
from consult.consultations.opendata import public_comments, public_record
from consult.drafts.models import Clause, Draft, Standard

STATUSES = {"upcoming", "open", "closed"}


def _public_draft_ids(session: Session) -> set[int]:
    """Drafts become public when a consultation is set up on them."""
    return set(session.exec(select(Consultation.draft_id).distinct()))


def standard_json(standard: Standard) -> dict[str, Any]:
    return {"id": standard.id, "name": standard.name, "slug": standard.slug, "code": standard.code}


def draft_json(draft: Draft, standard: Standard) -> dict[str, Any]:
    return {
        "id": draft.id,
        "standard": standard.name,
        "version": draft.version_label,
        "version_code": draft.version_code,
        "previous_draft_id": draft.previous_draft_id,
        "imported_at": draft.imported_at.isoformat(),
    }


def clause_json(clause: Clause) -> dict[str, Any]:
    return {
        "id": clause.id,
        "key": clause.key,
        "number": clause.number,
        "heading": clause.heading,
        "parent_key": clause.parent_key,
        "depth": clause.depth,
        "position": clause.position,
        "text_markdown": clause.body_markdown,
        "predecessor_id": clause.predecessor_id,
    }


def consultation_json(summary: consultations.ConsultationSummary) -> dict[str, Any]:
    c = summary.consultation
    return {
        "slug": c.slug,
        "title": c.title,
        "status": summary.status,
        "standard": summary.standard.name,
        "draft_id": summary.draft.id,
        "version": summary.draft.version_label,
        "round": c.round_number,
        "opens_at": c.opens_at.isoformat(),
        "closes_at": c.closes_at.isoformat(),
        "short_round_justification": c.justification or None,
        "comment_count": summary.comment_count,
        "comments_public_during_period": c.show_comments_during_period,
    }


@api_view
def standards(session: Session, request: Request):
    public = _public_draft_ids(session)
    rows = session.exec(select(Standard, Draft).join(Draft).order_by(Standard.name, Draft.id))
    result: dict[int, dict[str, Any]] = {}
    for standard, draft in rows:
        if draft.id in public:
            entry = result.setdefault(standard.id, standard_json(standard) | {"drafts": []})
            entry["drafts"].append(draft_json(draft, standard))
    return {"data": list(result.values())}


@api_view
def drafts(session: Session, request: Request):
    standard_name = text_param(request, "standard")
    query = (
        select(Draft, Standard).join(Standard).where(col(Draft.id).in_(_public_draft_ids(session)))
    )
    if standard_name:
        query = query.where(Standard.name == standard_name)
    return {"data": [draft_json(d, s) for d, s in session.exec(query.order_by(Draft.id))]}


def _public_draft(session: Session, request: Request) -> tuple[Draft, Standard]:
    raw = request.path_params["draft_id"]
    if not is_whole_number(raw) or int(raw) not in _public_draft_ids(session):
        raise ApiError(404, "not_found", f"there is no public draft {raw}")
    return session.exec(select(Draft, Standard).join(Standard).where(Draft.id == int(raw))).one()


@api_view
def draft(session: Session, request: Request):
    draft, standard = _public_draft(session, request)
    count = session.exec(select(func.count(Clause.id)).where(Clause.draft_id == draft.id)).one()
    return draft_json(draft, standard) | {"clause_count": count}


@api_view
def clauses(session: Session, request: Request):
    draft, _ = _public_draft(session, request)
    limit, after = limit_param(request), decode_cursor(request)
    rows = list(
        session.exec(
            select(Clause)
            .where(Clause.draft_id == draft.id, Clause.position >= after)
            .order_by(Clause.position)
            .limit(limit)
        )
    )
    # Clauses page in draft order; the cursor holds the next position.
    items = [clause_json(c) for c in rows]
    result = page(request, items, rows[-1].position + 1 if rows else None, limit)
    return result


@api_view
def consultation_list(session: Session, request: Request):
    wanted = choice_param(request, "status", STATUSES)
    standard_name = text_param(request, "standard")
    groups = consultations.list_consultations(session)
    items = [
        consultation_json(summary)
        for status in ("open", "upcoming", "closed")
        for summary in groups[status]
        if (wanted in (None, status)) and (standard_name in (None, summary.standard.name))
    ]
    return {"data": items}


@api_view
def consultation(session: Session, request: Request):
    return consultation_json(consultations.get_consultation(session, request.path_params["slug"]))


@api_view
def comments(session: Session, request: Request):
    summary = consultations.get_consultation(session, request.path_params["slug"])
    limit, after = limit_param(request), decode_cursor(request)
    filters = {
        "clause": text_param(request, "clause", MAX_CLAUSE_KEY),
        "category": choice_param(request, "category", STAKEHOLDER_CATEGORIES),
        "type": choice_param(request, "type", COMMENT_KINDS),
    }
    rows = list(
        public_comments(
            session,
            summary.consultation,
            after_id=after,
            limit=limit,
            filters={k: v for k, v in filters.items() if v},
        )
    )
    items = [public_record(*row) for row in rows]
    return page(request, items, rows[-1][0].id if rows else None, limit)


@api_view
def synopsis(session: Session, request: Request):
    """Participation figures and publication record of a published synopsis."""
    from consult.responses.synopsis import figures, get_synopsis

    summary = consultations.get_consultation(session, request.path_params["slug"])
    published = get_synopsis(session, summary.consultation)
    if published is None:
        raise ApiError(404, "not_found", "the synopsis of this consultation is not published yet")
    record, _publisher = published
    counts = figures(session, summary.consultation)
    by = {
        name: [
            {"value": key or None, "comments": comments, "commenters": commenters}
            for key, comments, commenters in counts[name]
        ]
        for name in ("category", "country", "kind")
    }
    dispositions = [
        {"category": category or None, "disposition": disposition, "comments": count}
        for category, disposition, count in counts["dispositions"]
    ]
    return {
        "consultation": summary.consultation.slug,
        "published_at": record.published_at.isoformat(),
        "pending_justification": record.pending_justification or None,
        "by_category": by["category"],
        "by_country": by["country"],
        "by_type": by["kind"],
        "dispositions_by_category": dispositions,
    }
