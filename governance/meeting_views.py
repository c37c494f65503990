"""A meeting's page: agenda, attendance and quorum, minutes and their workflow, invitations."""

from __future__ import annotations

from sqlmodel import select
from starlette.responses import Response

from consult.consultations.models import Consultation
from consult.drafts.models import Clause, Draft, Standard
from consult.errors import Conflict, PermissionDenied, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.page_cache import cached_page
from consult.web import Ctx, is_htmx, page, redirect, view
from governance import decisions, feeds, meetings, minutes, services
from governance.models import ATTENDANCE, MINUTES_STATES, ROLES
from governance.permissions import can_manage_governance, can_see_members_only
from governance.views import require_secretariat, values_of

MEETING_FIELDS = ("title", "starts_at", "ends_at", "timezone", "place", "online_url", "languages")


def _meeting_form(ctx: Ctx, body, values: dict, errors: dict, status_code: int = 200):
    return page(
        ctx,
        "governance/meeting_form.html",
        {"body": body, "values": values, "errors": errors},
        status_code=status_code,
    )


@view
def new_meeting(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    body = services.get_body(ctx.db, ctx.param("slug"))
    if ctx.request.method == "GET":
        return _meeting_form(ctx, body, {"timezone": "UTC"}, {})
    values = values_of(ctx, MEETING_FIELDS)
    try:
        meeting = meetings.create_meeting(ctx.db, body, values)
    except ValidationError as error:
        return _meeting_form(ctx, body, values, error.errors, 422)
    ctx.flash(_l("The meeting is scheduled."))
    return redirect(ctx.url("governance:meeting", meeting_id=meeting.id))


def meeting_context(ctx: Ctx, meeting, body, **extra) -> dict:
    standing = services.standing(ctx.db, ctx.user, body)
    record = minutes.minutes_of(ctx.db, meeting)
    manage = can_manage_governance(ctx.user)
    members_only = can_see_members_only(standing)
    other_meetings = [m for m, _ in meetings.meetings_of(ctx.db, body) if m.id != meeting.id]
    return {
        "meeting": meeting,
        "body": body,
        "standing": standing,
        "manage": manage,
        "members_only": members_only,
        "agenda": meetings.agenda(ctx.db, meeting),
        "expected": meetings.expected(ctx.db, meeting, body),
        "attendance": meetings.attendance(ctx.db, meeting),
        "quorum": meetings.quorum(ctx.db, meeting, body),
        "minutes": record,
        "minutes_visible": minutes.visible(standing, body, record),
        "versions": minutes.versions(ctx.db, record)
        if minutes.published_visible(standing, body)
        else [],
        "minutes_comments": minutes.comments(ctx.db, record) if members_only else [],
        "decisions": decisions.meeting_decisions(ctx.db, meeting),
        "other_meetings": other_meetings,
        "attendance_choices": ATTENDANCE,
        "minutes_states": MINUTES_STATES,
        "roles": ROLES,
        "clauses": _clause_choices(ctx) if manage else [],
        "consultations": list(ctx.db.exec(select(Consultation).order_by(Consultation.id)))
        if manage
        else [],
        "values": extra.pop("values", {}),
        "errors": extra.pop("errors", {}),
        **extra,
    }


def _clause_choices(ctx: Ctx) -> list[tuple[int, str]]:
    rows = ctx.db.exec(
        select(Clause.id, Clause.heading, Standard.code, Draft.version_code)
        .join(Draft, Draft.id == Clause.draft_id)
        .join(Standard, Standard.id == Draft.standard_id)
        .order_by(Draft.id, Clause.position)
    )
    return [(cid, f"{code} {version} · {heading}") for cid, heading, code, version in rows]


def _load(ctx: Ctx):
    return meetings.get_meeting(ctx.db, ctx.param("meeting_id"))


def _back(ctx: Ctx, meeting, anchor: str = "") -> Response:
    return redirect(ctx.url("governance:meeting", meeting_id=meeting.id) + anchor)


def _refused(ctx: Ctx, meeting, body, error: ValidationError, values: dict) -> Response:
    context = meeting_context(ctx, meeting, body, values=values, errors=error.errors)
    return page(ctx, "governance/meeting.html", context, status_code=422)


@cached_page
@view
def meeting_detail(ctx: Ctx) -> Response:
    meeting, body = _load(ctx)
    return page(ctx, "governance/meeting.html", meeting_context(ctx, meeting, body))


@view
def add_agenda_item(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    meeting, body = _load(ctx)
    values = values_of(ctx, ("title", "text"))
    clause_ids = ctx.values("clauses")
    try:
        meetings.add_agenda_item(ctx.db, meeting, values["title"], values["text"], clause_ids)
    except ValidationError as error:
        return _refused(ctx, meeting, body, error, values)
    ctx.flash(_l("The agenda item is added."))
    return _back(ctx, meeting, "#agenda")


@view
def move_agenda_item(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    meeting, body = _load(ctx)
    meetings.move_agenda_item(ctx.db, meeting, ctx.param("item_id"), ctx.value("direction"))
    if is_htmx(ctx.request):
        context = meeting_context(ctx, meeting, body)
        return page(ctx, "governance/meeting.html", context, partial="governance/_agenda.html")
    return _back(ctx, meeting, "#agenda")


@view
def agenda_from_comments(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    meeting, body = _load(ctx)
    values = values_of(ctx, ("consultation", "clause_keys"))
    keys = values["clause_keys"].replace(",", " ").split()
    try:
        items = meetings.agenda_from_comments(ctx.db, meeting, values["consultation"], keys)
    except ValidationError as error:
        return _refused(ctx, meeting, body, error, values)
    ctx.flash(_l("%(n)s agenda items were built from the comments.", n=len(items)))
    return _back(ctx, meeting, "#agenda")


@view
def record_attendance(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    meeting, body = _load(ctx)
    values = ctx.text_fields()
    try:
        meetings.record_attendance(ctx.db, meeting, body, values)
    except ValidationError as error:
        return _refused(ctx, meeting, body, error, values)
    ctx.flash(_l("Attendance is recorded."))
    return _back(ctx, meeting, "#attendance")


@view
def save_minutes(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    meeting, body = _load(ctx)
    values = values_of(ctx, ("text",))
    try:
        minutes.save_text(ctx.db, meeting, values["text"])
    except ValidationError as error:
        return _refused(ctx, meeting, body, error, values)
    ctx.flash(_l("The minutes are saved as a draft."))
    return _back(ctx, meeting, "#minutes")


@view
def minutes_step(ctx: Ctx) -> Response:
    """circulate, approve or publish."""
    step = ctx.param("step")
    if ctx.user is None:
        raise PermissionDenied(_l("Sign in first."))
    meeting, body = _load(ctx)
    if step == "approve":
        standing = services.standing(ctx.db, ctx.user, body)
        try:
            minutes.approve(ctx.db, meeting, ctx.user, standing, ctx.value("at_meeting"))
        except ValidationError as error:
            return _refused(ctx, meeting, body, error, {"at_meeting": ctx.value("at_meeting")})
        ctx.flash(_l("The minutes are approved."))
        return _back(ctx, meeting, "#minutes")
    require_secretariat(ctx)
    if step == "circulate":
        minutes.circulate(ctx.db, ctx.outbox, meeting, body)
        ctx.flash(_l("The minutes are circulated to the members by email."))
    elif step == "publish":
        version = minutes.publish(ctx.db, meeting, ctx.user)
        ctx.flash(_l("Version %(n)s of the minutes is published.", n=version.version))
    else:
        raise Conflict(_l("Minutes can be circulated, approved or published."))
    return _back(ctx, meeting, "#minutes")


@view
def comment_on_minutes(ctx: Ctx) -> Response:
    """A member's comment on circulated minutes; htmx gets the updated list alone."""
    if ctx.user is None:
        raise PermissionDenied(_l("Sign in first."))
    meeting, body = _load(ctx)
    standing = services.standing(ctx.db, ctx.user, body)
    values = values_of(ctx, ("comment",))
    try:
        minutes.add_comment(ctx.db, meeting, ctx.user, standing, values["comment"])
    except ValidationError as error:
        context = meeting_context(ctx, meeting, body, values=values, errors=error.errors)
        return page(
            ctx,
            "governance/meeting.html",
            context,
            partial="governance/_minutes_comments.html",
            status_code=422,
        )
    if is_htmx(ctx.request):
        context = meeting_context(ctx, meeting, body)
        return page(
            ctx, "governance/meeting.html", context, partial="governance/_minutes_comments.html"
        )
    ctx.flash(_l("Your comment on the minutes is recorded."))
    return _back(ctx, meeting, "#minutes-comments")


@view
def invite(ctx: Ctx) -> Response:
    """Email every current member an invitation with the meeting as an .ics attachment."""
    require_secretariat(ctx)
    meeting, body = _load(ctx)
    count = feeds.send_invitations(ctx.db, ctx.outbox, meeting, body)
    ctx.flash(_l("%(n)s invitations are on their way.", n=count))
    return _back(ctx, meeting)
