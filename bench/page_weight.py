"""Page weight: the bytes a browser downloads for one page, measured the way it would fetch it.

    python -m bench.page_weight http://127.0.0.1:8000 /consultations/SLUG/clauses/9.4 \
        [--fragment PATH]

Prints JSON. `measure(base_url, path, client)` does the same for a load benchmark; `client` is
an httpx2.Client (or Starlette's TestClient), signed in or not, and keeps its cookies.

- First visit, empty cache: the HTML and everything it references (stylesheets, scripts, icons,
  the SVG sprite, images), then every url() and @import in those stylesheets (fonts).
- Repeat visit: the HTML again, and only what the first visit could not keep: a response with
  `max-age` (and no `no-cache`/`no-store`) is fresh and costs nothing; one with an ETag or
  Last-Modified is revalidated (a 304 costs its headers); anything else is fetched again.
- Fragment: the htmx request behind the page's first `hx-get`, or `--fragment`.

Bytes are counted as received: the body as sent (gzipped when the server compressed it), plus
the status line and response headers. Request headers and TCP/TLS overhead are left out. Not a
test: the figures depend on the data, and on whether the client is signed in.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

BUDGETS = {"first_visit_bytes": 120_000, "repeat_visit_bytes": 20_000, "fragment_bytes": 5_000}
BROWSER = {
    "Accept-Encoding": "gzip, deflate",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "User-Agent": "consult-page-weight",
}
_CSS_REFERENCE = re.compile(
    r"""url\(\s*(['"]?)(?P<url>[^'")]+)\1\s*\)|@import\s+(['"])(?P<imported>[^'"]+)\3"""
)
_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass
class Fetched:
    url: str
    status: int
    wire_bytes: int  # body as sent + status line and headers
    body_bytes: int  # once decoded
    content_type: str
    content_encoding: str
    cache_control: str
    validator: dict[str, str]  # what a conditional request would send back


class _References(HTMLParser):
    """Subresources a browser fetches while loading the page, and the first hx-get."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.hx_get: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        rel = values.get("rel", "").lower().split()
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload"} & set(rel):
            self.urls.append(values.get("href", ""))
        elif tag in ("script", "img", "source") and values.get("src"):
            self.urls.append(values["src"])
        elif tag == "use":
            self.urls.append(values.get("href") or values.get("xlink:href") or "")
        if self.hx_get is None and values.get("hx-get"):
            self.hx_get = values["hx-get"]


def _wire_bytes(response, body_bytes: int) -> int:
    status_line = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n")
    headers = sum(len(name) + len(value) + 4 for name, value in response.headers.raw)
    return status_line + headers + 2 + body_bytes


def fetch(client, url: str, headers: dict[str, str] | None = None) -> tuple[Fetched, bytes]:
    """GET `url` as a browser would (gzip accepted), following redirects, counting each hop."""
    wire = 0
    for _hop in range(5):
        request_headers = {**BROWSER, **(headers or {})}
        with client.stream("GET", url, headers=request_headers, follow_redirects=False) as reply:
            body = reply.read()
            wire += _wire_bytes(reply, reply.num_bytes_downloaded)
            location = reply.headers.get("location")
            if reply.status_code in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            validator = {}
            if reply.headers.get("etag"):
                validator["If-None-Match"] = reply.headers["etag"]
            if reply.headers.get("last-modified"):
                validator["If-Modified-Since"] = reply.headers["last-modified"]
            fetched = Fetched(
                url=url,
                status=reply.status_code,
                wire_bytes=wire,
                body_bytes=len(body),
                content_type=reply.headers.get("content-type", ""),
                content_encoding=reply.headers.get("content-encoding", ""),
                cache_control=reply.headers.get("cache-control", ""),
                validator=validator,
            )
            return fetched, body
    raise RuntimeError(f"more than 5 redirects from {url}")


def _is_fresh(cache_control: str) -> bool:
    directives = cache_control.lower()
    if "no-cache" in directives or "no-store" in directives:
        return False
    max_age = _MAX_AGE.search(directives)
    return bool(max_age and int(max_age.group(1)) > 0)


def _absolute(base: str, references: list[str]) -> list[str]:
    """Resolved, without #fragments, data: URLs dropped, each once, in order."""
    urls = []
    for reference in references:
        if reference and not reference.startswith("data:"):
            url = urldefrag(urljoin(base, reference.strip())).url
            if url not in urls:
                urls.append(url)
    return urls


class _Cache:
    """What a browser keeps from a visit: each response's headers, and its body."""

    def __init__(self) -> None:
        self.responses: dict[str, Fetched] = {}
        self.bodies: dict[str, bytes] = {}

    def fresh(self, url: str) -> bool:
        return url in self.responses and _is_fresh(self.responses[url].cache_control)

    def get(self, client, url: str) -> tuple[Fetched, bytes]:
        """A conditional request when a validator is kept; a 304 answers with the kept body."""
        kept = self.responses.get(url)
        fetched, body = fetch(client, url, kept.validator if kept else {})
        if fetched.status == 304 and kept:
            kept.cache_control = fetched.cache_control or kept.cache_control
            return fetched, self.bodies[url]
        self.responses[url], self.bodies[url] = fetched, body
        return fetched, body


def _css_references(css_url: str, css: bytes) -> list[str]:
    text = css.decode("utf-8", errors="replace")
    found = [m.group("url") or m.group("imported") for m in _CSS_REFERENCE.finditer(text)]
    return _absolute(css_url, found)


def _page(client, url: str, cache: _Cache) -> tuple[list[Fetched], str | None]:
    """Load `url` and its subresources through `cache`; also the page's first hx-get."""
    fetched, body = cache.get(client, url)
    parser = _References()
    parser.feed(body.decode("utf-8", errors="replace"))
    loaded, pending = [fetched], _absolute(url, parser.urls)
    seen = set(pending)
    while pending:
        resource = pending.pop(0)
        if cache.fresh(resource):
            body = cache.bodies[resource]  # from the browser's cache: nothing on the wire
        else:
            fetched, body = cache.get(client, resource)
            loaded.append(fetched)
        if cache.responses[resource].content_type.startswith("text/css"):
            for nested in _css_references(resource, body):
                if nested not in seen:
                    seen.add(nested)
                    pending.append(nested)
    hx_get = urljoin(url, parser.hx_get) if parser.hx_get else None
    return loaded, hx_get


def measure(base_url: str, path: str, client, fragment: str | None = None) -> dict[str, Any]:
    """Bytes on the wire for a first visit with an empty cache, a repeat visit, and the htmx
    fragment at `fragment` (default: the page's first hx-get)."""
    url = urljoin(base_url, path)
    cache = _Cache()
    first, hx_get = _page(client, url, cache)
    repeat, _ = _page(client, url, cache)
    fragment_url = urljoin(base_url, fragment) if fragment else hx_get
    piece = None
    if fragment_url:
        htmx = {"HX-Request": "true", "HX-Current-URL": url}
        piece, _ = fetch(client, fragment_url, htmx)
    result = {
        "url": url,
        "first_visit_bytes": sum(f.wire_bytes for f in first),
        "repeat_visit_bytes": sum(f.wire_bytes for f in repeat),
        "fragment_bytes": piece.wire_bytes if piece else None,
        "first_visit": [asdict(f) for f in first],
        "repeat_visit": [asdict(f) for f in repeat],
        "fragment": asdict(piece) if piece else None,
        "budgets": BUDGETS,
    }
    result["within_budget"] = {
        name: result[name] is not None and result[name] <= limit for name, limit in BUDGETS.items()
    }
    return result


def main(argv: list[str] | None = None) -> int:
    import httpx2

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("path", help="e.g. /consultations/SLUG/clauses/9.4")
    parser.add_argument("--fragment", help="the htmx request to weigh (default: first hx-get)")
    args = parser.parse_args(argv)
    with httpx2.Client(timeout=30) as client:
        result = measure(args.base_url, args.path, client, args.fragment)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
