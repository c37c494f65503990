"""Pages made once and shown again for a few seconds, while nothing has changed.

Most requests are anonymous readers of the same few pages: a consultation's outline, its
busiest clauses, the synopsis, a search. The secretariat goes back and forth between the
response log and the comments it answers. Making such a page costs tens of milliseconds of
queries and templates; sending a copy costs almost nothing. A copy is used only while:

- nothing was written since it was made (any write committed in this process retires every
  copy at once, see `consult.db.data_version`), and
- it is younger than `page_cache_seconds`, which bounds how stale a page can be for what this
  process cannot see: writes by other processes and pages that change with the clock (a
  consultation opening at noon).

Copies are kept per person: every visitor who is not signed in shares one, and each
signed-in person has their own, so a copy never shows one person what another may see.
What else a page depends on is in the key (the address, the language, page or htmx
fragment) or is never copied: a visitor with a message waiting (a flash) and any request but
GET/HEAD always get a page made for them. The CSRF token of a page's forms is personal even
between visitors: the copy holds a placeholder, and each visitor's own token, masked afresh,
is written into it as it is sent.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from consult.db import data_version
from consult.web import CSRF_SLOT, WROTE_AT, csrf_token, is_htmx

_SLOT = CSRF_SLOT.encode()
_NOT_COPIED = {"content-length", "set-cookie"}


@dataclass
class Copy:
    parts: list[bytes]  # the body, split where each CSRF token goes
    headers: dict[str, str]
    version: int
    made: float  # time.monotonic() when it was made, for its age
    started: float  # time.time() when making it began, for `not_before`

    @property
    def size(self) -> int:
        return sum(map(len, self.parts))


class PageCache:
    """Copies by address, language and page-or-fragment, up to `max_bytes` in all, the least
    recently used going first. Only the event loop's thread uses it, so it needs no lock."""

    def __init__(self, seconds: float, max_bytes: int = 128 * 1024 * 1024) -> None:
        self.seconds = seconds
        self.max_bytes = max_bytes
        self._copies: OrderedDict[tuple, Copy] = OrderedDict()
        self._bytes = 0
        # One request makes a missing page; the others asking for it meanwhile wait for it.
        self._making: dict[tuple, asyncio.Future] = {}

    def get(self, key: tuple, not_before: float = 0.0) -> Copy | None:
        """The copy, if it is still current and was begun after `not_before`."""
        copy = self._copies.get(key)
        if copy is None:
            return None
        if (
            copy.version != data_version()
            or time.monotonic() - copy.made > self.seconds
            or copy.started < not_before
        ):
            self._drop(key)
            return None
        self._copies.move_to_end(key)
        return copy

    def put(self, key: tuple, copy: Copy) -> None:
        # A page over a quarter of the budget would push out everything else.
        if copy.version != data_version() or copy.size > self.max_bytes // 4:
            return
        self._drop(key)
        self._copies[key] = copy
        self._bytes += copy.size
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._copies)))

    def _drop(self, key: tuple) -> None:
        copy = self._copies.pop(key, None)
        if copy is not None:
            self._bytes -= copy.size

    async def serve(
        self,
        request: Request,
        key: tuple,
        make: Callable[[], Awaitable[Response]],
        not_before: float = 0.0,
    ) -> Response:
        copy = self.get(key, not_before)
        while copy is None:
            making = self._making.get(key)
            if making is None:
                return await self._make(request, key, make)
            copy = await asyncio.shield(making)
            # Not a page to keep, or begun too early for this request: make one for it.
            if copy is None or copy.started < not_before:
                return await make()
        return _send(request, copy)

    async def _make(self, request: Request, key: tuple, make) -> Response:
        future = self._making[key] = asyncio.get_running_loop().create_future()
        copy = None
        try:
            # Taken before reading: a write meanwhile retires this copy.
            version, started = data_version(), time.time()
            request.state.csrf_slot = True
            try:
                response = await make()
            finally:
                request.state.csrf_slot = False
            copy = _copy_of(response, version, started)
            if copy is None:
                return _with_tokens(request, response)
            self.put(key, copy)
            return _send(request, copy)
        finally:
            del self._making[key]
            future.set_result(copy)


def _copy_of(response: Response, version: int, started: float) -> Copy | None:
    body = getattr(response, "body", None)  # a streamed response has none
    if response.status_code != 200 or not isinstance(body, bytes):
        return None
    if "set-cookie" in response.headers:
        return None
    headers = {k: v for k, v in response.headers.items() if k not in _NOT_COPIED}
    return Copy(body.split(_SLOT), headers, version, time.monotonic(), started)


def _send(request: Request, copy: Copy) -> Response:
    return Response(_filled(request, copy.parts), headers=copy.headers)


def _with_tokens(request: Request, response: Response) -> Response:
    """A response not to share (an error page, say) still has placeholders to fill."""
    body = getattr(response, "body", None)
    if isinstance(body, bytes) and _SLOT in body:
        response.body = _filled(request, body.split(_SLOT))
        response.headers["content-length"] = str(len(response.body))
    return response


def _filled(request: Request, parts: list[bytes]) -> bytes:
    pieces = [parts[0]]
    for part in parts[1:]:
        pieces += [csrf_token(request).encode(), part]
    return b"".join(pieces)


def cached_page(endpoint: Callable[[Request], Awaitable[Response]]):
    """Serve this GET endpoint's page from the cache. For pages that show the same thing to a
    person (or to every anonymous visitor) until the data changes; the address, the language
    and whether htmx asked for a fragment tell copies apart. A copy is made by the endpoint
    itself, permission checks included: a refusal or a redirect is never kept."""

    @functools.wraps(endpoint)
    async def cached(request: Request) -> Response:
        cache: PageCache | None = request.app.state.page_cache
        session = request.session
        if cache is None or request.method not in ("GET", "HEAD") or session.get("flash"):
            return await endpoint(request)
        person = session.get("user_id")
        key = (str(request.url), request.state.locale, is_htmx(request), person)
        # A person's own last write, which another web process may have committed: no copy
        # begun before it is theirs to see.
        wrote_at = session.get(WROTE_AT)
        not_before = wrote_at if isinstance(wrote_at, float) else 0.0
        return await cache.serve(request, key, lambda: endpoint(request), not_before)

    return cached
