"""The public synopsis page, its downloads, and publishing it."""

from __future__ import annotations

from starlette.responses import Response

from consult.accounts.models import STAKEHOLDER_CATEGORIES
from consult.consultations.models import COMMENT_KINDS
from consult.consultations.services import get_consultation
from consult.errors import NotFound, ValidationError
from consult.i18n import country_name
from consult.i18n import lazy_gettext as _l
from consult.page_cache import cached_page
from consult.responses import downloads, synopsis
from consult.responses.models import DISPOSITIONS
from consult.responses.permissions import can_publish_synopsis
from consult.responses.services import pending_count
from consult.responses.views import secretariat_only
from consult.web import Ctx, format_instant, page, redirect, view


def _visible(ctx: Ctx):
    """The consultation and its publication record; the public sees a synopsis only once it
    is published, the secretariat also before."""
    summary = get_consultation(ctx.db, ctx.param("slug"))
    published = synopsis.get_synopsis(ctx.db, summary.consultation)
    if published is None and not can_publish_synopsis(ctx.user):
        raise NotFound(
            _l("The synopsis of this consultation is not published yet. Come back later.")
        )
    return summary, published


def _label(kind: str, key: str) -> str:
    if kind == "category":
        return str(STAKEHOLDER_CATEGORIES.get(key, "")) or str(_l("Not given"))
    if kind == "country":
        return country_name(key) if key else str(_l("Not given"))
    return str(COMMENT_KINDS.get(key, key))


def _charts(figures: dict) -> dict:
    charts = {}
    for kind in ("category", "country", "kind"):
        charts[kind] = [
            (_label(kind, key), comments, commenters) for key, comments, commenters in figures[kind]
        ]
    by_category: dict[str, dict[str, int]] = {}
    for category, disposition, count in figures["dispositions"]:
        by_category.setdefault(_label("category", category), {})[disposition] = count
    charts["dispositions"] = by_category
    totals: dict[str, int] = {}
    for _category, disposition, count in figures["dispositions"]:
        totals[disposition] = totals.get(disposition, 0) + count
    charts["disposition_totals"] = [
        (str(DISPOSITIONS[key]), totals[key]) for key in DISPOSITIONS if key in totals
    ]
    return charts


@cached_page
@view
def synopsis_page(ctx: Ctx) -> Response:
    summary, published = _visible(ctx)
    consultation = summary.consultation
    entries = synopsis.public_entries(ctx.db, consultation)
    context = {
        "summary": summary,
        "published": published,
        "sections": synopsis.sections(entries),
        "charts": _charts(synopsis.figures(ctx.db, consultation)),
        "dispositions": DISPOSITIONS,
        "pending": pending_count(ctx.db, consultation),
        "values": {},
        "errors": {},
    }
    return page(ctx, "responses/synopsis.html", context)


@view
def publish(ctx: Ctx) -> Response:
    if refused := secretariat_only(ctx, can_publish_synopsis(ctx.user)):
        return refused
    summary = get_consultation(ctx.db, ctx.param("slug"))
    values = {"pending_justification": ctx.value("pending_justification")}
    try:
        synopsis.publish(
            ctx.db, ctx.outbox, summary.consultation, ctx.user, values["pending_justification"]
        )
    except ValidationError as error:
        consultation = summary.consultation
        context = {
            "summary": summary,
            "published": None,
            "sections": synopsis.sections(synopsis.public_entries(ctx.db, consultation)),
            "charts": _charts(synopsis.figures(ctx.db, consultation)),
            "dispositions": DISPOSITIONS,
            "pending": pending_count(ctx.db, consultation),
            "values": values,
            "errors": error.errors,
        }
        return page(ctx, "responses/synopsis.html", context, status_code=422)
    ctx.flash(_l("The synopsis is published and every commenter is being emailed."))
    return redirect(ctx.url("responses:synopsis", slug=summary.consultation.slug))


def _download(ctx: Ctx):
    summary, published = _visible(ctx)
    entries = synopsis.public_entries(ctx.db, summary.consultation)
    return summary, published, entries


def _attachment(body, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@cached_page
@view
def synopsis_csv(ctx: Ctx) -> Response:
    summary, _published, entries = _download(ctx)
    return _attachment(
        downloads.to_csv(entries).encode("utf-8-sig"),
        "text/csv; charset=utf-8",
        f"{summary.consultation.slug}-synopsis.csv",
    )


@cached_page
@view
def synopsis_xlsx(ctx: Ctx) -> Response:
    summary, _published, entries = _download(ctx)
    return _attachment(
        downloads.to_xlsx(entries, str(_l("Synopsis"))),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{summary.consultation.slug}-synopsis.xlsx",
    )


@cached_page
@view
def synopsis_markdown(ctx: Ctx) -> Response:
    summary, published, entries = _download(ctx)
    if published:
        record, person = published
        when = _l(
            "Published on %(date)s by %(name)s.",
            date=format_instant(record.published_at).striptags(),
            name=person.display_name if person else "",
        )
    else:
        when = _l("Not published yet: preview for the secretariat.")
    title = str(_l("Synopsis: %(title)s", title=summary.consultation.title))
    return _attachment(
        downloads.to_markdown(entries, title, str(when)),
        "text/markdown; charset=utf-8",
        f"{summary.consultation.slug}-synopsis.md",
    )
