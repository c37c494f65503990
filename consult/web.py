"""The web layer shared by every domain: views, templates, CSRF, flash messages, forms.

A view is a plain function `view(ctx) -> Response` wrapped by `@view`: the wrapper reads and
CSRF-checks the form, then runs the function in a worker thread inside one database
transaction that commits only when the response is a success.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from consult import i18n
from consult.accounts.models import STAKEHOLDER_CATEGORIES, User
from consult.db import UNAVAILABLE
from consult.errors import DomainError, ValidationError
from consult.markdown import render_markdown
from consult.static_files import StaticAssets

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Unguessable, so no one can write it into a comment to have it replaced by a token.
CSRF_SLOT = "csrf-slot-" + secrets.token_hex(16)
# When a signed-in person's last form was accepted (time.time()), kept in their session:
# consult.page_cache shows them no copy begun before it, whichever process made it.
WROTE_AT = "wrote_at"
MAX_FORM_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UNAVAILABLE_RETRY_SECONDS = 30
log = logging.getLogger(__name__)


class CsrfError(Exception):
    """The form came without the token this browser session was given."""


@dataclass
class Ctx:
    """What a view gets: the request, its form, its database session and who is asking."""

    request: Request
    db: Session
    user: User | None
    form: FormData | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def app(self):
        return self.request.app

    @property
    def settings(self):
        return self.request.app.state.settings

    @property
    def outbox(self):
        return self.request.app.state.outbox

    def param(self, name: str) -> str:
        return self.request.path_params[name]

    def value(self, name: str, default: str = "") -> str:
        """A text field of the form, with surrounding whitespace kept for the user's text."""
        if self.form is None:
            return default
        value = self.form.get(name, default)
        # No text column can hold NUL (PostgreSQL refuses it); it never belongs in prose.
        return value.replace("\x00", "") if isinstance(value, str) else default

    def values(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes, multiple selects)."""
        if self.form is None:
            return []
        return [v.replace("\x00", "") for v in self.form.getlist(name) if isinstance(v, str)]

    def text_fields(self) -> dict[str, str]:
        """Every text field of the form, by name."""
        if self.form is None:
            return {}
        return {k: v.replace("\x00", "") for k, v in self.form.items() if isinstance(v, str)}

    def upload(self, name: str) -> UploadFile | None:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, UploadFile) else None

    def url(self, name: str, **params: Any) -> str:
        return str(self.request.app.url_path_for(name, **params))

    def flash(self, message: Any, category: str = "success") -> None:
        self.request.session.setdefault("flash", []).append([str(message), category])


def view(func: Callable[[Ctx], Response] | None = None, *, upload: bool = False):
    """Wrap a sync view. `upload=True` allows multipart bodies up to MAX_UPLOAD_BYTES."""

    def decorate(func: Callable[[Ctx], Response]):
        @functools.wraps(func)
        async def endpoint(request: Request) -> Response:
            if request.method != "POST":
                return await run_in_threadpool(_run, func, request, None)
            form = await _read_form(request, upload)
            try:
                if not _csrf_ok(request, form):
                    return _resend(request, form, 403, _CSRF_EXPIRED)
                try:
                    response = await run_in_threadpool(_run, func, request, form)
                except UNAVAILABLE:
                    log.warning("database unavailable for POST %s", request.url.path, exc_info=True)
                    return _resend(request, form, 503, _DATABASE_UNAVAILABLE)
                if response.status_code < 400 and "user_id" in request.session:
                    request.session[WROTE_AT] = time.time()
                return response
            finally:
                await form.close()  # uploaded files are spooled to disk

        return endpoint

    return decorate(func) if func is not None else decorate


async def _read_form(request: Request, upload: bool) -> FormData:
    """The form, refused with 413 before parsing when the body is over the limit."""
    limit = MAX_UPLOAD_BYTES if upload else MAX_FORM_BYTES
    declared = request.headers.get("content-length", "")
    size = int(declared) if declared.isdigit() else len(await request.body())
    # Multipart framing adds a little to the file itself.
    if size > limit + (64 * 1024 if upload else 0):
        raise HTTPException(413)
    try:
        return await request.form(max_files=1 if upload else 0, max_fields=200, max_part_size=limit)
    except MultiPartException as error:
        raise HTTPException(400, str(error)) from None


def _csrf_ok(request: Request, form: FormData) -> bool:
    expected = request.session.get("csrf")
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not expected or not isinstance(given, str):
        return False
    unmasked = _unmask(given)
    return unmasked is not None and secrets.compare_digest(expected.encode(), unmasked)


def _run(func: Callable[[Ctx], Response], request: Request, form: FormData | None) -> Response:
    i18n.set_locale(request.state.locale)
    database = request.app.state.db
    try:
        with database.session(write=request.method == "POST") as session:
            ctx = Ctx(request=request, db=session, user=current_user(session, request), form=form)
            response = func(ctx)
            # A refused request leaves nothing behind, even what a service flushed first.
            if response.status_code >= 400:
                session.rollback()
            return response
    except DomainError as error:
        # From a service the view did not expect it from, or from the flush at commit: all is
        # rolled back, and refused input goes back to its author.
        if form is not None and isinstance(error, ValidationError):
            return _resend(request, form, error.status_code, (_REFUSED, error.message))
        return error_page(request, error.status_code, error.message)


def current_user(session: Session, request: Request) -> User | None:
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        return None
    return session.get(User, user_id)


def csrf_token(request: Request) -> str:
    """The session's token, masked afresh each time it is written into a page: a gzipped page
    then never repeats the same secret bytes beside text the visitor typed (BREACH). In a page
    made for consult.page_cache, a placeholder that each visitor's token replaces."""
    if getattr(request.state, "csrf_slot", False):
        return CSRF_SLOT
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(
        pad + bytes(a ^ b for a, b in zip(pad, raw, strict=True))
    ).decode()


