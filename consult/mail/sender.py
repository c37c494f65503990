"""Delivering the outbox: claim due rows, send them, record the outcome; retry with backoff.

Claims are leases: a sender that dies mid-batch leaves rows that come back once the lease
runs out. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several senders share the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
from anyio import to_thread
from sqlmodel import col, select

from consult.db import Database
from consult.mail.models import OutboxMessage
from consult.sqltypes import utcnow

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


class Sender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpSender:
    def __init__(self, settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            start_tls=s.smtp_tls,
            timeout=30,
        )


class ConsoleSender:
    """Without an SMTP server, mail is printed so `make run` works and links can be copied."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout

    async def send(self, message: EmailMessage) -> None:
        rule = "-" * 72
        self.stream.write(f"\n{rule}\n{message}\n{rule}\n")
        self.stream.flush()


def make_sender(settings) -> Sender:
    return SmtpSender(settings) if settings.smtp_host else ConsoleSender()


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def to_email(row: OutboxMessage, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message.set_content(row.body_text)
    if row.attachment_text is not None:
        _maintype, _, subtype = (row.attachment_type or "text/plain").partition("/")
        message.add_attachment(
            row.attachment_text,
            subtype=subtype or "plain",
            filename=row.attachment_name or "attachment.txt",
        )
    return message


def claim_batch(database: Database, limit: int = 50) -> list[OutboxMessage]:
    now = utcnow()
    lease_end = now + timedelta(seconds=database.settings.mail_lease_seconds)
    with database.session(write=True) as session:
        query = (
            select(OutboxMessage)
            .where(
                col(OutboxMessage.sent_at).is_(None),
                OutboxMessage.next_attempt_at <= now,
                (col(OutboxMessage.claimed_until).is_(None)) | (OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if not database.settings.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.exec(query))
        for row in rows:
            row.claimed_until = lease_end
            session.add(row)
    return rows


def record_outcome(database: Database, row_id: int, error: str | None) -> None:
    now = utcnow()
    with database.session(write=True) as session:
        row = session.get(OutboxMessage, row_id)
        if row is None:
            return
        row.claimed_until = None
        row.attempts += 1
        if error is None:
            row.sent_at = now
            row.last_error = ""
        else:
            row.last_error = error[:2000]
            row.next_attempt_at = now + backoff(row.attempts)
        session.add(row)


async def deliver_due(database: Database, sender: Sender, limit: int = 50) -> int:
    """Send what is due now; returns how many were delivered."""
    rows = await to_thread.run_sync(claim_batch, database, limit)
    delivered = 0
    for row in rows:
        try:
            await sender.send(to_email(row, database.settings.mail_from))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            log.warning("mail %s to %s failed: %s", row.id, row.to_address, error)
            await to_thread.run_sync(record_outcome, database, row.id, str(error) or repr(error))
            continue
        await to_thread.run_sync(record_outcome, database, row.id, None)
        delivered += 1
    return delivered


async def run_sender(
    database: Database, sender: Sender, stop: asyncio.Event, interval: float = 1.0
) -> None:
    while not stop.is_set():
        try:
            delivered = await deliver_due(database, sender)
        except Exception:  # the loop must outlive a database hiccup; the rows stay queued
            log.exception("mail delivery round failed")
            delivered = 0
        if not delivered:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
