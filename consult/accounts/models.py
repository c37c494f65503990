"""People who use Consult, and their one-time sign-in links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from consult.i18n import lazy_gettext as _l
from consult.sqltypes import UTCDateTime, utcnow

# The six ASI membership classes first, then those who are not members.
MEMBER_CATEGORIES = {
    "production_transformation": _l("Production and Transformation"),
    "industrial_users": _l("Industrial Users"),
    "downstream_supporters": _l("Downstream Supporters"),
    "associations": _l("Associations"),
    "civil_society": _l("Civil Society"),
    "general_supporters": _l("General Supporters"),
}
NON_MEMBER_CATEGORIES = {
    "indigenous_peoples": _l("Indigenous Peoples / affected community"),
    "government": _l("Government"),
    "academia": _l("Academia and research"),
    "individual": _l("Individual"),
    "other": _l("Other"),
}
STAKEHOLDER_CATEGORIES = {**MEMBER_CATEGORIES, **NON_MEMBER_CATEGORIES}


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    organisation: str = Field(default="", max_length=200)
    stakeholder_category: str | None = Field(default=None, max_length=40)
    country: str | None = Field(default=None, max_length=2)
    language: str = Field(default="en", max_length=10)
    is_secretariat: bool = Field(default=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    profile_completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

    @property
    def has_profile(self) -> bool:
        return self.profile_completed_at is not None

    @property
    def display_name(self) -> str:
        return self.name or self.email


class SignInToken(SQLModel, table=True):
    """A one-time sign-in link. Only the SHA-256 of the token is stored."""

    __tablename__ = "sign_in_tokens"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    token_hash: str = Field(max_length=64, unique=True)
    next_path: str = Field(default="/", max_length=500)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
