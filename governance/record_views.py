"""The decision register, action items, and the calendar and Atom feeds."""

from __future__ import annotations

from sqlmodel import select
from starlette.responses import Response

from consult.accounts.models import User
from consult.accounts.views import sign_in_required
from consult.drafts.models import Standard
from consult.errors import PermissionDenied, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.page_cache import cached_page
from consult.web import Ctx, page, redirect, safe_next, view
from governance import decisions, feeds, meetings, minutes, services
from governance.models import ACTION_STATES, DECISION_METHODS
from governance.permissions import can_manage_governance
from governance.views import require_secretariat, values_of

DECISION_FIELDS = (
    "title",
    "text",
    "deliberations",
    "method",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "decided_on",
    "review_on",
    "meeting",
    "standard",
    "consultation",
    "clauses",
    "comments",
)
ACTION_FIELDS = ("title", "owner", "due_on", "meeting")


@cached_page
@view
def register(ctx: Ctx) -> Response:
    query = ctx.request.query_params
    filters = {name: query.get(name, "").strip() for name in ("body", "year", "standard")}
    context = {
        "filters": filters,
        "bodies": services.list_bodies(ctx.db),
        "years": decisions.years(ctx.db),
        "standards": list(ctx.db.exec(select(Standard).order_by(Standard.name))),
        "methods": DECISION_METHODS,
        "today": services.today(),
    }
    try:
        entries = decisions.register(ctx.db, filters["body"], filters["year"], filters["standard"])
    except ValidationError as error:
        context.update(entries=[], errors=error.errors)
        return page(ctx, "governance/decisions.html", context, status_code=400)
    context.update(entries=entries, errors={})
    return page(
        ctx, "governance/decisions.html", context, partial="governance/_decision_table.html"
    )


@cached_page
@view
def decision_detail(ctx: Ctx) -> Response:
    entry = decisions.get_decision(ctx.db, ctx.param("number"))
    clauses, comments = decisions.decision_links(ctx.db, entry.decision)
    return page(
        ctx,
        "governance/decision.html",
        {
            "entry": entry,
            "clauses": clauses,
            "comments": comments,
            "methods": DECISION_METHODS,
            "today": services.today(),
        },
    )


def _decision_form(ctx: Ctx, body, values, errors, status_code=200):
    context = {
        "body": body,
        "values": values,
        "errors": errors,
        "methods": DECISION_METHODS,
        "meetings": meetings.meetings_of(ctx.db, body),
        "standards": list(ctx.db.exec(select(Standard).order_by(Standard.name))),
    }
    return page(ctx, "governance/decision_form.html", context, status_code=status_code)


@view
def new_decision(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    body = services.get_body(ctx.db, ctx.param("slug"))
    if ctx.request.method == "GET":
        values = {
            "method": "consensus",
            "decided_on": services.today().isoformat(),
            "meeting": ctx.request.query_params.get("meeting", ""),
        }
        return _decision_form(ctx, body, values, {})
    values = values_of(ctx, DECISION_FIELDS)
    try:
        decision = decisions.create_decision(ctx.db, body, values, ctx.user)
    except ValidationError as error:
        return _decision_form(ctx, body, values, error.errors, 422)
    ctx.flash(_l("Decision %(number)s is recorded.", number=decision.number))
    return redirect(ctx.url("governance:decision", number=decision.number))


def _action_form(ctx: Ctx, body, values, errors, status_code=200):
    owners = [row.user for row in services.memberships(ctx.db, body, services.today())]
    owners += list(ctx.db.exec(select(User).where(User.is_secretariat)))
    context = {
        "body": body,
        "values": values,
        "errors": errors,
        "owners": list({u.id: u for u in owners}.values()),
        "meetings": meetings.meetings_of(ctx.db, body),
    }
    return page(ctx, "governance/action_form.html", context, status_code=status_code)


@view
def new_action(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    body = services.get_body(ctx.db, ctx.param("slug"))
    if ctx.request.method == "GET":
        values = {"meeting": ctx.request.query_params.get("meeting", "")}
        return _action_form(ctx, body, values, {})
    values = values_of(ctx, ACTION_FIELDS)
    try:
        decisions.create_action(ctx.db, body, values)
    except ValidationError as error:
        return _action_form(ctx, body, values, error.errors, 422)
    ctx.flash(_l("The action is recorded."))
    return redirect(ctx.url("governance:body", slug=body.slug) + "#actions")


@view
def my_actions(ctx: Ctx) -> Response:
    if ctx.user is None:
        return sign_in_required(ctx)
    rows = decisions.actions(ctx.db, owner=ctx.user)
    return page(
        ctx,
        "governance/actions.html",
        {"rows": rows, "today": services.today(), "action_states": ACTION_STATES},
    )


@view
def action_status(ctx: Ctx) -> Response:
    """The owner or the secretariat marks an action open, done or cancelled."""
    if ctx.user is None:
        raise PermissionDenied(_l("Sign in first."))
    action = decisions.get_action(ctx.db, ctx.param("action_id"))
    if not (can_manage_governance(ctx.user) or action.owner_id == ctx.user.id):
        raise PermissionDenied(_l("Only the action's owner or the secretariat can change it."))
    decisions.set_action_status(ctx.db, action, ctx.value("status"))
    ctx.flash(_l("The action is marked %(status)s.", status=ACTION_STATES[action.status]))
    return redirect(safe_next(ctx.value("next"), ctx.url("governance:actions")))


# --- feeds ------------------------------------------------------------------------------------


def _ics(content: bytes) -> Response:
    return Response(content, media_type="text/calendar; charset=utf-8")


@view
def all_meetings_ics(ctx: Ctx) -> Response:
    rows = meetings.meetings_of(ctx.db)
    return _ics(feeds.calendar(rows, ctx.settings.base_url, str(_l("Governance meetings"))))


@view
def body_meetings_ics(ctx: Ctx) -> Response:
    body = services.get_body(ctx.db, ctx.param("slug"))
    return _ics(
        feeds.calendar(meetings.meetings_of(ctx.db, body), ctx.settings.base_url, body.name)
    )


def _atom(content: bytes) -> Response:
    return Response(content, media_type="application/atom+xml; charset=utf-8")


@view
def minutes_atom(ctx: Ctx) -> Response:
    base = ctx.settings.base_url
    entries = [
        {
            "id": f"{base}/meetings/{meeting.id}#minutes-v{version.version}",
            "title": str(
                _l(
                    "%(body)s: minutes of %(meeting)s (version %(n)s)",
                    body=body.name,
                    meeting=meeting.title,
                    n=version.version,
                )
            ),
            "updated": version.published_at,
            "link": f"{base}/meetings/{meeting.id}#minutes-v{version.version}",
            "author": body.name,
            "summary": version.text[:2000],
        }
        for version, meeting, body in minutes.published_public(ctx.db)
    ]
    return _atom(
        feeds.atom(str(_l("Published minutes")), f"{base}/minutes.atom", f"{base}/bodies", entries)
    )


@view
def decisions_atom(ctx: Ctx) -> Response:
    base = ctx.settings.base_url
    entries = [
        {
            "id": f"{base}/decisions/{e.decision.number}",
            "title": f"{e.decision.number}: {e.decision.title}",
            "updated": e.decision.created_at,
            "link": f"{base}/decisions/{e.decision.number}",
            "author": e.body.name,
            "summary": e.decision.text[:2000],
        }
        for e in decisions.register(ctx.db, limit=50)
    ]
    return _atom(
        feeds.atom(str(_l("Decisions")), f"{base}/decisions.atom", f"{base}/decisions", entries)
    )
