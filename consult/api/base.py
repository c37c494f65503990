"""JSON views: parameters checked, errors in one stable shape, cursor pagination."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from consult import i18n
from consult.db import MAX_ID
from consult.errors import DomainError

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_TEXT = 200
MAX_CLAUSE_KEY = 100


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter


def error_response(
    status: int, code: str, message: str, parameter: str | None = None
) -> JSONResponse:
    error: dict[str, Any] = {"status": status, "code": code, "message": message}
    if parameter:
        error["parameter"] = parameter
    return JSONResponse({"error": error}, status_code=status)


_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}


def api_view(func: Callable[[Session, Request], Any]):
    """Wrap `func(session, request) -> JSON-able` in a read-only transaction."""

    @functools.wraps(func)
    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(_run, func, request)

    return endpoint


def _run(func: Callable[[Session, Request], Any], request: Request) -> Response:
    # API messages are English whatever the browser says: clients parse them.
    i18n.set_locale("en")
    with request.app.state.db.session() as session:
        try:
            payload = func(session, request)
        except ApiError as error:
            return error_response(error.status, error.code, error.message, error.parameter)
        except DomainError as error:
            return error_response(
                error.status_code, _CODES.get(error.status_code, "error"), str(error.message)
            )
    return JSONResponse(payload, headers={"Access-Control-Allow-Origin": "*"})


def int_param(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_parameter", f"{name} must be a whole number", name) from None
    if not minimum <= value <= maximum:
        raise ApiError(
            400, "bad_parameter", f"{name} must be between {minimum} and {maximum}", name
        )
    return value


def choice_param(request: Request, name: str, choices) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        allowed = ", ".join(sorted(choices))
        raise ApiError(400, "bad_parameter", f"{name} must be one of: {allowed}", name)
    return raw


def text_param(request: Request, name: str, max_length: int = MAX_TEXT) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > max_length:
        raise ApiError(400, "bad_parameter", f"{name} is longer than {max_length} characters", name)
    return raw


def is_whole_number(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts "²", which `int` refuses."""
    return text.isascii() and text.isdigit()


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(request: Request) -> int:
    raw = request.query_params.get("cursor")
    if not raw:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "id" or not is_whole_number(value) or int(value) > MAX_ID:
            raise ValueError(text)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            400, "bad_parameter", "cursor is not one this API gave out", "cursor"
        ) from None


def page(request: Request, items: list[dict], last_id: int | None, limit: int) -> dict[str, Any]:
    """A page of `items`; there may be more when it is full."""
    next_cursor = encode_cursor(last_id) if last_id is not None and len(items) == limit else None
    next_url = None
    if next_cursor:
        params = dict(request.query_params) | {"cursor": next_cursor}
        next_url = str(request.url.replace_query_params(**params))
    return {"data": items, "next_cursor": next_cursor, "next": next_url}


def limit_param(request: Request) -> int:
    return int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
