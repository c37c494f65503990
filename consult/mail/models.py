"""The outbox: every email is a row written in the same transaction as the change behind it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from consult.sqltypes import UTCDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # Stable across retries so a receiving server can drop a duplicate delivery.
    message_id: str = Field(max_length=200, unique=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    # A sender holds a lease on the rows it claimed; a crashed sender's rows come back after it.
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    attempts: int = Field(default=0)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # One optional text attachment, such as a meeting invitation (.ics).
    attachment_name: str | None = Field(default=None, max_length=200)
    attachment_type: str | None = Field(default=None, max_length=100)
    attachment_text: str | None = Field(default=None, sa_column=Column(Text))
