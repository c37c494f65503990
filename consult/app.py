"""The application factory: `create_app(settings)` builds everything; importing does nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from consult import i18n
from consult.accounts.routes import routes as account_routes
from consult.consultations.models import COMMENT_KINDS, COMMENT_SOURCES, PUBLICATION_CHOICES
from consult.consultations.routes import routes as consultation_routes
from consult.db import Database
from consult.drafts.routes import routes as draft_routes
from consult.mail.outbox import Outbox
from consult.mail.sender import make_sender, run_sender
from consult.settings import Settings
from consult.web import STATIC_DIR, TEMPLATES_DIR, error_page, make_templates

log = logging.getLogger(__name__)
SESSION_DAYS = 14


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


async def _http_error(request: Request, exc: HTTPException):
    messages = {
        404: i18n.lazy_gettext(
            "There is nothing at this address. Check the link, or start from the home page."
        ),
        405: i18n.lazy_gettext("This address does not accept that kind of request."),
        413: i18n.lazy_gettext(
            "What you sent is too large. Files can be at most 10 MB and forms 1 MB."
        ),
    }
    message = messages.get(exc.status_code, exc.detail)
    return error_page(request, exc.status_code, message)


async def _server_error(request: Request, exc: Exception):
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return error_page(
        request,
        500,
        i18n.lazy_gettext("Something went wrong on our side. Please try again in a moment."),
    )


def create_app(settings: Settings, *, run_worker: bool | None = None) -> Starlette:
    """Build the application. `run_worker` runs the outbox sender in the app's lifespan; by
    default it follows `settings.embedded_worker`."""
    settings = settings.ensure_secret_key()
    i18n.load_catalogs(settings.languages)
    database = Database(settings)
    run_worker = settings.embedded_worker if run_worker is None else run_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = None
        if run_worker:
            task = asyncio.create_task(run_sender(database, make_sender(settings), stop))
        try:
            yield
        finally:
            stop.set()
            if task:
                await task
            database.dispose()

    routes = [
        *consultation_routes,
        *account_routes,
        *draft_routes,
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie="consult_session",
            max_age=SESSION_DAYS * 24 * 3600,
            same_site="lax",
            https_only=settings.https,
        ),
        Middleware(LocaleMiddleware, settings=settings),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.templates = make_templates(settings)
    app.state.templates.globals.update(
        comment_kinds=COMMENT_KINDS,
        publication_choices=PUBLICATION_CHOICES,
        comment_sources=COMMENT_SOURCES,
    )
    app.state.outbox = Outbox(settings, TEMPLATES_DIR)
    return app
