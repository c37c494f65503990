"""Every table, imported in one place so metadata is complete for Alembic and the tests."""

from consult.accounts.models import SignInToken, User
from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause, Draft, Standard
from consult.mail.models import OutboxMessage

__all__ = [
    "Clause",
    "Comment",
    "Consultation",
    "Draft",
    "OutboxMessage",
    "SignInToken",
    "Standard",
    "User",
]
