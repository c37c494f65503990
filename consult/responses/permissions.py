"""Who may see and change the response log and publish the synopsis."""

from __future__ import annotations

from consult.accounts.models import User
from consult.accounts.permissions import is_secretariat


def can_view_response_log(user: User | None) -> bool:
    return is_secretariat(user)


def can_edit_response(user: User | None) -> bool:
    """Only the secretariat answers comments, before and after the consultation closes."""
    return is_secretariat(user)


def can_publish_synopsis(user: User | None) -> bool:
    return is_secretariat(user)
