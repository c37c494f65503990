"""Bodies and their members, meetings with agenda and attendance, minutes with published
versions, the decision register and action items."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from consult.i18n import lazy_gettext as _l
from consult.sqltypes import UTCDateTime, utcnow

BODY_KINDS = {
    "board": _l("Board"),
    "committee": _l("Committee"),
    "working_group": _l("Working group"),
    "advisory_forum": _l("Advisory forum"),
    "other": _l("Other"),
}
ROLES = {
    "chair": _l("Chair"),
    "co_chair": _l("Co-chair"),
    "member": _l("Member"),
    "alternate": _l("Alternate"),
    "observer": _l("Observer"),
    "secretariat": _l("Secretariat"),
}
# Who holds a seat and counts for balance, quorum and votes.
VOTING_ROLES = ("chair", "co_chair", "member")
CHAIR_ROLES = ("chair", "co_chair")
ATTENDANCE = {
    "present": _l("Present"),
    "apologies": _l("Apologies"),
    "absent": _l("Absent"),
    "represented": _l("Represented by an alternate"),
}
MINUTES_STATES = {
    "draft": _l("Draft"),
    "circulated": _l("Circulated to members"),
    "approved": _l("Approved"),
    "published": _l("Published"),
}
DECISION_METHODS = {
    "consensus": _l("Consensus"),
    "vote": _l("Vote"),
}
ACTION_STATES = {
    "open": _l("Open"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
}


def _created() -> Field:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Body(SQLModel, table=True):
    __tablename__ = "gov_bodies"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    name: str = Field(max_length=200, unique=True)
    # Prefix of decision numbers: "SC" gives SC-2026-014.
    code: str = Field(max_length=20, unique=True)
    kind: str = Field(max_length=30)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Whether approved, published minutes are public; otherwise members and secretariat only.
    minutes_public: bool = Field(default=True)
    quorum_minimum: int = Field(default=1)
    quorum_each_category: bool = Field(default=False)
    created_at: datetime = _created()


class DecisionCounter(SQLModel, table=True):
    """The last decision number a body handed out in a year; only ever goes up."""

    __tablename__ = "gov_decision_counters"
    __table_args__ = (UniqueConstraint("body_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="gov_bodies.id")
    year: int
    last: int = Field(default=0)


class TermsOfReference(SQLModel, table=True):
    """One dated version of a body's terms of reference; the newest in force is current."""

    __tablename__ = "gov_terms"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="gov_bodies.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    effective_from: date = Field(sa_column=Column(Date, nullable=False))
    created_at: datetime = _created()
    created_by_id: int | None = Field(default=None, foreign_key="users.id")


class SeatCategory(SQLModel, table=True):
    """The composition rule: so many seats for this body's own category label."""

    __tablename__ = "gov_seat_categories"
    __table_args__ = (UniqueConstraint("body_id", "label"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="gov_bodies.id", index=True)
    label: str = Field(max_length=120)
    seats: int
    position: int = Field(default=0)


class Membership(SQLModel, table=True):
    __tablename__ = "gov_memberships"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="gov_bodies.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    seat_category_id: int | None = Field(default=None, foreign_key="gov_seat_categories.id")
    role: str = Field(max_length=20)
    stakeholder_category: str | None = Field(default=None, max_length=40)
    term_start: date = Field(sa_column=Column(Date, nullable=False))
    term_end: date | None = Field(default=None, sa_column=Column(Date))
    conflict_of_interest: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    created_at: datetime = _created()

    @property
    def votes(self) -> bool:
        return self.role in VOTING_ROLES

    def current_on(self, day: date) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)


class Meeting(SQLModel, table=True):
    __tablename__ = "gov_meetings"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="gov_bodies.id", index=True)
    title: str = Field(max_length=300)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # The zone the meeting is held in: calendar entries carry it as TZID.
    timezone: str = Field(default="UTC", max_length=60)
    place: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500)
    languages: str = Field(default="", max_length=200)
    created_at: datetime = _created()


class AgendaItem(SQLModel, table=True):
    __tablename__ = "gov_agenda_items"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="gov_meetings.id", index=True)
    position: int
    title: str = Field(max_length=300)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class AgendaClause(SQLModel, table=True):
    """A clause of a draft that an agenda item discusses."""

    __tablename__ = "gov_agenda_clauses"
    __table_args__ = (UniqueConstraint("agenda_item_id", "clause_id"),)

    id: int | None = Field(default=None, primary_key=True)
    agenda_item_id: int = Field(foreign_key="gov_agenda_items.id", index=True)
    clause_id: int = Field(foreign_key="clauses.id", index=True)


class Attendance(SQLModel, table=True):
    __tablename__ = "gov_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "membership_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="gov_meetings.id", index=True)
    membership_id: int = Field(foreign_key="gov_memberships.id", index=True)
    status: str = Field(max_length=20)
    represented_by_id: int | None = Field(default=None, foreign_key="gov_memberships.id")


class Minutes(SQLModel, table=True):
    __tablename__ = "gov_minutes"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="gov_meetings.id", unique=True)
    status: str = Field(default="draft", max_length=20)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_at: datetime = _created()
    circulated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    approved_by_id: int | None = Field(default=None, foreign_key="users.id")
    # Minutes approved at a later meeting record which one.
    approved_at_meeting_id: int | None = Field(default=None, foreign_key="gov_meetings.id")


class MinutesComment(SQLModel, table=True):
    """A member's comment on circulated minutes, for the secretariat to take in."""

    __tablename__ = "gov_minutes_comments"

    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="gov_minutes.id", index=True)
    author_id: int = Field(foreign_key="users.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _created()


class MinutesVersion(SQLModel, table=True):
    """A published version of minutes; never changed once written."""

    __tablename__ = "gov_minutes_versions"
    __table_args__ = (UniqueConstraint("minutes_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="gov_minutes.id", index=True)
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime = _created()
    published_by_id: int | None = Field(default=None, foreign_key="users.id")


class Decision(SQLModel, table=True):
    __tablename__ = "gov_decisions"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="gov_bodies.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="gov_meetings.id", index=True)
    number: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=300)
    text: str = Field(sa_column=Column(Text, nullable=False))
    deliberations: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    method: str = Field(max_length=20)
    votes_for: int | None = Field(default=None)
    votes_against: int | None = Field(default=None)
    votes_abstain: int | None = Field(default=None)
    decided_on: date = Field(sa_column=Column(Date, nullable=False))
    review_on: date | None = Field(default=None, sa_column=Column(Date))
    standard_id: int | None = Field(default=None, foreign_key="standards.id", index=True)
    consultation_id: int | None = Field(default=None, foreign_key="consultations.id")
    created_at: datetime = _created()
    created_by_id: int | None = Field(default=None, foreign_key="users.id")


class DecisionLink(SQLModel, table=True):
    """A clause or comment that a decision settles."""

    __tablename__ = "gov_decision_links"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="gov_decisions.id", index=True)
    clause_id: int | None = Field(default=None, foreign_key="clauses.id")
    comment_id: int | None = Field(default=None, foreign_key="comments.id")


class ActionItem(SQLModel, table=True):
    __tablename__ = "gov_actions"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="gov_bodies.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="gov_meetings.id")
    title: str = Field(max_length=300)
    owner_id: int = Field(foreign_key="users.id", index=True)
    due_on: date = Field(sa_column=Column(Date, nullable=False))
    status: str = Field(default="open", max_length=20)
    created_at: datetime = _created()

    def overdue_on(self, day: date) -> bool:
        return self.status == "open" and self.due_on < day
