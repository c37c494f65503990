"""The OpenAPI 3.1 document for /api/v1/, written out so it reads as documentation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from consult.accounts.models import STAKEHOLDER_CATEGORIES
from consult.api.base import DEFAULT_LIMIT, MAX_CLAUSE_KEY, MAX_LIMIT, MAX_TEXT
from consult.consultations.models import COMMENT_KINDS


def _param(
    name: str,
    description: str,
    schema: dict | None = None,
    where: str = "query",
    required: bool = False,
):
    parameter = {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": schema or {"type": "string"},
    }
    if where == "query" and not required:
        # `?status=` is read as no `status` at all, as an HTML form sends an empty field.
        parameter["allowEmptyValue"] = True
    return parameter


LIMIT = _param(
    "limit",
    f"Items per page (1-{MAX_LIMIT}, default {DEFAULT_LIMIT})",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
)
CURSOR = _param("cursor", "Opaque cursor from a previous page's next_cursor")
TEXT = {"type": "string", "maxLength": MAX_TEXT}
NULLABLE_STRING = {"type": ["string", "null"]}


def _ok(schema_ref: str, paged: bool = False) -> dict[str, Any]:
    item = {"$ref": f"#/components/schemas/{schema_ref}"}
    if paged:
        schema = {
            "type": "object",
            "required": ["data", "next_cursor", "next"],
            "properties": {
                "data": {"type": "array", "items": item},
                "next_cursor": NULLABLE_STRING,
                "next": NULLABLE_STRING,
            },
        }
    else:
        schema = item
    return {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "400": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
    }


def _list(schema_ref: str) -> dict[str, Any]:
    return {
        "200": {
            "description": "OK",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["data"],
                        "properties": {
                            "data": {
                                "type": "array",
                                "items": {"$ref": f"#/components/schemas/{schema_ref}"},
                            }
                        },
                    }
                }
            },
        },
        "400": {"$ref": "#/components/responses/Error"},
    }


def _schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
RESPONSE = _schema({"disposition": STRING, "response": STRING, "referred_to": NULLABLE_STRING})
COUNT = _schema({"value": NULLABLE_STRING, "comments": INTEGER, "commenters": INTEGER})
DRAFT = _schema(
    {
        "id": INTEGER,
        "standard": STRING,
        "version": STRING,
        "version_code": STRING,
        "previous_draft_id": NULLABLE_INTEGER,
        "imported_at": STRING,
    }
)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Consult public API",
        "version": "1",
        "description": "Read-only access to public consultation records. Confidential comments never "
        "appear; unattributed comments carry only stakeholder category and country. An empty query "
        "parameter counts as absent; a NUL character anywhere in the address is refused with 400.",
    },
    "paths": {
        "/api/v1/standards": {
            "get": {
                "summary": "Standards with their public drafts",
                "parameters": [],
                "responses": _list("Standard"),
            }
        },
        "/api/v1/drafts": {
            "get": {
                "summary": "Public drafts",
                "parameters": [_param("standard", "Standard name", TEXT)],
                "responses": _list("Draft"),
            }
        },
        "/api/v1/drafts/{draft_id}": {
            "get": {
                "summary": "One draft",
                "parameters": [_param("draft_id", "Draft id", INTEGER, "path")],
                "responses": _ok("DraftDetail"),
            }
        },
        "/api/v1/drafts/{draft_id}/clauses": {
            "get": {
                "summary": "A draft's clauses in order",
                "parameters": [_param("draft_id", "Draft id", INTEGER, "path"), LIMIT, CURSOR],
                "responses": _ok("Clause", paged=True),
            }
        },
        "/api/v1/consultations": {
            "get": {
                "summary": "Consultations",
                "parameters": [
                    _param(
                        "status",
                        "upcoming, open or closed",
                        {"type": "string", "enum": ["upcoming", "open", "closed"]},
                    ),
                    _param("standard", "Standard name", TEXT),
                ],
                "responses": _list("Consultation"),
            }
        },
        "/api/v1/consultations/{slug}": {
            "get": {
                "summary": "One consultation",
                "parameters": [_param("slug", "Consultation slug", where="path")],
                "responses": _ok("Consultation"),
            }
        },
        "/api/v1/consultations/{slug}/comments": {
            "get": {
                "summary": "Public comments",
                "parameters": [
                    _param("slug", "Consultation slug", where="path"),
                    _param(
                        "clause",
                        "Clause key such as 9.4",
                        {"type": "string", "maxLength": MAX_CLAUSE_KEY},
                    ),
                    _param(
                        "category",
                        "Stakeholder category code",
                        {"type": "string", "enum": sorted(STAKEHOLDER_CATEGORIES)},
                    ),
                    _param(
                        "type",
                        "general, technical or editorial",
                        {"type": "string", "enum": list(COMMENT_KINDS)},
                    ),
                    LIMIT,
                    CURSOR,
                ],
                "responses": _ok("Comment", paged=True),
            }
        },
        "/api/v1/consultations/{slug}/synopsis": {
            "get": {
                "summary": "Participation figures of a published synopsis",
                "parameters": [_param("slug", "Consultation slug", where="path")],
                "responses": _ok("Synopsis"),
            }
        },
    },
    "components": {
        "responses": {
            "Error": {
                "description": "An error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
        "schemas": {
            "Error": _schema(
                {
                    "error": {
                        "type": "object",
                        "required": ["status", "code", "message"],
                        "properties": {
                            "status": INTEGER,
                            "code": STRING,
                            "message": STRING,
                            "parameter": STRING,
                        },
                    }
                }
            ),
            "Standard": _schema(
                {
                    "id": INTEGER,
                    "name": STRING,
                    "slug": STRING,
                    "code": STRING,
                    "drafts": {"type": "array", "items": DRAFT},
                }
            ),
            "Draft": DRAFT,
            "DraftDetail": _schema({**DRAFT["properties"], "clause_count": INTEGER}),
            "Clause": _schema(
                {
                    "id": INTEGER,
                    "key": STRING,
                    "number": NULLABLE_STRING,
                    "heading": STRING,
                    "parent_key": NULLABLE_STRING,
                    "depth": INTEGER,
                    "position": INTEGER,
                    "text_markdown": STRING,
                    "predecessor_id": NULLABLE_INTEGER,
                }
            ),
            "Consultation": _schema(
                {
                    "slug": STRING,
                    "title": STRING,
                    "status": STRING,
                    "standard": STRING,
                    "draft_id": INTEGER,
                    "version": STRING,
                    "round": INTEGER,
                    "opens_at": STRING,
                    "closes_at": STRING,
                    "short_round_justification": NULLABLE_STRING,
                    "comment_count": INTEGER,
                    "comments_public_during_period": BOOLEAN,
                }
            ),
            "Synopsis": _schema(
                {
                    "consultation": STRING,
                    "published_at": STRING,
                    "pending_justification": NULLABLE_STRING,
                    "by_category": {"type": "array", "items": COUNT},
                    "by_country": {"type": "array", "items": COUNT},
                    "by_type": {"type": "array", "items": COUNT},
                    "dispositions_by_category": {
                        "type": "array",
                        "items": _schema(
                            {
                                "category": NULLABLE_STRING,
                                "disposition": STRING,
                                "comments": INTEGER,
                            }
                        ),
                    },
                }
            ),
            "Comment": _schema(
                {
                    "reference": STRING,
                    "clause": STRING,
                    "clause_heading": STRING,
                    "type": STRING,
                    "comment": STRING,
                    "proposed_change": STRING,
                    "author_name": NULLABLE_STRING,
                    "author_organisation": NULLABLE_STRING,
                    "stakeholder_category": NULLABLE_STRING,
                    "country": NULLABLE_STRING,
                    "received_at": STRING,
                    "late": BOOLEAN,
                    "source": STRING,
                    "response": {"oneOf": [{"type": "null"}, RESPONSE]},
                }
            ),
        },
    },
}


def document(extra_paths: dict | None = None, extra_schemas: dict | None = None) -> dict[str, Any]:
    """The document with the paths other packages add to the API (governance)."""
    doc = {**DOCUMENT, "paths": {**DOCUMENT["paths"], **(extra_paths or {})}}
    doc["components"] = {
        **DOCUMENT["components"],
        "schemas": {**DOCUMENT["components"]["schemas"], **(extra_schemas or {})},
    }
    return doc


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.openapi, headers={"Access-Control-Allow-Origin": "*"})
