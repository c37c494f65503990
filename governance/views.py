"""Bodies: the list, a body's page with its balance, and the secretariat's forms."""

from __future__ import annotations

from starlette.responses import Response

from consult.accounts.models import MEMBER_CATEGORIES, NON_MEMBER_CATEGORIES
from consult.errors import PermissionDenied, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.page_cache import cached_page
from consult.web import Ctx, page, redirect, view
from governance import decisions, meetings, services
from governance.models import ACTION_STATES, BODY_KINDS, ROLES
from governance.permissions import can_manage_governance, can_see_members_only

BODY_FIELDS = (
    "name",
    "code",
    "kind",
    "description",
    "seats",
    "terms",
    "terms_from",
    "quorum_minimum",
    "quorum_each_category",
    "minutes_public",
)
MEMBER_FIELDS = (
    "email",
    "name",
    "role",
    "seat",
    "stakeholder_category",
    "term_start",
    "term_end",
    "conflict_of_interest",
)


def require_secretariat(ctx: Ctx) -> None:
    if not can_manage_governance(ctx.user):
        raise PermissionDenied(
            _l("Only the secretariat can do this. If you are on the secretariat, sign in first.")
        )


def values_of(ctx: Ctx, names) -> dict[str, str]:
    return {name: ctx.value(name) for name in names}


@cached_page
@view
def bodies(ctx: Ctx) -> Response:
    rows = [(body, services.balance(ctx.db, body)) for body in services.list_bodies(ctx.db)]
    return page(ctx, "governance/bodies.html", {"rows": rows, "kinds": BODY_KINDS})


@cached_page
@view
def body_detail(ctx: Ctx) -> Response:
    body = services.get_body(ctx.db, ctx.param("slug"))
    return page(ctx, "governance/body.html", body_context(ctx, body))


def body_context(ctx: Ctx, body, **extra) -> dict:
    day = services.today()
    standing = services.standing(ctx.db, ctx.user, body)
    history = services.terms_history(ctx.db, body)
    members_only = can_see_members_only(standing)
    return {
        "body": body,
        "kinds": BODY_KINDS,
        "roles": ROLES,
        "standing": standing,
        "members_only": members_only,
        "manage": can_manage_governance(ctx.user),
        "balance": services.balance(ctx.db, body, day),
        "members": services.memberships(ctx.db, body, day),
        "terms": services.current_terms(history, day),
        "terms_history": history,
        "meetings": meetings.meetings_of(ctx.db, body),
        "decisions": decisions.register(ctx.db, body_slug=body.slug, limit=20),
        "actions": decisions.actions(ctx.db, body) if members_only else [],
        "today": day,
        "action_states": ACTION_STATES,
        "values": extra.pop("values", {}),
        "errors": extra.pop("errors", {}),
        **extra,
    }


@view
def new_body(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    context = {"kinds": BODY_KINDS, "errors": {}}
    if ctx.request.method == "GET":
        values = {"kind": "committee", "quorum_minimum": "1", "minutes_public": "on"}
        return page(ctx, "governance/body_form.html", {**context, "values": values})
    values = values_of(ctx, BODY_FIELDS)
    try:
        body = services.create_body(ctx.db, values, ctx.user)
    except ValidationError as error:
        context.update(values=values, errors=error.errors)
        return page(ctx, "governance/body_form.html", context, status_code=422)
    ctx.flash(_l("The body is set up."))
    return redirect(ctx.url("governance:body", slug=body.slug))


@view
def add_terms(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    body = services.get_body(ctx.db, ctx.param("slug"))
    values = values_of(ctx, ("terms", "effective_from"))
    try:
        services.add_terms(ctx.db, body, values["terms"], values["effective_from"], ctx.user)
    except ValidationError as error:
        context = body_context(ctx, body, values=values, errors=error.errors)
        return page(ctx, "governance/body.html", context, status_code=422)
    ctx.flash(_l("The new terms of reference are recorded."))
    return redirect(ctx.url("governance:body", slug=body.slug))


def _member_context(ctx: Ctx, body, values: dict, errors: dict) -> dict:
    return {
        "body": body,
        "values": values,
        "errors": errors,
        "roles": ROLES,
        "seats": services.seat_categories(ctx.db, body),
        "member_categories": MEMBER_CATEGORIES,
        "non_member_categories": NON_MEMBER_CATEGORIES,
    }


@view
def end_term(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    body = services.get_body(ctx.db, ctx.param("slug"))
    membership_id = ctx.param("membership_id")
    field = f"term_end-{membership_id}"
    try:
        services.end_term(ctx.db, body, membership_id, ctx.value("term_end"))
    except ValidationError as error:
        context = body_context(
            ctx, body, values={field: ctx.value("term_end")}, errors=error.errors
        )
        return page(ctx, "governance/body.html", context, status_code=422)
    ctx.flash(_l("The term is ended."))
    return redirect(ctx.url("governance:body", slug=body.slug) + "#members")


@view
def add_member(ctx: Ctx) -> Response:
    require_secretariat(ctx)
    body = services.get_body(ctx.db, ctx.param("slug"))
    if ctx.request.method == "GET":
        values = {"role": "member", "term_start": services.today().isoformat()}
        return page(ctx, "governance/member_form.html", _member_context(ctx, body, values, {}))
    values = values_of(ctx, MEMBER_FIELDS)
    try:
        services.add_member(ctx.db, body, values)
    except ValidationError as error:
        context = _member_context(ctx, body, values, error.errors)
        return page(ctx, "governance/member_form.html", context, status_code=422)
    ctx.flash(_l("The member is added."))
    return redirect(ctx.url("governance:body", slug=body.slug))
