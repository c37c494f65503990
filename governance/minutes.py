"""Minutes and their workflow: draft, circulated to members, approved, published; every
published version is kept as it was."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from consult.accounts.models import User
from consult.errors import Conflict, PermissionDenied, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.sqltypes import utcnow
from governance.meetings import MAX_TEXT, local_time
from governance.models import Body, Meeting, Minutes, MinutesComment, MinutesVersion
from governance.parsing import collect, parse_id
from governance.permissions import (
    Standing,
    can_approve_minutes,
    can_see_members_only,
    can_see_minutes,
)
from governance.services import memberships, today

NEXT_STATE = {"draft": "circulated", "circulated": "approved", "approved": "published"}


def minutes_of(session: Session, meeting: Meeting) -> Minutes | None:
    return session.exec(select(Minutes).where(Minutes.meeting_id == meeting.id)).first()


def save_text(session: Session, meeting: Meeting, text: str) -> Minutes:
    """Write or correct the minutes. Correcting approved or published minutes sends them back to
    draft; the published versions stay as they were."""
    if len(text) > MAX_TEXT * 5:
        raise ValidationError(
            {"text": _l("The minutes can be at most %(n)s characters.", n=MAX_TEXT * 5)}
        )
    if not text.strip():
        raise ValidationError({"text": _l("Write the minutes before saving them.")})
    minutes = minutes_of(session, meeting) or Minutes(meeting_id=meeting.id)
    minutes.text = text.strip()
    minutes.status = "draft"
    minutes.updated_at = utcnow()
    minutes.circulated_at = minutes.approved_at = None
    minutes.approved_by_id = minutes.approved_at_meeting_id = None
    session.add(minutes)
    session.flush()
    return minutes


def _require_state(minutes: Minutes | None, state: str) -> Minutes:
    if minutes is None:
        raise Conflict(_l("This meeting has no minutes yet."))
    if minutes.status != state:
        raise Conflict(
            _l(
                "The minutes are %(status)s; only %(expected)s minutes can take this step.",
                status=minutes.status,
                expected=state,
            )
        )
    return minutes


def circulate(session: Session, outbox, meeting: Meeting, body: Body) -> Minutes:
    """Send draft minutes to every current member for comment, by email."""
    minutes = _require_state(minutes_of(session, meeting), "draft")
    minutes.status, minutes.circulated_at = "circulated", utcnow()
    session.add(minutes)
    link = f"{outbox.settings.base_url}/meetings/{meeting.id}#minutes"
    for row in memberships(session, body, today()):
        outbox.queue(
            session,
            row.user.email,
            "governance_minutes_circulated",
            {
                "meeting": meeting,
                "body": body,
                "link": link,
                "name": row.user.display_name,
                "when": local_time(meeting),
            },
            language=row.user.language,
        )
    session.flush()
    return minutes


def approve(
    session: Session,
    meeting: Meeting,
    user: User,
    standing: Standing,
    at_meeting: str = "",
) -> Minutes:
    """Approved by a chair or co-chair of the body, or the secretariat; optionally recorded as
    approved at a later meeting of the same body. Raises PermissionDenied, Conflict."""
    if not can_approve_minutes(standing):
        raise PermissionDenied(
            _l("Only the chair, a co-chair or the secretariat can approve minutes.")
        )
    minutes = _require_state(minutes_of(session, meeting), "circulated")
    later_id = collect({}, parse_id, at_meeting, "at_meeting")
    if at_meeting.strip():
        later = session.get(Meeting, later_id) if later_id else None
        if later is None or later.body_id != meeting.body_id or later.id == meeting.id:
            raise ValidationError({"at_meeting": _l("Choose another meeting of this body.")})
        minutes.approved_at_meeting_id = later.id
    minutes.status, minutes.approved_at, minutes.approved_by_id = "approved", utcnow(), user.id
    session.add(minutes)
    session.flush()
    return minutes


def publish(session: Session, meeting: Meeting, user: User) -> MinutesVersion:
    """Store the approved text as a new published version."""
    minutes = _require_state(minutes_of(session, meeting), "approved")
    last = session.exec(
        select(func.max(MinutesVersion.version)).where(MinutesVersion.minutes_id == minutes.id)
    ).one()
    version = MinutesVersion(
        minutes_id=minutes.id, version=(last or 0) + 1, text=minutes.text, published_by_id=user.id
    )
    minutes.status = "published"
    session.add_all([minutes, version])
    session.flush()
    return version


def add_comment(
    session: Session, meeting: Meeting, user: User, standing: Standing, text: str
) -> MinutesComment:
    """A member comments on circulated minutes. Raises PermissionDenied, Conflict,
    ValidationError."""
    if not can_see_members_only(standing):
        raise PermissionDenied(_l("Only members of this body can comment on its minutes."))
    minutes = _require_state(minutes_of(session, meeting), "circulated")
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationError(
            {"comment": _l("Write your comment, in at most %(n)s characters.", n=MAX_TEXT)}
        )
    comment = MinutesComment(minutes_id=minutes.id, author_id=user.id, text=text)
    session.add(comment)
    session.flush()
    return comment


def comments(session: Session, minutes: Minutes | None) -> list[tuple[MinutesComment, User]]:
    if minutes is None:
        return []
    return list(
        session.exec(
            select(MinutesComment, User)
            .join(User, User.id == MinutesComment.author_id)
            .where(MinutesComment.minutes_id == minutes.id)
            .order_by(MinutesComment.id)
        )
    )


def versions(session: Session, minutes: Minutes | None) -> list[MinutesVersion]:
    if minutes is None:
        return []
    return list(
        session.exec(
            select(MinutesVersion)
            .where(MinutesVersion.minutes_id == minutes.id)
            .order_by(col(MinutesVersion.version).desc())
        )
    )


def published_public(
    session: Session, limit: int = 50
) -> list[tuple[MinutesVersion, Meeting, Body]]:
    """Published versions of bodies whose minutes are public, newest first: for the feed."""
    return list(
        session.exec(
            select(MinutesVersion, Meeting, Body)
            .join(Minutes, Minutes.id == MinutesVersion.minutes_id)
            .join(Meeting, Meeting.id == Minutes.meeting_id)
            .join(Body, Body.id == Meeting.body_id)
            .where(Body.minutes_public)
            .order_by(col(MinutesVersion.published_at).desc(), col(MinutesVersion.id).desc())
            .limit(limit)
        )
    )


def visible(standing: Standing, body: Body, minutes: Minutes | None) -> bool:
    return minutes is not None and can_see_minutes(standing, minutes.status, body.minutes_public)


def published_visible(standing: Standing, body: Body) -> bool:
    return can_see_minutes(standing, "published", body.minutes_public)
