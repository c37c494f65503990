"""Open data: streamed downloads of public comments, and the Atom feed of consultations."""

from __future__ import annotations

import re
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from consult import i18n
from consult.consultations import services
from consult.consultations.opendata import stream_csv, stream_json
from consult.errors import NotFound
from consult.sqltypes import utcnow
from consult.web import error_page

# Characters XML 1.0 cannot carry at all, even escaped: a title holding one (pasted from a word
# processor, say) would make the whole feed unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _consultation(request: Request):
    with request.app.state.db.session() as session:
        return services.get_consultation(session, request.path_params["slug"]).consultation


async def _download(request: Request, stream, media_type: str, suffix: str) -> Response:
    try:
        consultation = await run_in_threadpool(_consultation, request)
    except NotFound as error:
        return error_page(request, 404, error.message)
    filename = f"{consultation.slug}-comments.{suffix}"
    return StreamingResponse(
        stream(request.app.state.db, consultation),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Access-Control-Allow-Origin": "*",
        },
    )


async def comments_csv(request: Request) -> Response:
    return await _download(request, stream_csv, "text/csv; charset=utf-8", "csv")


async def comments_json(request: Request) -> Response:
    return await _download(request, stream_json, "application/json", "json")


def _entries(request: Request) -> list[dict]:
    i18n.set_locale(request.state.locale)
    now = utcnow()
    with request.app.state.db.session() as session:
        groups = services.list_consultations(session)
    entries = []
    for summary in [*groups["open"], *groups["upcoming"], *groups["closed"]]:
        c = summary.consultation
        link = f"{request.app.state.settings.base_url}/consultations/{c.slug}"
        opening = {
            "id": f"{link}#opens",
            "title": str(i18n.lazy_gettext("Open for comment: %(title)s", title=c.title))
            if c.opens_at <= now
            else str(i18n.lazy_gettext("Opening soon: %(title)s", title=c.title)),
            "updated": c.opens_at if c.opens_at <= now else c.created_at,
            "link": link,
            "summary": summary,
        }
        entries.append(opening)
        if c.closes_at <= now:
            entries.append(
                opening
                | {
                    "id": f"{link}#closes",
                    "title": str(i18n.lazy_gettext("Closed: %(title)s", title=c.title)),
                    "updated": c.closes_at,
                }
            )
    return sorted(entries, key=lambda e: e["updated"], reverse=True)


async def consultations_atom(request: Request) -> Response:
    entries = await run_in_threadpool(_entries, request)
    updated: datetime = entries[0]["updated"] if entries else utcnow()
    template = request.app.state.templates.get_template("consultations/feed.xml")
    body = template.render(
        request=request,
        entries=entries,
        updated=updated,
        base_url=request.app.state.settings.base_url,
    )
    return Response(NOT_XML.sub("", body), media_type="application/atom+xml; charset=utf-8")
