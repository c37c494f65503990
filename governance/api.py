"""Governance in the public JSON API: bodies, published public minutes, the decision register.
Only what the public pages show: no conflict-of-interest declarations, no members-only or
unpublished minutes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import false
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.routing import Route

from consult.api.base import (
    ApiError,
    api_view,
    decode_cursor,
    is_whole_number,
    limit_param,
    page,
    text_param,
)
from consult.api.openapi import (
    CURSOR,
    INTEGER,
    LIMIT,
    NULLABLE_INTEGER,
    NULLABLE_STRING,
    STRING,
    TEXT,
    _list,
    _ok,
    _param,
    _schema,
)
from consult.drafts.models import Standard
from consult.errors import NotFound
from governance import services
from governance.models import Body, Decision, Meeting, Minutes, MinutesVersion

YEAR = {"type": "string", "pattern": "^[0-9]{4}$"}


def _body_json(session: Session, body: Body) -> dict[str, Any]:
    balance = services.balance(session, body)
    return {
        "slug": body.slug,
        "name": body.name,
        "code": body.code,
        "kind": body.kind,
        "minutes_public": body.minutes_public,
        "seats": [
            {"category": s.category.label, "seats": s.category.seats, "filled": s.filled}
            for s in balance.seats
        ],
    }


@api_view
def bodies(session: Session, request: Request):
    return {"data": [_body_json(session, body) for body in services.list_bodies(session)]}


@api_view
def body(session: Session, request: Request):
    try:
        found = services.get_body(session, request.path_params["slug"])
    except NotFound:
        raise ApiError(404, "not_found", "there is no such body") from None
    members = [
        {
            "name": row.user.name,
            "role": row.membership.role,
            "seat": row.seat.label if row.seat else None,
            "stakeholder_category": row.membership.stakeholder_category,
            "term_start": row.membership.term_start.isoformat(),
            "term_end": row.membership.term_end.isoformat() if row.membership.term_end else None,
        }
        for row in services.memberships(session, found, services.today())
    ]
    return _body_json(session, found) | {"members": members}


@api_view
def minutes(session: Session, request: Request):
    """Every published version of public minutes, oldest first, for a cursor to walk."""
    limit, after = limit_param(request), decode_cursor(request)
    query = (
        select(MinutesVersion, Meeting, Body)
        .join(Minutes, Minutes.id == MinutesVersion.minutes_id)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .where(Body.minutes_public, MinutesVersion.id > after)
        .order_by(MinutesVersion.id)
        .limit(limit)
    )
    body_slug = text_param(request, "body")
    if body_slug:
        query = query.where(Body.slug == body_slug)
    rows = list(session.exec(query))
    items = [
        {
            "meeting_id": meeting.id,
            "meeting": meeting.title,
            "body": body.slug,
            "meeting_starts_at": meeting.starts_at.isoformat(),
            "version": version.version,
            "published_at": version.published_at.isoformat(),
            "text_markdown": version.text,
        }
        for version, meeting, body in rows
    ]
    return page(request, items, rows[-1][0].id if rows else None, limit)


@api_view
def decisions(session: Session, request: Request):
    limit, after = limit_param(request), decode_cursor(request)
    query = (
        select(Decision, Body, Standard)
        .join(Body, Body.id == Decision.body_id)
        .outerjoin(Standard, Standard.id == Decision.standard_id)
        .where(Decision.id > after)
        .order_by(Decision.id)
        .limit(limit)
    )
    if body_slug := text_param(request, "body"):
        query = query.where(Body.slug == body_slug)
    if standard_slug := text_param(request, "standard"):
        query = query.where(Standard.slug == standard_slug)
    if year := text_param(request, "year"):
        if not (is_whole_number(year) and len(year) == 4):
            raise ApiError(400, "bad_parameter", "year is four digits, such as 2026", "year")
        if year == "0000":
            # Four digits, but no date falls in it: an empty register, not an error.
            query = query.where(false())
        else:
            query = query.where(
                col(Decision.decided_on) >= date(int(year), 1, 1),
                col(Decision.decided_on) <= date(int(year), 12, 31),
            )
    rows = list(session.exec(query))
    items = [
        {
            "number": d.number,
            "body": b.slug,
            "title": d.title,
            "text_markdown": d.text,
            "deliberations_markdown": d.deliberations,
            "method": d.method,
            "votes": {"for": d.votes_for, "against": d.votes_against, "abstain": d.votes_abstain}
            if d.method == "vote"
            else None,
            "decided_on": d.decided_on.isoformat(),
            "review_on": d.review_on.isoformat() if d.review_on else None,
            "standard": s.name if s else None,
            "meeting_id": d.meeting_id,
        }
        for d, b, s in rows
    ]
    return page(request, items, rows[-1][0].id if rows else None, limit)


routes = [
    Route("/api/v1/bodies", bodies, name="api:bodies"),
    Route("/api/v1/bodies/{slug}", body, name="api:body"),
    Route("/api/v1/minutes", minutes, name="api:minutes"),
    Route("/api/v1/decisions", decisions, name="api:decisions"),
]

SEAT = _schema({"category": STRING, "seats": INTEGER, "filled": INTEGER})
BODY = _schema(
    {
        "slug": STRING,
        "name": STRING,
        "code": STRING,
        "kind": STRING,
        "minutes_public": {"type": "boolean"},
        "seats": {"type": "array", "items": SEAT},
    }
)
MEMBER = _schema(
    {
        "name": STRING,
        "role": STRING,
        "seat": NULLABLE_STRING,
        "stakeholder_category": NULLABLE_STRING,
        "term_start": STRING,
        "term_end": NULLABLE_STRING,
    }
)
VOTES = {
    "oneOf": [
        {"type": "null"},
        _schema(
            {"for": NULLABLE_INTEGER, "against": NULLABLE_INTEGER, "abstain": NULLABLE_INTEGER}
        ),
    ]
}
OPENAPI_SCHEMAS = {
    "Body": BODY,
    "BodyDetail": _schema({**BODY["properties"], "members": {"type": "array", "items": MEMBER}}),
    "Minutes": _schema(
        {
            "meeting_id": INTEGER,
            "meeting": STRING,
            "body": STRING,
            "meeting_starts_at": STRING,
            "version": INTEGER,
            "published_at": STRING,
            "text_markdown": STRING,
        }
    ),
    "Decision": _schema(
        {
            "number": STRING,
            "body": STRING,
            "title": STRING,
            "text_markdown": STRING,
            "deliberations_markdown": STRING,
            "method": STRING,
            "votes": VOTES,
            "decided_on": STRING,
            "review_on": NULLABLE_STRING,
            "standard": NULLABLE_STRING,
            "meeting_id": NULLABLE_INTEGER,
        }
    ),
}
OPENAPI_PATHS = {
    "/api/v1/bodies": {
        "get": {
            "summary": "Bodies and their composition",
            "parameters": [],
            "responses": _list("Body"),
        }
    },
    "/api/v1/bodies/{slug}": {
        "get": {
            "summary": "One body with its current members",
            "parameters": [_param("slug", "Body slug", where="path")],
            "responses": _ok("BodyDetail"),
        }
    },
    "/api/v1/minutes": {
        "get": {
            "summary": "Published versions of public minutes",
            "parameters": [_param("body", "Body slug", TEXT), LIMIT, CURSOR],
            "responses": _ok("Minutes", paged=True),
        }
    },
    "/api/v1/decisions": {
        "get": {
            "summary": "The decision register",
            "parameters": [
                _param("body", "Body slug", TEXT),
                _param("standard", "Standard slug", TEXT),
                _param("year", "Year decided, such as 2026", YEAR),
                LIMIT,
                CURSOR,
            ],
            "responses": _ok("Decision", paged=True),
        }
    },
}
