"""Standards, their draft versions, and each draft's ordered tree of clauses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from consult.sqltypes import UTCDateTime, utcnow


class Standard(SQLModel, table=True):
    __tablename__ = "standards"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    slug: str = Field(max_length=200, unique=True)
    # Initials used in receipt references: "Performance Standard" -> "PS".
    code: str = Field(max_length=20)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class Draft(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("standard_id", "version_label"),)

    id: int | None = Field(default=None, primary_key=True)
    standard_id: int = Field(foreign_key="standards.id", index=True)
    version_label: str = Field(max_length=100)
    # Compact form of the label for references: "V4 draft 1" -> "V4D1".
    version_code: str = Field(max_length=30)
    previous_draft_id: int | None = Field(default=None, foreign_key="drafts.id")
    source_filename: str = Field(default="", max_length=300)
    imported_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    imported_by_id: int | None = Field(default=None, foreign_key="users.id")


class Clause(SQLModel, table=True):
    __tablename__ = "clauses"
    __table_args__ = (
        UniqueConstraint("draft_id", "key"),
        # The draft's clauses in order: the response log pages through comments by clause.
        Index("ix_clauses_draft_position", "draft_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="drafts.id", index=True)
    key: str = Field(max_length=100)
    # The clause number ("9.4") for numbered clauses; None for sections such as the Glossary.
    number: str | None = Field(default=None, max_length=50)
    title: str = Field(max_length=500)
    # The heading as the draft wrote it, "Principle 9: Human Rights"; what readers see.
    heading: str = Field(max_length=600)
    level: int
    depth: int = Field(default=0)
    position: int
    parent_key: str | None = Field(default=None, max_length=100)
    body_markdown: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    source_line: int
    predecessor_id: int | None = Field(default=None, foreign_key="clauses.id")
    # How the predecessor was found: "key" or "similarity".
    link_method: str | None = Field(default=None, max_length=20)
    link_score: float | None = Field(default=None)
