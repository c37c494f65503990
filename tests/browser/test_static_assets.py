"""In Chromium, under the Content-Security-Policy: icons drawn from the SVG sprite, and every
stylesheet and script arriving gzipped from its fingerprinted URL."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_consultation

pytestmark = pytest.mark.browser


def test_icons_draw_from_the_sprite_and_assets_arrive_gzipped(browser_page, live_server, live_db):
    consultation = make_consultation(live_db)
    responses = []
    browser_page.on("response", lambda response: responses.append(response))
    browser_page.goto(f"{live_server}/consultations/{consultation.slug}/clauses/9.4")
    browser_page.wait_for_function(
        "[...document.querySelectorAll('svg.bi use')].every(use => use.getBBox().width > 0)"
    )
    assert browser_page.locator("svg.bi").count() >= 2  # the brand and the comment button
    assets = [r for r in responses if "/static/" in r.url]
    assert {re.sub(r".*/", "", r.url).split(".")[0] for r in assets} >= {
        "bootstrap",
        "consult",
        "htmx",
        "icons",
    }
    for response in assets:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", response.url), response.url
        assert response.status == 200 and response.all_headers()["content-encoding"] == "gzip"
        assert "immutable" in response.all_headers()["cache-control"]
