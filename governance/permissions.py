"""Named predicates: who may see and do what with a body's records."""

from __future__ import annotations

from dataclasses import dataclass

from consult.accounts.models import User
from consult.accounts.permissions import is_secretariat


@dataclass(frozen=True)
class Standing:
    """Who the viewer is to one body: a current member, a current chair or co-chair, staff."""

    member: bool = False
    chair: bool = False
    secretariat: bool = False


def can_manage_governance(user: User | None) -> bool:
    return is_secretariat(user)


def can_see_members_only(standing: Standing) -> bool:
    return standing.secretariat or standing.member


def can_approve_minutes(standing: Standing) -> bool:
    return standing.secretariat or standing.chair


def can_see_minutes(standing: Standing, status: str, public: bool) -> bool:
    """Drafts are for the secretariat and chairs; circulated and approved minutes for members;
    published minutes for everyone when the body makes them public."""
    if status == "published" and public:
        return True
    if status == "draft":
        return standing.secretariat or standing.chair
    return can_see_members_only(standing)
