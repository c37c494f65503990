"""Rate limits counted in the database, so every web process shares them.

A limit is a number of events per key in a sliding window. Hitting it raises RateLimited,
which views answer with 429 and the user's text kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Index, delete, func
from sqlmodel import Field, Session, SQLModel, select

from consult.errors import DomainError
from consult.i18n import lazy_gettext as _l
from consult.sqltypes import UTCDateTime, utcnow


class RateEvent(SQLModel, table=True):
    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=400)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta


# Generous enough that nobody meets them by hand; tight enough to stop a script.
SIGN_IN_LINKS_PER_ADDRESS = Limit(5, timedelta(minutes=15))
SIGN_IN_LINKS_PER_IP = Limit(30, timedelta(minutes=15))
COMMENTS_PER_ACCOUNT = Limit(30, timedelta(minutes=10))
COMMENTS_PER_IP = Limit(120, timedelta(minutes=10))


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after.total_seconds() / 60))
        super().__init__(
            _l(
                "Too many attempts in a short time. Please wait %(minutes)s minutes and try again.",
                minutes=minutes,
            )
        )


def consume(session: Session, checks: list[tuple[str, Limit]], enabled: bool = True) -> None:
    """Count one event against every key, or raise RateLimited without counting any."""
    if not enabled:
        return
    now = utcnow()
    for key, limit in checks:
        since = now - limit.window
        session.exec(delete(RateEvent).where(RateEvent.key == key, RateEvent.at < since))
        count, oldest = session.exec(
            select(func.count(RateEvent.id), func.min(RateEvent.at)).where(RateEvent.key == key)
        ).one()
        if count >= limit.count:
            raise RateLimited(oldest + limit.window - now)
    for key, _limit in checks:
        session.add(RateEvent(key=key, at=now))
