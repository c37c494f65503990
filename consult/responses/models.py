"""The secretariat's response to each comment, its history, themes, groups and the synopsis."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from consult.i18n import lazy_gettext as _l
from consult.sqltypes import UTCDateTime, utcnow

# A comment with no Response row is pending.
DISPOSITIONS = {
    "pending": _l("Pending"),
    "accepted": _l("Accepted"),
    "partially_accepted": _l("Partially accepted"),
    "not_accepted": _l("Not accepted"),
    "noted": _l("Noted"),
    "out_of_scope": _l("Out of scope"),
}
# Fields whose every change is kept in ResponseHistory.
TRACKED_FIELDS = (
    "disposition",
    "response_markdown",
    "referred_to",
    "assignee_id",
    "group_id",
    "confidential_summary",
)

FIELD_LABELS = {
    "disposition": _l("Disposition"),
    "response_markdown": _l("Response"),
    "referred_to": _l("Referred to"),
    "assignee_id": _l("Assignee"),
    "group_id": _l("Group"),
    "confidential_summary": _l("Summary of a confidential comment"),
    "themes": _l("Themes"),
}


class Response(SQLModel, table=True):
    """How the secretariat addressed one comment. `version` goes up on every change, so a
    spreadsheet filled in offline can tell whether the row changed online since."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_consultation_disposition", "consultation_id", "disposition"),
    )

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comments.id", unique=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    disposition: str = Field(default="pending", max_length=30)
    response_markdown: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    referred_to: str = Field(default="", max_length=200)
    assignee_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="comment_groups.id", index=True)
    # What the synopsis shows in place of a confidential comment.
    confidential_summary: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    version: int = Field(default=1)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")


class ResponseHistory(SQLModel, table=True):
    """One change to one field of a response. Rows are only ever added."""

    __tablename__ = "response_history"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comments.id", index=True)
    changed_by_id: int | None = Field(default=None, foreign_key="users.id")
    changed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    field: str = Field(max_length=40)
    before: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # "web", "spreadsheet" or "group".
    via: str = Field(default="web", max_length=20)


class Theme(SQLModel, table=True):
    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    name: str = Field(max_length=100)


class CommentTheme(SQLModel, table=True):
    __tablename__ = "comment_themes"

    comment_id: int = Field(foreign_key="comments.id", primary_key=True)
    theme_id: int = Field(foreign_key="themes.id", primary_key=True, index=True)


class CommentGroup(SQLModel, table=True):
    """Comments that raise the same point; one response answers them all."""

    __tablename__ = "comment_groups"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    title: str = Field(max_length=300)
    is_campaign: bool = Field(default=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class Synopsis(SQLModel, table=True):
    """The publication record of a consultation's synopsis."""

    __tablename__ = "synopses"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", unique=True)
    published_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    published_by_id: int | None = Field(default=None, foreign_key="users.id")
    # Why the synopsis was published while some comments were still pending.
    pending_justification: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
