"""Static files: fingerprinted URLs cached for a year, each file gzipped once.

`static("consult.css")` in a template gives `/static/consult.<hash>.css`, where the hash is the
start of the SHA-256 of the file's bytes. Such a URL never changes meaning, so it is served with
`Cache-Control: public, max-age=31536000, immutable`; changing the file changes its URL. The
plain `/static/consult.css` still works, with `no-cache` and an ETag (the browser revalidates
and gets a 304). A fingerprinted URL with another hash (a page from before a deploy) redirects
to the current one.

Each file is read, hashed and, when it is text, gzipped once per process, on first use, and kept
in memory: static/ holds a few small CSS, JS and SVG files. Restart the server after editing one.
Clients that send `Accept-Encoding: gzip` get the gzipped bytes, with `Vary: Accept-Encoding`.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import anyio.to_thread
from markupsafe import Markup
from starlette._utils import get_route_path
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

from consult.icons import ICONS

HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
SPRITE = "vendor/icons.svg"
_FINGERPRINTED = re.compile(
    rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$"
)
_MEDIA_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}
# woff2, png and the like are compressed already: gzip would only cost time.
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass(frozen=True)
class Asset:
    """One file of static/, as served: its bytes, their gzip (for text) and their hash."""

    body: bytes
    gzipped: bytes | None
    digest: str
    media_type: str

    def etag(self, gzipped: bool) -> str:
        return f'"{self.digest}-gz"' if gzipped else f'"{self.digest}"'


def load_asset(file: Path) -> Asset:
    body = file.read_bytes()
    media_type = _MEDIA_TYPES.get(file.suffix.lower()) or (
        mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    )
    gzipped = None
    if media_type.startswith(_COMPRESSIBLE):
        candidate = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = candidate if len(candidate) < len(body) else None
    digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
    return Asset(body=body, gzipped=gzipped, digest=digest, media_type=media_type)


def fingerprinted(path: str, digest: str) -> str:
    """`vendor/bootstrap/bootstrap.min.css` → `vendor/bootstrap/bootstrap.min.<digest>.css`."""
    pure = PurePosixPath(path)
    if not pure.suffix:
        return path
    return str(pure.with_name(f"{pure.stem}.{digest}{pure.suffix}"))


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip; `gzip;q=0` refuses it."""
    qualities: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        qualities[coding.strip()] = _quality(params)
    return qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0.0))) > 0


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def _not_modified(if_none_match: str | None, asset: Asset) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or bool(tags & {asset.etag(False), asset.etag(True)})


class StaticAssets:
    """The ASGI app mounted at /static, and the `static()` and `icon()` template globals."""

    def __init__(self, directory: Path, prefix: str = "/static") -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self._assets: dict[str, Asset] = {}

    # --- for templates ------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """The fingerprinted URL of `path`; the plain one when the file is missing (no `make
        vendor` yet), so that a page still renders."""
        asset = self.get(path)
        return f"{self.prefix}/{fingerprinted(path, asset.digest) if asset else path}"

    def icon(self, name: str) -> Markup:
        """A decorative Bootstrap icon from the sprite: give it visible or visually-hidden
        text beside it. Only names in consult.icons.ICONS are in the sprite."""
        if name not in ICONS:
            raise ValueError(f"icon {name!r} is not in consult.icons.ICONS")
        return Markup(
            '<svg class="bi" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>'
        ).format(self.url(SPRITE), name)

    # --- files --------------------------------------------------------------------------------

    def get(self, path: str) -> Asset | None:
        """The file at `path` (relative, with /), loaded once; None when there is none."""
        asset = self._assets.get(path)
        if asset is None:
            file = self._file(path)
            if file is None:
                return None
            asset = self._assets[path] = load_asset(file)
        return asset

    def _file(self, path: str) -> Path | None:
        """A regular file inside the directory; never a dotfile, never outside."""
        parts = path.split("/")
        if any(not part or part.startswith(".") or "\\" in part or "\0" in part for part in parts):
            return None
        try:
            root = self.directory.resolve()
            file = root.joinpath(*parts).resolve()
            return file if file.is_relative_to(root) and file.is_file() else None
        except OSError:  # a name too long, for one
            return None

    async def _get(self, path: str) -> Asset | None:
        asset = self._assets.get(path)  # the common case: no thread needed
        return asset if asset is not None else await anyio.to_thread.run_sync(self.get, path)

    # --- serving ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await WebSocketClose()(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
        response = await self._response(get_route_path(scope).removeprefix("/"), scope)
        await response(scope, receive, send)

    async def _response(self, path: str, scope: Scope) -> Response:
        asset = await self._get(path)
        if asset is not None:
            return _asset_response(asset, REVALIDATE, scope)
        match = _FINGERPRINTED.match(path)
        if match is None:
            raise HTTPException(status_code=404)
        original = match["stem"] + match["suffix"]
        asset = await self._get(original)
        if asset is None:
            raise HTTPException(status_code=404)
        if match["digest"] == asset.digest:
            return _asset_response(asset, IMMUTABLE, scope)
        return RedirectResponse(self.url(original), 307, headers={"Cache-Control": REVALIDATE})


def _asset_response(asset: Asset, cache_control: str, scope: Scope) -> Response:
    request = Headers(scope=scope)
    use_gzip = asset.gzipped is not None and accepts_gzip(request.get("accept-encoding", ""))
    headers = {"Cache-Control": cache_control, "ETag": asset.etag(use_gzip)}
    if asset.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if _not_modified(request.get("if-none-match"), asset):
        return Response(status_code=304, headers=headers)
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
    body = asset.gzipped if use_gzip and asset.gzipped is not None else asset.body
    response = Response(body, headers=headers, media_type=asset.media_type)
    if scope["method"] == "HEAD":
        response.body = b""  # Content-Length still tells the size
    return response
