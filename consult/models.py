"""Every table, imported in one place so metadata is complete for Alembic and the tests."""

from consult.accounts.models import SignInToken, User
from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause, Draft, Standard
from consult.mail.models import OutboxMessage
from consult.ratelimit import RateEvent
from consult.responses.models import (
    CommentGroup,
    CommentTheme,
    Response,
    ResponseHistory,
    Synopsis,
    Theme,
)
from consult.search.models import IndexEntry
from governance.models import (
    ActionItem,
    AgendaClause,
    AgendaItem,
    Attendance,
    Body,
    Decision,
    DecisionCounter,
    DecisionLink,
    Meeting,
    Membership,
    Minutes,
    MinutesComment,
    MinutesVersion,
    SeatCategory,
    TermsOfReference,
)

__all__ = [
    "ActionItem",
    "AgendaClause",
    "AgendaItem",
    "Attendance",
    "Body",
    "Decision",
    "DecisionCounter",
    "DecisionLink",
    "Meeting",
    "Membership",
    "Minutes",
    "MinutesComment",
    "MinutesVersion",
    "SeatCategory",
    "TermsOfReference",
    "Clause",
    "Comment",
    "CommentGroup",
    "CommentTheme",
    "Consultation",
    "Draft",
    "IndexEntry",
    "OutboxMessage",
    "RateEvent",
    "Response",
    "ResponseHistory",
    "SignInToken",
    "Standard",
    "Synopsis",
    "Theme",
    "User",
]
