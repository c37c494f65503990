"""The database going away while people use the site: every request gets a clear 503, a
form's text comes back to its author, nothing half-done is stored, and sending it again once
the database is back stores it exactly once.

The fault is real: PostgreSQL is reached through a TCP relay that starts dropping its
connections; the SQLite file's folder is moved away so the file cannot be opened."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from bs4 import BeautifulSoup
from sqlmodel import func, select
from starlette.testclient import TestClient

from consult.app import create_app
from consult.consultations.models import Comment
from consult.mail.models import OutboxMessage
from tests.conftest import csrf_from, make_consultation, make_user, sign_in

TEXT = 'Clause 9.4 must name the <b>customary</b> institutions & keep FPIC "ongoing".'


class Relay:
    """A TCP relay to the database server that can be told to drop every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.down = False
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._pairs.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def cut(self) -> None:
        self.down = True
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for end in pair:
                with contextlib.suppress(OSError):  # the other side may have closed it first
                    end.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        self._listener.close()


@contextmanager
def breakable(settings, tmp_path):
    """Settings for an app whose database can be made unreachable, and the switch to do it."""
    if settings.database_url.startswith("sqlite"):
        folder = tmp_path / "database"
        folder.mkdir()
        shutil.copy(settings.database_url.removeprefix("sqlite:///"), folder / "consult.db")
        away = tmp_path / "database-away"

        def switch(down: bool) -> None:
            folder.rename(away) if down else away.rename(folder)

        yield replace(settings, database_url=f"sqlite:///{folder / 'consult.db'}"), switch
        return
    url = urlsplit(settings.database_url)
    relay = Relay((url.hostname, url.port or 5432))
    netloc = f"{url.username}@127.0.0.1:{relay.port}"
    try:
        yield (
            replace(settings, database_url=urlunsplit(url._replace(netloc=netloc))),
            lambda down: relay.cut() if down else relay.restore(),
        )
    finally:
        relay.close()


def counts(database) -> tuple[int, int]:
    with database.session() as session:
        comments = session.exec(select(func.count()).select_from(Comment)).one()
        mails = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    return comments, mails


def test_a_lost_database_gets_503_keeps_the_text_and_stores_nothing(settings, tmp_path):
    with breakable(settings, tmp_path) as (broken_settings, set_down):
        app = create_app(broken_settings, run_worker=False)
        database = app.state.db
        consultation = make_consultation(database)
        url = f"/consultations/{consultation.slug}/clauses/9.4/comment"
        with TestClient(app, base_url="http://testserver") as client:
            sign_in(client, database, make_user(database))
            token = csrf_from(client.get(url).text)
            mails_before = counts(database)[1]
            form = {"kind": "general", "body": TEXT, "publication": "named", "csrf_token": token}

            set_down(True)
            database.engine.dispose()  # pooled SQLite connections would keep the old file open
            refused = client.post(url, data=form, follow_redirects=False)
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "30"
            page = BeautifulSoup(refused.text, "html.parser")
            resend = page.find("form", action=url)
            assert resend is not None, refused.text
            kept = {t["name"]: t.get_text() for t in resend.find_all("textarea")}
            assert kept["body"] == TEXT
            assert kept["kind"] == "general" and kept["publication"] == "named"
            assert "<b>customary</b>" not in refused.text  # shown as text, never as markup
            assert "cannot reach its database" in refused.text

            fragment = client.post(url, data=form, headers={"HX-Request": "true"})
            assert fragment.status_code == 503
            assert fragment.headers["hx-retarget"] == "#main"
            assert "<html" not in fragment.text and "customary" in fragment.text

            reading = client.get(f"/consultations/{consultation.slug}")
            assert reading.status_code == 503
            assert "cannot reach its database" in reading.text
            api = client.get("/api/v1/consultations")
            assert api.status_code == 503
            assert api.json()["error"]["code"] == "unavailable"

            set_down(False)
            assert counts(database) == (0, mails_before), "a refused comment left something"

            again = {t["name"]: t.get_text() for t in resend.find_all("textarea")}
            again["csrf_token"] = resend.find("input", attrs={"name": "csrf_token"})["value"]
            stored = client.post(url, data=again, follow_redirects=False)
            assert stored.status_code == 303, stored.text
        assert counts(database) == (1, mails_before + 1)
        with database.session() as session:
            assert session.exec(select(Comment.body)).one() == TEXT
        database.dispose()
