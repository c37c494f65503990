"""The application factory: `create_app(settings)` builds everything; importing does nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from consult import i18n
from consult.accounts.routes import routes as account_routes
from consult.api.base import error_response
from consult.api.openapi import document as openapi_document
from consult.api.routes import routes as api_routes
from consult.consultations import search as consultations_search
from consult.consultations.models import COMMENT_KINDS, COMMENT_SOURCES, PUBLICATION_CHOICES
from consult.consultations.routes import routes as consultation_routes
from consult.db import UNAVAILABLE, Database, keep_statistics
from consult.drafts import search as drafts_search
from consult.drafts.routes import routes as draft_routes
from consult.mail.outbox import Outbox
from consult.mail.sender import make_sender, run_sender
from consult.page_cache import PageCache
from consult.responses import search as responses_search
from consult.responses.routes import routes as response_routes
from consult.search import registry as search_registry
from consult.search.index import SearchIndex
from consult.search.labels import FACET_LABELS, facet_value
from consult.search.routes import routes as search_routes
from consult.search.worker import run_indexer
from consult.security import SecurityHeadersMiddleware
from consult.settings import Settings
from consult.static_files import StaticAssets
from consult.web import (
    DATABASE_UNAVAILABLE_MESSAGE,
    STATIC_DIR,
    TEMPLATES_DIR,
    UNAVAILABLE_RETRY_SECONDS,
    error_page,
    make_templates,
)
from governance import api as governance_api
from governance import search as governance_search
from governance.routes import routes as governance_routes

log = logging.getLogger(__name__)
SESSION_DAYS = 14
# Pages, fragments, JSON and CSV (streamed too) are gzipped on the way out; XLSX is a zip already.
GZIP_EXCLUDED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


class LocaleMiddleware:
    """Chooses the language of each request: the visitor's own choice (kept in the session),
    else their browser's Accept-Language, else the default."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            chosen = scope.get("session", {}).get("language")
            if chosen not in self.settings.languages:
                headers = dict(scope["headers"])
                accept = headers.get(b"accept-language", b"").decode("latin-1")
                chosen = i18n.negotiate(
                    accept, self.settings.languages, self.settings.default_language
                )
            scope.setdefault("state", {})["locale"] = chosen
            i18n.set_locale(chosen)
        await self.app(scope, receive, send)


class RejectNulMiddleware:
    """A NUL byte in an address is never meaningful and PostgreSQL cannot compare text with
    one: answer 400 before any view runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode()
            if b"\x00" in raw or b"%00" in raw or b"%00" in scope.get("query_string", b""):
                # Raised here, an HTTPException would bypass the handlers: answer directly.
                await _http_error(Request(scope, receive), HTTPException(400))(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _http_error(request: Request, exc: HTTPException):
    messages = {
        404: i18n.lazy_gettext(
            "There is nothing at this address. Check the link, or start from the home page."
        ),
        405: i18n.lazy_gettext("This address does not accept that kind of request."),
        400: i18n.lazy_gettext("This address or form contains something we cannot read."),
        413: i18n.lazy_gettext(
            "What you sent is too large. Files can be at most 10 MB and forms 1 MB."
        ),
    }
    message = messages.get(exc.status_code, exc.detail)
    if request.url.path.startswith("/api/"):
        response = error_response(exc.status_code, "http_error", str(exc.detail))
    else:
        response = error_page(request, exc.status_code, message)
    response.headers.update(exc.headers or {})  # e.g. the Allow of a 405
    return response


async def _server_error(request: Request, exc: Exception):
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return error_page(
        request,
        500,
        i18n.lazy_gettext("Something went wrong on our side. Please try again in a moment."),
    )


async def _database_unavailable(request: Request, exc: Exception):
    """A lost database is an outage, not a bug: 503 with a hint when to come back."""
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc)
    if request.url.path.startswith("/api/"):
        response = error_response(503, "unavailable", str(DATABASE_UNAVAILABLE_MESSAGE))
    else:
        response = error_page(request, 503, DATABASE_UNAVAILABLE_MESSAGE)
    response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_SECONDS)
    return response


def register_search_sources() -> None:
    """Every domain's searchable records. Called by the app and by each command that writes."""
    search_registry.register(drafts_search.source())
    for source in [
        *consultations_search.sources(),
        *responses_search.sources(),
        *governance_search.sources(),
    ]:
        search_registry.register(source)
    search_registry.register_scopes(governance_search.scopes)


def create_app(settings: Settings, *, run_worker: bool | None = None) -> Starlette:
    """Build the application. `run_worker` runs the outbox sender in the app's lifespan; by
    default it follows `settings.embedded_worker`."""
    settings = settings.ensure_secret_key()
    i18n.load_catalogs(settings.languages)
    database = Database(settings)
    run_worker = settings.embedded_worker if run_worker is None else run_worker
    register_search_sources()
    search_index = SearchIndex(settings.data_dir / "search")
    assets = StaticAssets(STATIC_DIR)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = []
        if run_worker:
            tasks.append(asyncio.create_task(run_sender(database, make_sender(settings), stop)))
            tasks.append(asyncio.create_task(run_indexer(database, search_index, stop)))
            tasks.append(asyncio.create_task(keep_statistics(database, stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            database.dispose()

    routes = [
        *consultation_routes,
        *response_routes,
        *account_routes,
        *draft_routes,
        *governance_routes,
        *search_routes,
        *api_routes,
        *governance_api.routes,
        Mount("/static", app=assets, name="static"),
    ]
    middleware = [
        Middleware(SecurityHeadersMiddleware, https=settings.https),
        # Gzips pages, htmx fragments, JSON and streamed CSV. Static files come gzipped already
        # (Content-Encoding set), which it passes through; security headers are added outside.
        # Level 4: pages within about 1% of level 9, multi-MB CSV downloads about 3x cheaper.
        Middleware(
            GZipMiddleware, minimum_size=500, compresslevel=4, exclude_content_types=GZIP_EXCLUDED
        ),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie="consult_session",
            max_age=SESSION_DAYS * 24 * 3600,
            same_site="lax",
            https_only=settings.https,
        ),
        Middleware(LocaleMiddleware, settings=settings),
        Middleware(RejectNulMiddleware),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: _http_error,
            **dict.fromkeys(UNAVAILABLE, _database_unavailable),
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.templates = make_templates(settings, assets)
    app.state.templates.globals.update(
        comment_kinds=COMMENT_KINDS,
        publication_choices=PUBLICATION_CHOICES,
        comment_sources=COMMENT_SOURCES,
    )
    app.state.outbox = Outbox(settings, TEMPLATES_DIR)
    app.state.search_index = search_index
    seconds = settings.page_cache_seconds
    app.state.page_cache = PageCache(seconds) if seconds > 0 else None
    app.state.openapi = openapi_document(
        governance_api.OPENAPI_PATHS, governance_api.OPENAPI_SCHEMAS
    )
    app.state.templates.globals.update(facet_labels=FACET_LABELS, facet_value=facet_value)
    return app
