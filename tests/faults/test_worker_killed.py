"""`consult worker` killed in the middle of a batch, against a real SMTP server, then started
again: every queued email arrives exactly once.

The kill lands while the SMTP server is holding a message before accepting it, as when a
process dies mid-conversation: that message was never accepted, so it must be sent again,
and the ones accepted before it must not be."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from consult.db import Database
from consult.mail.models import OutboxMessage
from consult.mail.outbox import Outbox
from consult.web import TEMPLATES_DIR
from tests.conftest import free_port

MESSAGES = 30
ACCEPTED_BEFORE_KILL = 10
LEASE_SECONDS = 2


class HoldingInbox:
    """Accepts messages, but holds the one after `hold_after` until told to refuse it."""

    def __init__(self, hold_after: int) -> None:
        self.received: list = []
        self.hold_after = hold_after
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if len(self.received) == self.hold_after and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Try again later"
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def start_worker(settings, smtp_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "CONSULT_DATABASE_URL": settings.database_url,
        "CONSULT_DATA_DIR": str(settings.data_dir),
        "CONSULT_SECRET_KEY": settings.secret_key,
        "CONSULT_SMTP_HOST": "127.0.0.1",
        "CONSULT_SMTP_PORT": str(smtp_port),
        "CONSULT_MAIL_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    consult = Path(sys.executable).with_name("consult")
    return subprocess.Popen(
        [str(consult), "worker"],
        env=env,
        cwd=settings.data_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def rows(database: Database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_and_restarted_delivers_every_email_once(settings):
    database = Database(settings)
    outbox = Outbox(settings, TEMPLATES_DIR)
    with database.session(write=True) as session:
        for n in range(MESSAGES):
            outbox.queue(
                session,
                f"person{n}@example.org",
                "sign_in",
                {"link": f"http://x/auth/link/{n}", "minutes": 30},
                "en",
            )
    inbox = HoldingInbox(hold_after=ACCEPTED_BEFORE_KILL)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    workers: list[subprocess.Popen] = []
    try:
        workers.append(start_worker(settings, controller.port))
        wait_for(inbox.holding.is_set, 60, "the worker to reach the held message")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        inbox.release.set()

        sent = [row for row in rows(database) if row.sent_at]
        assert len(sent) == ACCEPTED_BEFORE_KILL
        assert len(inbox.received) == ACCEPTED_BEFORE_KILL

        workers.append(start_worker(settings, controller.port))
        wait_for(lambda: all(row.sent_at for row in rows(database)), 60, "every email to go")
        workers[1].send_signal(signal.SIGTERM)
        assert workers[1].wait(timeout=15) == 0, workers[1].stderr.read().decode()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            worker.stderr.close()
        controller.stop()

    message_ids = [message["Message-ID"] for message in inbox.received]
    assert len(message_ids) == len(set(message_ids)) == MESSAGES, "lost or duplicated mail"
    assert set(message_ids) == {row.message_id for row in rows(database)}
    assert {message["To"] for message in inbox.received} == {
        f"person{n}@example.org" for n in range(MESSAGES)
    }
    database.dispose()