def _unmask(masked: str) -> bytes | None:
    try:
        data = base64.urlsafe_b64decode(masked.encode("ascii"))
    except (ValueError, binascii.Error):
        return None
    half = len(data) // 2
    if not half or len(data) % 2:
        return None
    return bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=True))


_CSRF_EXPIRED = (
    i18n.lazy_gettext("Please send the form again"),
    i18n.lazy_gettext(
        "Your form could not be accepted because the page it came from had expired or was opened "
        "in another session. Nothing was saved. What you wrote is below: check it and send it "
        "again."
    ),
)
_REFUSED = i18n.lazy_gettext("This request cannot be completed")
_DATABASE_UNAVAILABLE = (
    i18n.lazy_gettext("Nothing was saved: please try again in a minute"),
    i18n.lazy_gettext(
        "Consult cannot reach its database just now, so your form was not saved. What you wrote "
        "is below: keep a copy, and send it again in a minute."
    ),
)
DATABASE_UNAVAILABLE_MESSAGE = i18n.lazy_gettext(
    "Consult cannot reach its database just now. Please try again in a minute."
)


def _resend(request: Request, form: FormData, status_code: int, texts: tuple) -> Response:
    """Give the person back what they wrote, in a form with a fresh token, so nothing is lost.
    Needs no database: it must work when the database is the reason for refusing."""
    i18n.set_locale(request.state.locale)
    heading, message = texts
    fields = [
        (name, value)
        for name, value in form.multi_items()
        if name != CSRF_FIELD and isinstance(value, str)
    ]
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)} if status_code == 503 else {}
    if is_htmx(request):
        # The form's own target is too small for this: show it in place of the whole page.
        headers |= {"HX-Retarget": "#main", "HX-Reswap": "innerHTML"}
    return render(
        request,
        "errors/resend.html",
        {"heading": heading, "message": message, "fields": fields, "action": request.url.path},
        partial="errors/_resend.html",
        status_code=status_code,
        headers=headers,
    )


