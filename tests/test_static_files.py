"""Static files under fingerprinted URLs with a year's cache, gzip for static and dynamic
responses, and the icon sprite that replaces the icon font."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from consult.consultations import opendata
from consult.icons import ICONS, build_sprite
from consult.static_files import IMMUTABLE, StaticAssets, accepts_gzip, fingerprinted
from consult.web import STATIC_DIR, TEMPLATES_DIR
from tests.conftest import make_consultation, make_user, run_async, sign_in
from tests.search.test_search import comment

NODE_ICONS = Path(__file__).resolve().parents[1] / "node_modules" / "bootstrap-icons" / "icons"
NO_GZIP = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
CSS = (STATIC_DIR / "consult.css").read_bytes()


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def raw_get(client: TestClient, url: str, headers: dict[str, str]) -> tuple[bytes, dict]:
    """The bytes as sent, before the client undoes any Content-Encoding."""
    with client.stream("GET", url, headers=headers) as response:
        return b"".join(response.iter_raw()), response.headers


def stylesheet(client: TestClient, name: str) -> str:
    hrefs = [link["href"] for link in soup(client.get("/")).select('link[rel="stylesheet"]')]
    return next(href for href in hrefs if href.startswith(f"/static/{name}."))


@pytest.fixture
def assets_client(tmp_path):
    """A bare app serving a folder of our own, for the cases static/ does not hold."""
    (tmp_path / "site.css").write_text("body { color: black; }\n" * 50)
    (tmp_path / "font.woff2").write_bytes(bytes(range(256)) * 8)
    (tmp_path / ".secret").write_text("no")
    assets = StaticAssets(tmp_path)
    with TestClient(Starlette(routes=[Mount("/static", app=assets)])) as client:
        yield client, assets


# --- fingerprinted URLs -----------------------------------------------------------------------


def test_pages_link_fingerprinted_urls_served_for_a_year(client, db):
    page = soup(client.get("/"))
    urls = [
        tag.get("href") or tag.get("src") for tag in page.select("link[rel=stylesheet], script")
    ]
    assert urls and all(re.search(r"\.[0-9a-f]{12}\.(css|js)$", url) for url in urls), urls
    css = stylesheet(client, "consult")
    response = client.get(css)
    assert response.status_code == 200 and response.content == CSS
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-type"] == "text/css; charset=utf-8"


def test_the_hash_is_the_files_content_hash(client, db):
    digest = hashlib.sha256(CSS).hexdigest()[:12]
    assert stylesheet(client, "consult") == f"/static/consult.{digest}.css"
    assert fingerprinted("vendor/bootstrap/bootstrap.min.css", "0123456789ab") == (
        "vendor/bootstrap/bootstrap.min.0123456789ab.css"
    )


def test_an_unfingerprinted_url_still_works_and_revalidates(client, db):
    response = client.get("/static/consult.css")
    assert response.status_code == 200 and response.content == CSS
    assert response.headers["cache-control"] == "no-cache"
    again = client.get("/static/consult.css", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_a_wrong_hash_redirects_to_the_current_file(client, db):
    response = client.get("/static/consult.0123456789ab.css", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == stylesheet(client, "consult")
    assert response.headers["cache-control"] == "no-cache"
    assert client.get("/static/consult.0123456789ab.css").content == CSS


@pytest.mark.parametrize(
    "path",
    ["/static/nowhere.css", "/static/nowhere.0123456789ab.css", "/static/../consult/app.py"],
)
def test_missing_files_are_404(client, db, path):
    assert client.get(path).status_code == 404


def test_dotfiles_and_other_methods_are_refused(assets_client):
    client, _assets = assets_client
    assert client.get("/static/.secret").status_code == 404
    refused = client.post("/static/site.css")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"


def test_head_gives_the_headers_only(assets_client):
    client, assets = assets_client
    response = client.head(assets.url("site.css"), headers=GZIP)
    assert response.content == b""
    assert int(response.headers["content-length"]) == len(assets.get("site.css").gzipped)


def test_a_missing_file_keeps_its_plain_url(tmp_path):
    assert StaticAssets(tmp_path).url("vendor/later.css") == "/static/vendor/later.css"


# --- compression ------------------------------------------------------------------------------


def test_static_files_are_gzipped_when_asked(client, db):
    css = stylesheet(client, "consult")
    body, headers = raw_get(client, css, GZIP)
    assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(body) == CSS and int(headers["content-length"]) == len(body)
    plain, headers = raw_get(client, css, NO_GZIP)
    assert plain == CSS and "content-encoding" not in headers
    assert "Accept-Encoding" in headers["vary"]


def test_gzip_is_computed_once_per_file(assets_client):
    client, assets = assets_client
    client.get("/static/site.css", headers=GZIP)
    first = assets.get("site.css").gzipped
    client.get("/static/site.css", headers=GZIP)
    assert assets.get("site.css").gzipped is first


def test_compressed_formats_are_sent_as_they_are(assets_client):
    client, assets = assets_client
    body, headers = raw_get(client, assets.url("font.woff2"), GZIP)
    assert body == bytes(range(256)) * 8 and "content-encoding" not in headers
    assert headers["content-type"] == "font/woff2" and headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("*", True),
        ("", False),
    ],
)
def test_accept_encoding(header, expected):
    assert accepts_gzip(header) is expected


def test_pages_and_htmx_fragments_are_gzipped(client, db):
    consultation = make_consultation(db)
    clause = f"/consultations/{consultation.slug}/clauses/9.4"
    page, headers = raw_get(client, clause, GZIP)
    assert headers["content-encoding"] == "gzip" and b"<html" in gzip.decompress(page)
    sign_in(client, db, make_user(db))
    url = f"{clause}/comment"  # the form the clause page's button fetches with htmx
    fragment, headers = raw_get(client, url, {**GZIP, "HX-Request": "true"})
    html = gzip.decompress(fragment)
    assert headers["content-encoding"] == "gzip" and b"<html" not in html
    assert {"HX-Request", "Accept-Encoding"} <= {v.strip() for v in headers["vary"].split(",")}
    plain, headers = raw_get(client, url, {**NO_GZIP, "HX-Request": "true"})
    # The same fragment, but for the CSRF token, which is masked afresh every time.
    token = re.compile(rb'name="csrf_token" value="[^"]+"')
    assert token.sub(b"", plain) == token.sub(b"", html) and "content-encoding" not in headers


def test_a_streamed_csv_download_is_gzipped_chunk_by_chunk(app, client, db, monkeypatch):
    consultation = make_consultation(db)
    for number in range(3):
        comment(client, db, consultation, f"View {number}", email=f"c{number}@example.org")
    monkeypatch.setattr(opendata, "BATCH", 1)  # one chunk per comment
    messages = run_async(_asgi_get(app, f"/consultations/{consultation.slug}/comments.csv"))
    start, bodies = messages[0], [m for m in messages if m["type"] == "http.response.body"]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert len(bodies) >= 4 and all(m.get("more_body") for m in bodies[:-1])
    text = gzip.decompress(b"".join(m["body"] for m in bodies)).decode("utf-8")
    assert text.startswith("\ufeffreference,") and all(f"View {n}" in text for n in range(3))
    assert text == client.get(f"/consultations/{consultation.slug}/comments.csv").text


async def _asgi_get(app, path: str) -> list[dict]:
    """Call the app as a server would and keep every message: the chunks of a stream too."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    messages: list[dict] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client never leaves; the response ends by itself
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        messages.append(message)

    await app(scope, receive, send)
    return messages


