"""Fixtures: a fresh, migrated database per test (SQLite file, and PostgreSQL when
CONSULT_TEST_DATABASE_URL is set), the app, an HTTP client, factories, and a real SMTP server."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel, select
from starlette.testclient import TestClient

import consult.models  # noqa: F401
from consult.accounts.models import SignInToken, User
from consult.accounts.services import hash_token
from consult.app import create_app
from consult.consultations.services import ConsultationInput, create_consultation
from consult.db import Database, migrate
from consult.drafts.services import import_draft
from consult.mail.models import OutboxMessage
from consult.settings import Settings
from consult.sqltypes import utcnow

PG_URL = os.environ.get("CONSULT_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

SAMPLE_DRAFT = """# Introduction

Why this standard exists.

# Principle 9: Human Rights

Respect human rights.

## 9.1 Due diligence

Carry out human rights due diligence.

## 9.4 Free, prior and informed consent

Obtain the free, prior and informed consent of affected Indigenous Peoples.

# Glossary

**FPIC**: free, prior and informed consent.
"""


def _base_settings(tmp: Path, url: str) -> Settings:
    return Settings(
        data_dir=tmp,
        database_url=url,
        secret_key="test-secret-key",
        base_url="http://testserver",
        embedded_worker=False,
        mail_from="Consult <consult@example.org>",
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Migrate once; each test gets a copy of the file."""
    folder = tmp_path_factory.mktemp("template")
    migrate(_base_settings(folder, f"sqlite:///{folder / 'template.db'}"))
    return folder / "template.db"


@pytest.fixture(scope="session")
def pg_migrated(tmp_path_factory) -> str:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate(_base_settings(tmp_path_factory.mktemp("pg"), PG_URL))
    return PG_URL


@pytest.fixture(params=BACKENDS)
def settings(request, tmp_path) -> Settings:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "consult.db")
        return _base_settings(tmp_path, f"sqlite:///{tmp_path / 'consult.db'}")
    url = request.getfixturevalue("pg_migrated")
    truncate_all(url)
    return _base_settings(tmp_path, url)


def truncate_all(url: str) -> None:
    """Empty every table of the PostgreSQL test database, faster than migrating again."""
    engine = create_engine(url)
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(settings):
    application = create_app(settings, run_worker=False)
    yield application
    application.state.db.dispose()


@pytest.fixture
def db(app) -> Database:
    return app.state.db


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


# --- factories --------------------------------------------------------------------------------


def make_user(
    db: Database, email="ana@example.org", name="Ana Silva", staff=False, profile=True, **fields
) -> User:
    with db.session(write=True) as session:
        user = User(email=email, name=name, is_secretariat=staff, **fields)
        if profile:
            user.organisation = fields.get("organisation", "Rede Terra")
            user.stakeholder_category = fields.get("stakeholder_category", "civil_society")
            user.country = fields.get("country", "BR")
            user.profile_completed_at = utcnow()
        session.add(user)
    return user


def make_draft(
    db: Database, source=SAMPLE_DRAFT, standard="Performance Standard", version="V4 draft 1"
):
    with db.session(write=True) as session:
        return import_draft(session, source, standard, version)


def make_consultation(
    db: Database, draft=None, *, opens_days=-1, closes_days=60, round_number=1, **fields
):
    draft = draft or make_draft(db)
    now = utcnow()
    data = ConsultationInput(
        draft_id=draft.id,
        title=fields.pop("title", "Performance Standard V4: first round"),
        opens_at=now + timedelta(days=opens_days),
        closes_at=now + timedelta(days=closes_days),
        round_number=round_number,
        justification=fields.pop(
            "justification", "" if closes_days - opens_days >= 60 else "Short for tests."
        ),
        **fields,
    )
    with db.session(write=True) as session:
        return create_consultation(session, data)


def outbox(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def csrf(client: TestClient, path: str = "/auth/login") -> str:
    return csrf_from(client.get(path).text)


def sign_in(client: TestClient, db: Database, user: User) -> None:
    """Sign in through the real link flow, with a token we know."""
    token = f"test-token-{user.id}-{os.urandom(4).hex()}"
    with db.session(write=True) as session:
        session.add(
            SignInToken(
                email=user.email,
                token_hash=hash_token(token),
                expires_at=utcnow() + timedelta(minutes=30),
            )
        )
    page = client.get(f"/auth/link/{token}")
    assert page.status_code == 200, page.text
    response = client.post(
        f"/auth/link/{token}", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def run_async(coroutine):
    """Run a coroutine on a thread of its own: Playwright's sync API keeps an event loop in the
    main thread for the whole session, where asyncio.run() would refuse to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- a live server ----------------------------------------------------------------------------


@pytest.fixture
def live_socket():
    """A listening socket on a free loopback port, handed to uvicorn (no port race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    yield sock
    sock.close()


@contextmanager
def serving(app, sock: socket.socket, url: str):
    """Serve `app` with uvicorn in a background thread until the block ends."""
    config = uvicorn.Config(
        app,
        lifespan="on",
        ws="none",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while True:
        if not thread.is_alive():
            pytest.fail("the live server stopped while starting; see the captured log")
        if server.started:
            try:
                with urllib.request.urlopen(f"{url}/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"the live server did not answer on {url} within 15 s")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    assert not thread.is_alive(), "the live server did not shut down"


# --- a real SMTP server -----------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server) -> Settings:
    return replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port)
