"""The index queue: written in the same transaction as the record it points at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from consult.sqltypes import UTCDateTime, utcnow

# A queue entry of this kind asks for the whole index to be rebuilt.
REBUILD = "*"


class IndexEntry(SQLModel, table=True):
    __tablename__ = "search_queue"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    record_id: int = Field(default=0)
    queued_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
