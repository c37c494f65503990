"""The public record of comments: what anyone may read and download.

One definition serves the API and the open-data downloads: confidential comments never
appear; unattributed ones carry only stakeholder category and country; named ones carry the
name and organisation. Comments of a consultation that shows them only after closing appear
once it has closed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, select

from consult.cells import safe_cell
from consult.consultations.models import Comment, Consultation
from consult.consultations.services import comments_visible_during
from consult.db import Database
from consult.drafts.models import Clause

BATCH = 1000
RESPONSE_COLUMNS = ["disposition", "response", "referred_to"]
CSV_COLUMNS = [
    "reference",
    "clause",
    "clause_heading",
    "type",
    "comment",
    "proposed_change",
    "author_name",
    "author_organisation",
    "stakeholder_category",
    "country",
    "received_at",
    "late",
    "source",
]


def public_condition(consultation: Consultation) -> ColumnElement[bool]:
    if not comments_visible_during(consultation):
        return Comment.id.is_(None)  # nothing yet
    return Comment.publication != "confidential"


def synopsis_published(session: Session, consultation: Consultation) -> bool:
    """Responses become public with the synopsis, not before."""
    from consult.responses.models import Synopsis

    query = select(Synopsis.id).where(Synopsis.consultation_id == consultation.id)
    return session.exec(query).first() is not None


def public_record(comment: Comment, clause: Clause, response=None) -> dict[str, Any]:
    """`response` is the published response, or None while the synopsis is unpublished."""
    named = comment.publication == "named"
    answer = None
    if response is not None:
        answer = {
            "disposition": response.disposition,
            "response": response.response_markdown,
            "referred_to": response.referred_to or None,
        }
    return {
        "reference": comment.reference,
        "clause": clause.key,
        "clause_heading": clause.heading,
        "type": comment.kind,
        "comment": comment.body,
        "proposed_change": comment.proposed_change,
        "author_name": comment.author_name if named else None,
        "author_organisation": (comment.author_organisation or None) if named else None,
        "stakeholder_category": comment.stakeholder_category,
        "country": comment.country,
        "received_at": comment.received_at.isoformat(),
        "late": comment.is_late,
        "source": comment.source,
        "response": answer,
    }


def public_comments(
    session: Session,
    consultation: Consultation,
    *,
    after_id: int = 0,
    limit: int | None = None,
    filters: dict[str, str] | None = None,
) -> Iterator[tuple[Comment, Clause, Any]]:
    """Public comments in id order, each with its response once the synopsis is published."""
    from consult.responses.models import Response

    published = synopsis_published(session, consultation)
    query = (
        select(Comment, Clause, Response)
        .join(Clause, Clause.id == Comment.clause_id)
        .outerjoin(Response, Response.comment_id == Comment.id)
        .where(
            Comment.consultation_id == consultation.id,
            public_condition(consultation),
            Comment.id > after_id,
        )
        .order_by(Comment.id)
    )
    filters = filters or {}
    if filters.get("clause"):
        query = query.where(Clause.key == filters["clause"])
    if filters.get("category"):
        query = query.where(Comment.stakeholder_category == filters["category"])
    if filters.get("type"):
        query = query.where(Comment.kind == filters["type"])
    if limit is not None:
        query = query.limit(limit)
    for comment, clause, response in session.exec(query.execution_options(yield_per=BATCH)):
        yield comment, clause, response if published else None


def _batches(database: Database, consultation: Consultation) -> Iterator[list[dict[str, Any]]]:
    """Public records in batches, each from a short read, so memory stays flat for any size."""
    after_id = 0
    while True:
        with database.session() as session:
            rows = list(public_comments(session, consultation, after_id=after_id, limit=BATCH))
        if not rows:
            return
        after_id = rows[-1][0].id
        yield [public_record(*row) for row in rows]


def stream_csv(database: Database, consultation: Consultation) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS + RESPONSE_COLUMNS)
    yield "\ufeff" + buffer.getvalue()  # the BOM makes Excel read UTF-8
    for batch in _batches(database, consultation):
        buffer.seek(0)
        buffer.truncate()
        for record in batch:
            answer = record["response"] or {}
            values = [record[c] for c in CSV_COLUMNS] + [answer.get(c) for c in RESPONSE_COLUMNS]
            writer.writerow([safe_cell(value) for value in values])
        yield buffer.getvalue()


def stream_json(database: Database, consultation: Consultation) -> Iterator[str]:
    head = {"consultation": consultation.slug, "title": consultation.title}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "comments": ['
    first = True
    for batch in _batches(database, consultation):
        for record in batch:
            yield ("" if first else ",") + json.dumps(record, ensure_ascii=False)
            first = False
    yield "]}"
