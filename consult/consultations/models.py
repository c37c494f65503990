"""Consultation rounds on a draft, and the comments received on its clauses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from consult.i18n import lazy_gettext as _l
from consult.sqltypes import UTCDateTime, utcnow

COMMENT_KINDS = {
    "general": _l("General"),
    "technical": _l("Technical"),
    "editorial": _l("Editorial"),
}
PUBLICATION_CHOICES = {
    "named": _l("Publish with my name and organisation"),
    "unattributed": _l("Publish without attribution"),
    "confidential": _l("Confidential to the secretariat"),
}
# How a comment reached the secretariat; "online" is the public form.
COMMENT_SOURCES = {
    "online": _l("Online form"),
    "email": _l("Email"),
    "letter": _l("Letter"),
    "workshop": _l("Workshop"),
    "community_meeting": _l("Community meeting"),
    "other": _l("Other"),
}


class Consultation(SQLModel, table=True):
    __tablename__ = "consultations"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    draft_id: int = Field(foreign_key="drafts.id", index=True)
    title: str = Field(max_length=300)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    round_number: int = Field(default=1)
    opens_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Why a round is shorter than the ISEAL minimum; shown publicly.
    justification: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    show_comments_during_period: bool = Field(default=True)
    reference_prefix: str = Field(max_length=60)
    # The next receipt number; only ever goes up, so a reference is never reused.
    next_receipt: int = Field(default=1)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    created_by_id: int | None = Field(default=None, foreign_key="users.id")


class Comment(SQLModel, table=True):
    __tablename__ = "comments"
    # The outline's counts per clause and a clause page's comments read only that clause's.
    __table_args__ = (Index("ix_comments_consultation_clause", "consultation_id", "clause_id"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=80, unique=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    clause_id: int = Field(foreign_key="clauses.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    kind: str = Field(max_length=20)
    body: str = Field(sa_column=Column(Text, nullable=False))
    proposed_change: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    publication: str = Field(max_length=20)
    # Who the commenter was when they commented, kept with the comment for the record.
    author_name: str = Field(default="", max_length=200)
    author_organisation: str = Field(default="", max_length=200)
    author_email: str = Field(default="", max_length=320)
    stakeholder_category: str | None = Field(default=None, max_length=40)
    country: str | None = Field(default=None, max_length=2)
    source: str = Field(default="online", max_length=30)
    source_note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    recorded_by_id: int | None = Field(default=None, foreign_key="users.id")
    is_late: bool = Field(default=False)
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
