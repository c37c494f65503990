"""The secretariat's draft pages: the list, the Markdown upload, and a draft's outline."""

from __future__ import annotations

from starlette.responses import Response

from consult.accounts.permissions import can_import_drafts
from consult.db import as_id
from consult.drafts import services
from consult.drafts.parser import DraftParseError
from consult.errors import NotFound, PermissionDenied, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.web import Ctx, page, redirect, view


def _require(ctx: Ctx) -> None:
    if not can_import_drafts(ctx.user):
        raise PermissionDenied(
            _l(
                "Only the secretariat can manage drafts. If you are on the secretariat, sign in first."
            )
        )


@view
def draft_list(ctx: Ctx) -> Response:
    _require(ctx)
    return page(ctx, "drafts/list.html", {"drafts": services.list_drafts(ctx.db)})


@view(upload=True)
def import_form(ctx: Ctx) -> Response:
    _require(ctx)
    if ctx.request.method == "GET":
        return page(ctx, "drafts/import.html", {"values": {}, "errors": {}})
    values = {"standard": ctx.value("standard"), "version": ctx.value("version")}
    upload = ctx.upload("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError({"file": _l("Choose the Markdown file of the draft.")})
        source = services.decode_draft(upload.file.read(services.MAX_DRAFT_BYTES + 1))
        draft = services.import_draft(
            ctx.db, source, values["standard"], values["version"], upload.filename, ctx.user.id
        )
    except ValidationError as error:
        return page(
            ctx, "drafts/import.html", {"values": values, "errors": error.errors}, status_code=422
        )
    except DraftParseError as error:
        message = (
            _l(
                "Line %(line)s: %(problem)s. Nothing was imported; correct the file and upload it again.",
                line=error.line,
                problem=error.message,
            )
            if error.line
            else _l("%(problem)s. Nothing was imported.", problem=error.message)
        )
        return page(
            ctx,
            "drafts/import.html",
            {"values": values, "errors": {"file": message}},
            status_code=422,
        )
    ctx.flash(_l("The draft is imported. Check its outline, then open a consultation on it."))
    return redirect(ctx.url("drafts:detail", draft_id=draft.id))


@view
def draft_detail(ctx: Ctx) -> Response:
    _require(ctx)
    draft_id = as_id(ctx.param("draft_id"))
    if draft_id is None:
        raise NotFound(_l("There is no draft at this address."))
    draft, standard = services.get_draft(ctx.db, draft_id)
    clauses = services.clauses_of(ctx.db, draft.id)
    predecessor_ids = [c.predecessor_id for c in clauses if c.predecessor_id]
    predecessors = services.clauses_by_id(ctx.db, predecessor_ids)
    return page(
        ctx,
        "drafts/detail.html",
        {
            "draft": draft,
            "standard": standard,
            "clauses": clauses,
            "predecessors": predecessors,
        },
    )