def is_htmx(request: Request) -> bool:
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
    user: User | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render `page`, or only `partial` when htmx asked for a fragment. The page includes the
    same partial, so both stay one template."""
    templates: Environment = request.app.state.templates
    use_partial = partial is not None and is_htmx(request)
    template = templates.get_template(partial if use_partial else page)
    values = {"request": request, "current_user": user, **(context or {})}
    if not use_partial:
        values["flashes"] = request.session.pop("flash", [])
    html = template.render(values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request, Cookie"
    return response


def page(ctx: Ctx, template: str, context: dict[str, Any] | None = None, **kwargs) -> HTMLResponse:
    return render(ctx.request, template, {"ctx": ctx, **(context or {})}, user=ctx.user, **kwargs)


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)


def hx_redirect(request: Request, url: str) -> Response:
    """Redirect a plain form post with 303; tell htmx to navigate instead."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return redirect(url)


def client_ip(ctx: Ctx) -> str:
    """The client's address; behind a proxy, uvicorn's proxy_headers has already resolved it."""
    return ctx.request.client.host if ctx.request.client else "unknown"


def retry_after(error) -> dict[str, str]:
    return {"Retry-After": str(max(1, int(error.retry_after.total_seconds())))}


def with_next(url: str, next_path: str) -> str:
    return f"{url}?{urlencode({'next': next_path})}"


def safe_next(path: str | None, default: str = "/") -> str:
    """Only same-site paths may be a destination after sign-in."""
    if not path or not isinstance(path, str):
        return default
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return default
    return path[:500]


def error_page(request: Request, status_code: int, message: Any) -> HTMLResponse:
    return render(
        request,
        "errors/error.html",
        {"status_code": status_code, "message": str(message)},
        status_code=status_code,
    )


# --- template helpers -------------------------------------------------------------------------


def format_instant(value: datetime | None, fmt: str = "medium") -> Markup:
    """An instant as a <time> element: written in UTC, turned into the viewer's own timezone by
    static/consult.js where scripts run."""
    if value is None:
        return Markup("")
    locale = i18n.current_locale()
    text = babel_format_datetime(value, format=fmt, tzinfo=ZoneInfo("UTC"), locale=locale)
    iso = value.isoformat()
    return Markup('<time datetime="{}" data-localize="{}">{} UTC</time>').format(iso, fmt, text)


def category_label(code: str | None) -> str:
    label = STAKEHOLDER_CATEGORIES.get(code or "")
    return str(label) if label else ""


def _cached_url_path():
    """`url(request, name, **params)` for templates, remembered: Starlette finds a route by
    trying each in turn, which cost an outline of 300 clauses 8 ms in its 600 links. One
    environment serves one app, so the name and parameters decide the path."""
    paths: dict[tuple, str] = {}

    def url(request: Request, name: str, **params: Any) -> str:
        key = (name, *sorted(params.items()))
        path = paths.get(key)
        if path is None:
            path = str(request.app.url_path_for(name, **params))
            if len(paths) < 50_000:  # a bound, should addresses ever be unbounded
                paths[key] = path
        return path

    return url


def make_templates(settings, assets: StaticAssets | None = None) -> Environment:
    """The Jinja environment. `assets` gives the fingerprinted `static()` URLs and `icon()`;
    the app passes the one it mounts at /static."""
    assets = assets or StaticAssets(STATIC_DIR)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals.update(
        url=_cached_url_path(),
        static=assets.url,
        icon=assets.icon,
        csrf_token=csrf_token,
        current_locale=i18n.current_locale,
        language_names=i18n.LANGUAGE_NAMES,
        languages=settings.languages,
        country_name=i18n.country_name,
        category_label=category_label,
        settings=settings,
    )
    env.filters["instant"] = format_instant
    env.filters["number"] = lambda value: format_decimal(value, locale=i18n.current_locale())
    # render_markdown refuses raw HTML, so its output is safe to mark as such.
    env.filters["markdown"] = lambda text: Markup(render_markdown(text))  # noqa: S704
    env.filters["nl2br"] = lambda text: Markup("<br>").join(escape(text).split("\n"))
    return env
