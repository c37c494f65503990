"""SQLite takes one writer at a time: this process's writers queue for their turn
(consult.db.Database), and one that waits too long is answered 503 with its text back."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

import consult.db
from consult.consultations.models import Comment
from consult.drafts.models import Standard
from tests.conftest import csrf_from, make_consultation, make_user, sign_in


@pytest.fixture
def sqlite_only(settings):
    if not settings.is_sqlite:
        pytest.skip("PostgreSQL writers lock rows, not the database")


def test_a_writer_waits_for_its_turn_and_then_writes(sqlite_only, db):
    first_has_written, second_started, second_done = (threading.Event() for _ in range(3))

    def second_writer() -> None:
        second_started.set()
        with db.session(write=True) as session:
            session.add(Standard(name="Second", slug="second", code="S2"))
        second_done.set()

    with db.session(write=True) as session:
        session.add(Standard(name="First", slug="first", code="S1"))
        session.flush()
        first_has_written.set()
        waiting = threading.Thread(target=second_writer)
        waiting.start()
        assert second_started.wait(5)
        assert not second_done.wait(0.3), "the second writer waits for the first to commit"
    waiting.join(10)
    assert second_done.is_set()
    with db.session() as session:
        assert set(session.exec(select(Standard.slug))) >= {"first", "second"}


def test_a_writer_that_waits_too_long_gets_503_and_its_text(sqlite_only, client, db, monkeypatch):
    consultation = make_consultation(db)
    sign_in(client, db, make_user(db))
    url = f"/consultations/{consultation.slug}/clauses/9.4/comment"
    token = csrf_from(client.get(url).text)
    monkeypatch.setattr(consult.db, "WRITER_WAIT_SECONDS", 0.2)
    held = threading.Event()
    release = threading.Event()

    def hold_the_turn() -> None:
        with db.session(write=True):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_turn)
    holder.start()
    try:
        assert held.wait(5)
        form = {"kind": "general", "body": "Keep <this> text", "publication": "named"}
        refused = client.post(url, data=form | {"csrf_token": token})
    finally:
        release.set()
        holder.join(10)
    assert refused.status_code == 503
    assert "Keep &lt;this&gt; text" in refused.text
    with db.session() as session:
        assert not session.exec(select(Comment)).all()
