"""The secretariat's response log: list, filter, edit a response in place, see its history."""

from __future__ import annotations

from starlette.responses import Response

from consult.accounts.models import STAKEHOLDER_CATEGORIES
from consult.accounts.views import sign_in_required
from consult.consultations.models import COMMENT_KINDS
from consult.consultations.services import get_consultation
from consult.errors import PermissionDenied, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.page_cache import cached_page
from consult.responses import services
from consult.responses.models import DISPOSITIONS, FIELD_LABELS
from consult.responses.permissions import can_edit_response, can_view_response_log
from consult.web import Ctx, is_htmx, page, redirect, view

RESPONSE_FIELDS = (
    "disposition",
    "response_markdown",
    "referred_to",
    "assignee_id",
    "confidential_summary",
    "themes",
)


def secretariat_only(ctx: Ctx, allowed: bool) -> Response | None:
    """Send an anonymous visitor to sign in (for GET) and refuse everyone else without the
    secretariat role."""
    if allowed:
        return None
    if ctx.user is None and ctx.request.method == "GET":
        return sign_in_required(ctx)
    raise PermissionDenied(
        _l("Only the secretariat can see or change the response log. Sign in if you are on it.")
    )


def _base(ctx: Ctx) -> dict:
    summary = get_consultation(ctx.db, ctx.param("slug"))
    choices = services.filter_choices(ctx.db, summary.consultation)
    return {
        "summary": summary,
        "dispositions": DISPOSITIONS,
        "kinds": COMMENT_KINDS,
        "categories": STAKEHOLDER_CATEGORIES,
        **choices,
        "staff_names": {str(person.id): person.display_name for person in choices["staff"]},
        "group_titles": {group.id: group.title for group in choices["groups"]},
    }


@cached_page
@view
def response_log(ctx: Ctx) -> Response:
    if refused := secretariat_only(ctx, can_view_response_log(ctx.user)):
        return refused
    context = _base(ctx)
    filters = services.LogFilters.from_query(ctx.request.query_params)
    consultation = context["summary"].consultation
    context.update(
        log=services.response_log(ctx.db, consultation, filters),
        pending=services.pending_count(ctx.db, consultation),
    )
    return page(ctx, "responses/log.html", context, partial="responses/_log_table.html")


def _edit_context(ctx: Ctx, values: dict | None = None, errors: dict | None = None) -> dict:
    context = _base(ctx)
    row = services.log_row(ctx.db, context["summary"].consultation, ctx.param("reference"))
    if values is None:
        current = row.response
        values = {
            "disposition": row.disposition,
            "response_markdown": current.response_markdown if current else "",
            "referred_to": current.referred_to if current else "",
            "assignee_id": str(current.assignee_id or "") if current else "",
            "confidential_summary": current.confidential_summary if current else "",
            "themes": "; ".join(row.themes),
        }
    context.update(
        row=row,
        values=values,
        errors=errors or {},
        field_labels=FIELD_LABELS,
        history=services.history(ctx.db, row.comment),
    )
    return context


@view
def edit_response(ctx: Ctx) -> Response:
    """GET: the form (a table row for htmx; `?view=row` gives the row back). POST: save."""
    if refused := secretariat_only(ctx, can_edit_response(ctx.user)):
        return refused
    if ctx.request.method == "GET":
        context = _edit_context(ctx)
        if ctx.request.query_params.get("view") == "row":
            return page(ctx, "responses/edit.html", context, partial="responses/_row.html")
        return page(ctx, "responses/edit.html", context, partial="responses/_edit_row.html")
    values = {name: ctx.value(name) for name in RESPONSE_FIELDS}
    context = _edit_context(ctx, values)
    try:
        services.record_response(ctx.db, context["row"].comment, values, ctx.user)
    except ValidationError as error:
        context["errors"] = error.errors
        return page(
            ctx,
            "responses/edit.html",
            context,
            partial="responses/_edit_row.html",
            status_code=422,
        )
    if is_htmx(ctx.request):
        context = _edit_context(ctx)
        return page(ctx, "responses/edit.html", context, partial="responses/_row.html")
    ctx.flash(_l("The response to %(ref)s is saved.", ref=context["row"].comment.reference))
    return redirect(
        ctx.url("responses:edit", slug=ctx.param("slug"), reference=ctx.param("reference"))
    )
