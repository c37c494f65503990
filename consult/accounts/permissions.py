"""Named predicates: who may do what. Views ask these, never test roles themselves."""

from __future__ import annotations

from consult.accounts.models import User


def is_signed_in(user: User | None) -> bool:
    return user is not None


def is_secretariat(user: User | None) -> bool:
    return user is not None and user.is_secretariat


def can_import_drafts(user: User | None) -> bool:
    return is_secretariat(user)


def can_manage_consultations(user: User | None) -> bool:
    return is_secretariat(user)


def can_record_on_behalf(user: User | None) -> bool:
    return is_secretariat(user)


def can_read_comment(user: User | None, author_id: int | None) -> bool:
    """A comment's own record (its receipt, a confidential text) is for its author and the
    secretariat only."""
    return is_secretariat(user) or (
        user is not None and author_id is not None and user.id == author_id
    )