# --- icons ------------------------------------------------------------------------------------


def test_icons_come_from_the_sprite_and_are_hidden_from_screen_readers(client, db):
    page = soup(client.get("/"))
    assert page.select_one('link[href*="bootstrap-icons"]') is None
    svg = page.select_one(".navbar-brand svg.bi")
    assert svg["aria-hidden"] == "true" and svg["focusable"] == "false"
    sprite, _, name = svg.select_one("use")["href"].partition("#")
    assert re.fullmatch(r"/static/vendor/icons(\.[0-9a-f]{12})?\.svg", sprite)
    assert name == "chat-square-text"


def test_an_unknown_icon_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not-an-icon"):
        StaticAssets(tmp_path).icon("not-an-icon")


def test_every_icon_a_template_names_is_in_the_sprite():
    named = set()
    for template in TEMPLATES_DIR.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert 'class="bi ' not in text, f"{template}: use icon(name), not the icon font"
        named |= set(re.findall(r"""icon\(["']([a-z0-9-]+)["']\)""", text))
    assert named and named <= set(ICONS), named - set(ICONS)


def test_the_sprite_has_one_symbol_per_icon(tmp_path):
    for name, path in {"a": "M0 0h1", "b": "M0 0h2"}.items():
        (tmp_path / f"{name}.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" fill="currentColor"'
            f' class="bi bi-{name}" viewBox="0 0 16 16">\n  <path d="{path}"/>\n</svg>'
        )
    sprite = build_sprite(tmp_path, ("a", "b")).decode()
    assert sprite.count("<symbol") == 2 and 'id="a" viewBox="0 0 16 16"' in sprite
    assert '<path d="M0 0h2"' in sprite and "\n  " not in sprite


def test_every_listed_icon_exists_in_bootstrap_icons():
    if not NODE_ICONS.is_dir():
        pytest.skip("node_modules is missing: run `make vendor`")
    assert [name for name in ICONS if not (NODE_ICONS / f"{name}.svg").is_file()] == []


# --- bench/page_weight.py ---------------------------------------------------------------------


def test_page_weight_fetches_like_a_browser_with_and_without_a_cache(client, db):
    from bench.page_weight import measure

    consultation = make_consultation(db)
    sign_in(client, db, make_user(db))
    result = measure("http://testserver", f"/consultations/{consultation.slug}/clauses/9.4", client)
    first = [fetched["url"] for fetched in result["first_visit"]]
    assert any("/static/vendor/icons." in url for url in first) and len(first) == 6, first
    assert [fetched["status"] for fetched in result["repeat_visit"]] == [200]  # the HTML only
    assert result["fragment"]["url"].endswith("/clauses/9.4/comment")
    assert result["fragment"]["content_encoding"] == "gzip"
    wire = sum(fetched["wire_bytes"] for fetched in result["first_visit"])
    assert result["first_visit_bytes"] == wire < sum(f["body_bytes"] for f in result["first_visit"])
