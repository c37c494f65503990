"""Pages made once and shown again while nothing changed (consult/page_cache.py).

A write "from another process" is made with a plain engine connection, which this process's
sessions never see: it shows whether a page came from a copy or was made afresh."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import replace

import httpx2
import pytest
from sqlalchemy import event, update
from starlette.testclient import TestClient

from consult.app import create_app
from consult.consultations.models import Consultation
from consult.db import data_version
from consult.page_cache import Copy, PageCache
from consult.web import CSRF_SLOT, WROTE_AT, _unmask
from tests.conftest import csrf, csrf_from, make_consultation, make_user, run_async, sign_in
from tests.responses.conftest import make_comment, soup


def write_elsewhere(db, title: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(update(Consultation).values(title=title))


def test_visitors_share_a_page_until_this_process_writes(app, client, db):
    make_consultation(db, title="Round one")
    assert "Round one" in client.get("/").text
    write_elsewhere(db, "Renamed elsewhere")
    with TestClient(app) as newcomer:
        assert "Round one" in newcomer.get("/").text, "the copy is shared"
    make_user(db, email="any.write@example.org")
    assert "Renamed elsewhere" in client.get("/").text, "any write retires every copy"


@pytest.mark.parametrize(
    ("seconds", "seen_at_once"),
    [(1, "Round one"), (0, "Renamed elsewhere")],
    ids=["a copy lasts page_cache_seconds at most", "no copies when switched off"],
)
def test_page_cache_seconds(settings, seconds, seen_at_once):
    app = create_app(replace(settings, page_cache_seconds=seconds), run_worker=False)
    db = app.state.db
    make_consultation(db, title="Round one")
    with TestClient(app) as client:
        assert "Round one" in client.get("/").text
        write_elsewhere(db, "Renamed elsewhere")
        assert seen_at_once in client.get("/").text
        time.sleep(seconds + 0.1)
        assert "Renamed elsewhere" in client.get("/").text
    db.dispose()


def test_each_visitor_gets_a_working_token_of_their_own(app, db):
    make_consultation(db)
    with TestClient(app) as ana, TestClient(app) as ben:
        ana_page, ben_page = ana.get("/"), ben.get("/")
        again = ana.get("/")
        for page in (ana_page, ben_page, again):
            assert CSRF_SLOT not in page.text
        ana_token, ben_token = csrf_from(ana_page.text), csrf_from(ben_page.text)
        assert _unmask(ana_token) != _unmask(ben_token)
        assert _unmask(csrf_from(again.text)) == _unmask(ana_token)
        assert csrf_from(again.text) != ana_token, "masked afresh on every page"
        refused = ben.post("/language", data={"csrf_token": ana_token, "language": "fr"})
        assert refused.status_code == 403
        changed = ben.post(
            "/language",
            data={"csrf_token": ben_token, "language": "fr", "next": "/"},
            follow_redirects=False,
        )
        assert changed.status_code == 303


def test_a_page_not_shared_still_gets_the_visitors_token(app, client):
    missing = client.get("/consultations/no-such-round")
    assert missing.status_code == 404
    assert CSRF_SLOT not in missing.text
    changed = client.post(
        "/language",
        data={"csrf_token": csrf_from(missing.text), "language": "fr", "next": "/"},
        follow_redirects=False,
    )
    assert changed.status_code == 303


def test_each_signed_in_person_has_copies_of_their_own(app, client, db):
    make_consultation(db, title="Round one")
    ana, ben = make_user(db), make_user(db, email="ben@example.org", name="Ben Okafor")
    sign_in(client, db, ana)
    with TestClient(app) as ben_client, TestClient(app) as visitor:
        sign_in(ben_client, db, ben)
        for person in (client, ben_client):
            person.get("/account")  # shows "You are signed in" and is done with it
        ana_home = client.get("/").text
        assert "Round one" in ana_home
        assert "Ana Silva" in ana_home
        assert "Round one" in visitor.get("/").text
        write_elsewhere(db, "Renamed elsewhere")
        assert "Round one" in client.get("/").text, "Ana's own copy"
        assert "Round one" in visitor.get("/").text, "the visitors' copy"
        ben_home = ben_client.get("/").text
        assert "Renamed elsewhere" in ben_home, "neither copy is Ben's"
        assert "Ben Okafor" in ben_home
        assert "Ana Silva" not in ben_home


def test_the_secretariat_sees_its_own_writes_in_a_kept_response_log(app, client, db):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    staff = make_user(db, email="sue@example.org", name="Sue Secretary", staff=True)
    sign_in(client, db, staff)
    client.get("/account")  # shows "You are signed in" and is done with it
    log = f"/consultations/{consultation.slug}/responses"
    assert "Pending" in soup(client.get(log)).select_one(".disposition").text
    write_elsewhere(db, "Renamed elsewhere")
    assert "Renamed elsewhere" not in client.get(log).text, "a kept copy"

    edit = f"{log}/{comment.reference}"
    saved = client.post(
        edit,
        data={
            "disposition": "noted",
            "response_markdown": "Thank you.",
            "csrf_token": csrf(client, edit),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    client.get(saved.headers["location"])  # the flash is shown there, not on the log
    page = client.get(log)
    assert "Noted" in soup(page).select_one(".disposition").text
    assert "Renamed elsewhere" in page.text

    # A copy is one person's: a commenter asking for the same address is still refused.
    with TestClient(app) as commenter:
        sign_in(commenter, db, make_user(db))
        client.get(log)
        assert commenter.get(log).status_code == 403
        assert CSRF_SLOT not in commenter.get(log).text


def test_a_waiting_message_is_shown_not_a_copy(app, client, db):
    make_consultation(db)
    sign_in(client, db, make_user(db))
    with TestClient(app) as visitor:
        visitor.get("/")  # a copy of the home page exists
    home = client.get("/")
    signed_out = client.post("/auth/logout", data={"csrf_token": csrf_from(home.text)})
    assert signed_out.url.path == "/"
    assert "You are signed out." in signed_out.text


def test_copies_are_per_language_and_per_fragment(app):
    with TestClient(app) as visitor:
        english = visitor.get("/", headers={"Accept-Language": "en"})
        french = visitor.get("/", headers={"Accept-Language": "fr"})
        assert english.text != french.text
        assert '<html lang="fr"' in french.text
        fragment = visitor.get("/search?q=consent", headers={"HX-Request": "true"})
        full = visitor.get("/search?q=consent")
        assert "<html" not in fragment.text
        assert "<html" in full.text


def test_concurrent_visitors_wait_for_one_page_to_be_made(app, db):
    consultation = make_consultation(db)
    path = f"/consultations/{consultation.slug}"
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))

    async def fetch(paths):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await asyncio.gather(*(c.get(p) for p in paths))

    run_async(fetch([path + "?alone"]))
    one_page = len(statements)
    assert one_page > 0
    statements.clear()
    pages = run_async(fetch([path] * 8))
    assert {page.status_code for page in pages} == {200}
    assert len(statements) == one_page


@pytest.mark.parametrize(
    ("sizes", "kept"),
    [([20] * 6, [1, 2, 3, 4, 5]), ([10, 30], [0])],
    ids=["least recently used goes first", "over a quarter of the budget is never kept"],
)
def test_the_cache_keeps_to_its_budget(sizes, kept):
    cache = PageCache(seconds=60, max_bytes=100)
    for number, size in enumerate(sizes):
        cache.put(
            ("page", number), Copy([b"x" * size], {}, data_version(), time.monotonic(), time.time())
        )
    assert [n for n in range(len(sizes)) if cache.get(("page", n))] == kept


def test_a_copy_made_before_a_write_is_never_kept():
    cache = PageCache(seconds=60)
    stale = Copy([b"page"], {}, data_version() - 1, time.monotonic(), time.time())
    cache.put(("page",), stale)
    assert cache.get(("page",)) is None


def test_no_copy_begun_before_a_persons_own_last_write_is_shown_to_them():
    # Their write may have been committed by another web process, unseen by this one's count.
    cache = PageCache(seconds=60)
    begun = time.time()
    cache.put(("page",), Copy([b"page"], {}, data_version(), time.monotonic(), begun))
    assert cache.get(("page",), not_before=begun - 1) is not None
    assert cache.get(("page",), not_before=begun + 1) is None


def session_of(client) -> dict:
    """The signed session cookie's content (Starlette: base64 JSON, a timestamp, a MAC)."""
    value = client.cookies["consult_session"]
    return json.loads(base64.b64decode(value.split(".")[0]))


def test_an_accepted_form_marks_when_its_author_last_wrote(app, client, db):
    sign_in(client, db, make_user(db))
    page = client.get("/account")
    before = time.time()
    client.post("/language", data={"csrf_token": csrf_from(page.text), "language": "fr"})
    wrote_at = session_of(client)[WROTE_AT]
    assert before <= wrote_at <= time.time()

    refused = client.post("/language", data={"csrf_token": "forged", "language": "en"})
    assert refused.status_code == 403
    assert session_of(client)[WROTE_AT] == wrote_at, "a refused form wrote nothing"
