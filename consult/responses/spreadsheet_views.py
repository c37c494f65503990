"""Downloading the response log to work offline, uploading it back, and importing comments
received offline in the ISO commenting template."""

from __future__ import annotations

from starlette.responses import Response

from consult.consultations.models import COMMENT_SOURCES, PUBLICATION_CHOICES
from consult.consultations.services import get_consultation
from consult.errors import ValidationError
from consult.i18n import lazy_gettext as _l
from consult.responses import iso_import, spreadsheets
from consult.responses.models import DISPOSITIONS
from consult.responses.permissions import can_edit_response, can_view_response_log
from consult.responses.synopsis_views import _attachment
from consult.responses.views import secretariat_only
from consult.web import Ctx, page, view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@view
def export_csv(ctx: Ctx) -> Response:
    if refused := secretariat_only(ctx, can_view_response_log(ctx.user)):
        return refused
    consultation = get_consultation(ctx.db, ctx.param("slug")).consultation
    return _attachment(
        spreadsheets.export_csv(ctx.db, consultation),
        "text/csv; charset=utf-8",
        f"{consultation.slug}-responses.csv",
    )


@view
def export_xlsx(ctx: Ctx) -> Response:
    if refused := secretariat_only(ctx, can_view_response_log(ctx.user)):
        return refused
    consultation = get_consultation(ctx.db, ctx.param("slug")).consultation
    return _attachment(
        spreadsheets.export_xlsx(ctx.db, consultation), XLSX, f"{consultation.slug}-responses.xlsx"
    )


def read_upload(ctx: Ctx) -> tuple[str, bytes] | None:
    upload = ctx.upload("file")
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.file.read()


@view(upload=True)
def upload_log(ctx: Ctx) -> Response:
    if refused := secretariat_only(ctx, can_edit_response(ctx.user)):
        return refused
    summary = get_consultation(ctx.db, ctx.param("slug"))
    context = {
        "summary": summary,
        "report": None,
        "row_errors": [],
        "message": "",
        "dispositions": DISPOSITIONS,
    }
    if ctx.request.method == "GET":
        return page(ctx, "responses/upload.html", context)
    received = read_upload(ctx)
    if received is None:
        context["message"] = _l("Choose the CSV or XLSX file to upload.")
        return page(ctx, "responses/upload.html", context, status_code=400)
    try:
        rows = spreadsheets.read_table(*received)
        context["report"] = spreadsheets.import_log(ctx.db, summary.consultation, rows, ctx.user)
    except spreadsheets.InvalidRows as error:
        context.update(row_errors=error.errors, message=error.message)
        return page(ctx, "responses/upload.html", context, status_code=422)
    except spreadsheets.BadFile as error:
        context["message"] = error.message
        return page(ctx, "responses/upload.html", context, status_code=400)
    return page(ctx, "responses/upload.html", context)


def _import_context(ctx: Ctx, summary, values: dict, **extra) -> dict:
    return {
        "summary": summary,
        "values": values,
        "errors": {},
        "row_errors": [],
        "message": "",
        "imported": None,
        "sources": {k: v for k, v in COMMENT_SOURCES.items() if k != "online"},
        "publications": PUBLICATION_CHOICES,
        **extra,
    }


@view(upload=True)
def import_iso(ctx: Ctx) -> Response:
    """Import comments received offline, laid out like the ISO commenting template."""
    if refused := secretariat_only(ctx, can_edit_response(ctx.user)):
        return refused
    summary = get_consultation(ctx.db, ctx.param("slug"))
    if ctx.request.method == "GET":
        values = {"source": "email", "publication": "unattributed"}
        return page(ctx, "responses/import.html", _import_context(ctx, summary, values))
    values = {name: ctx.value(name) for name in ("source", "publication", "note")}
    try:
        options = iso_import.check_options(values)
    except ValidationError as error:
        context = _import_context(ctx, summary, values, errors=error.errors)
        return page(ctx, "responses/import.html", context, status_code=422)
    received = read_upload(ctx)
    try:
        if received is None:
            raise spreadsheets.BadFile(_l("Choose the CSV or XLSX file to upload."))
        rows = spreadsheets.read_table(*received)
        comments = iso_import.import_comments(ctx.db, summary.consultation, rows, options, ctx.user)
    except spreadsheets.InvalidRows as error:
        context = _import_context(
            ctx, summary, values, row_errors=error.errors, message=error.message
        )
        return page(ctx, "responses/import.html", context, status_code=422)
    except spreadsheets.BadFile as error:
        context = _import_context(ctx, summary, values, message=error.message)
        return page(ctx, "responses/import.html", context, status_code=400)
    context = _import_context(ctx, summary, values, imported=comments)
    return page(ctx, "responses/import.html", context)
