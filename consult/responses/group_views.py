"""Grouping comments that raise the same point, campaign proposals, and answering a group."""

from __future__ import annotations

from starlette.responses import Response

from consult.consultations.services import get_consultation
from consult.errors import ValidationError
from consult.i18n import lazy_gettext as _l
from consult.responses import campaigns
from consult.responses.models import DISPOSITIONS
from consult.responses.permissions import can_edit_response
from consult.responses.services import filter_choices
from consult.responses.views import secretariat_only
from consult.web import Ctx, page, redirect, view


def _groups_context(ctx: Ctx, summary, values: dict, errors: dict) -> dict:
    consultation = summary.consultation
    return {
        "summary": summary,
        "groups": campaigns.list_groups(ctx.db, consultation),
        "proposals": campaigns.propose_campaigns(ctx.db, consultation),
        "values": values,
        "errors": errors,
    }


@view
def groups(ctx: Ctx) -> Response:
    """GET: groups and campaign proposals. POST: create a group (or accept a proposal)."""
    if refused := secretariat_only(ctx, can_edit_response(ctx.user)):
        return refused
    summary = get_consultation(ctx.db, ctx.param("slug"))
    if ctx.request.method == "GET":
        return page(ctx, "responses/groups.html", _groups_context(ctx, summary, {}, {}))
    values = {name: ctx.value(name) for name in ("title", "references", "campaign")}
    try:
        group = campaigns.create_group(
            ctx.db,
            summary.consultation,
            values["title"],
            values["references"].replace(",", " ").split(),
            ctx.user,
            is_campaign=values["campaign"] == "1",
        )
    except ValidationError as error:
        context = _groups_context(ctx, summary, values, error.errors)
        return page(ctx, "responses/groups.html", context, status_code=422)
    ctx.flash(_l("The group “%(title)s” is created.", title=group.title))
    return redirect(ctx.url("responses:group", slug=summary.consultation.slug, group_id=group.id))


@view
def group(ctx: Ctx) -> Response:
    """GET: a group's comments and the form to answer them all. POST: answer them all."""
    if refused := secretariat_only(ctx, can_edit_response(ctx.user)):
        return refused
    summary = get_consultation(ctx.db, ctx.param("slug"))
    found = campaigns.get_group(ctx.db, summary.consultation, ctx.param("group_id"))
    context = {
        "summary": summary,
        "group": found,
        "comments": campaigns.members(ctx.db, found),
        "dispositions": DISPOSITIONS,
        "staff": filter_choices(ctx.db, summary.consultation)["staff"],
        "values": {"disposition": "pending"},
        "errors": {},
    }
    if ctx.request.method == "GET":
        return page(ctx, "responses/group.html", context)
    values = {
        name: ctx.value(name)
        for name in ("disposition", "response_markdown", "referred_to", "assignee_id")
    }
    try:
        answered = campaigns.answer_group(ctx.db, found, values, ctx.user)
    except ValidationError as error:
        context.update(values=values, errors=error.errors)
        return page(ctx, "responses/group.html", context, status_code=422)
    ctx.flash(_l("The response is recorded on %(n)s comments.", n=len(answered)))
    return redirect(ctx.url("responses:group", slug=summary.consultation.slug, group_id=found.id))
