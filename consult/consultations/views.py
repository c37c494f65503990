"""Public consultation pages, the comment form, receipts, and the secretariat's forms."""

from __future__ import annotations

from starlette.responses import Response

from consult.accounts.models import MEMBER_CATEGORIES, NON_MEMBER_CATEGORIES
from consult.accounts.permissions import (
    can_manage_consultations,
    can_read_comment,
    can_record_on_behalf,
)
from consult.accounts.views import profile_required, sign_in_required
from consult.consultations import services
from consult.consultations.models import COMMENT_KINDS, COMMENT_SOURCES, PUBLICATION_CHOICES
from consult.drafts.services import clauses_of, list_drafts
from consult.errors import PermissionDenied, ValidationError
from consult.i18n import country_names
from consult.i18n import lazy_gettext as _l
from consult.page_cache import cached_page
from consult.ratelimit import RateLimited
from consult.web import (
    Ctx,
    client_ip,
    hx_redirect,
    is_htmx,
    page,
    redirect,
    retry_after,
    view,
    with_next,
)

COMMENT_FIELDS = ("kind", "body", "proposed_change", "publication")
ON_BEHALF_FIELDS = (
    *COMMENT_FIELDS,
    "clause",
    "author_name",
    "author_organisation",
    "author_email",
    "stakeholder_category",
    "country",
    "source",
    "source_note",
    "received_at",
    "timezone",
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(
            _l("Only the secretariat can do this. If you are on the secretariat, sign in first.")
        )


def _choices() -> dict:
    return {"kinds": COMMENT_KINDS, "publication_choices": PUBLICATION_CHOICES}


@cached_page
@view
def home(ctx: Ctx) -> Response:
    return page(ctx, "consultations/home.html", {"groups": services.list_consultations(ctx.db)})


@cached_page
@view
def detail(ctx: Ctx) -> Response:
    summary = services.get_consultation(ctx.db, ctx.param("slug"))
    return page(
        ctx,
        "consultations/detail.html",
        {"summary": summary, "outline": services.outline(ctx.db, summary.consultation)},
    )


def _page_number(ctx: Ctx) -> int:
    raw = ctx.request.query_params.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 1


def _clause_context(ctx: Ctx, values: dict | None = None, errors: dict | None = None) -> dict:
    summary = services.get_consultation(ctx.db, ctx.param("slug"))
    clause = services.get_clause(ctx.db, summary.consultation, ctx.param("key"))
    previous, following = services.neighbours(ctx.db, clause)
    return {
        "summary": summary,
        "clause": clause,
        "previous": previous,
        "following": following,
        "comments": services.comments_on_clause(
            ctx.db, summary.consultation, clause, ctx.user, _page_number(ctx)
        ),
        "comments_shown": services.comments_visible_during(summary.consultation),
        "values": values or {"kind": "general", "publication": "named"},
        "errors": errors or {},
        **_choices(),
    }


@cached_page
@view
def clause(ctx: Ctx) -> Response:
    return page(ctx, "consultations/clause.html", _clause_context(ctx))


@view
def comment_form(ctx: Ctx) -> Response:
    """GET: the form (alone for htmx). POST: take the comment, answer with its receipt."""
    if ctx.user is None:
        if is_htmx(ctx.request):
            return hx_redirect(
                ctx.request, with_next(ctx.url("accounts:login"), ctx.request.url.path)
            )
        return sign_in_required(ctx)
    if not ctx.user.has_profile:
        return profile_required(ctx)
    if ctx.request.method == "GET":
        return page(
            ctx,
            "consultations/comment_form.html",
            _clause_context(ctx),
            partial="consultations/_comment_form.html",
        )
    values = {name: ctx.value(name) for name in COMMENT_FIELDS}
    context = _clause_context(ctx, values)
    try:
        comment = services.submit_comment(
            ctx.db,
            ctx.outbox,
            context["summary"].consultation,
            context["clause"],
            ctx.user,
            values,
            client_ip(ctx),
            ctx.settings.rate_limits,
        )
    except (services.ConsultationClosed, RateLimited) as error:
        # Refused as a whole: say why, and give the text back in the form.
        context.update(refusal=error.message)
        headers = retry_after(error) if isinstance(error, RateLimited) else None
        return page(
            ctx,
            "consultations/comment_form.html",
            context,
            partial="consultations/_comment_form.html",
            status_code=error.status_code,
            headers=headers,
        )
    except ValidationError as error:
        context.update(errors=error.errors)
        return page(
            ctx,
            "consultations/comment_form.html",
            context,
            partial="consultations/_comment_form.html",
            status_code=422,
        )
    if is_htmx(ctx.request):
        return page(
            ctx,
            "consultations/receipt.html",
            {"comment": comment, **context},
            partial="consultations/_receipt.html",
        )
    ctx.flash(_l("Thank you. Your comment is recorded as %(ref)s.", ref=comment.reference))
    return redirect(ctx.url("consultations:receipt", reference=comment.reference))


@view
def receipt(ctx: Ctx) -> Response:
    if ctx.user is None:
        return sign_in_required(ctx)
    comment, consultation, clause = services.get_comment(ctx.db, ctx.param("reference"))
    if not can_read_comment(ctx.user, comment.author_id):
        raise PermissionDenied(
            _l("This comment is visible only to its author and the secretariat.")
        )
    summary = services.get_consultation(ctx.db, consultation.slug)
    return page(
        ctx,
        "consultations/receipt.html",
        {"comment": comment, "summary": summary, "clause": clause},
    )


# --- secretariat ------------------------------------------------------------------------------


def _new_context(ctx: Ctx, values: dict, errors: dict) -> dict:
    return {"values": values, "errors": errors, "drafts": list_drafts(ctx.db)}


@view
def new_consultation(ctx: Ctx) -> Response:
    _require(can_manage_consultations(ctx.user))
    if ctx.request.method == "GET":
        values = {
            "draft": ctx.request.query_params.get("draft", ""),
            "round_number": "1",
            "timezone": "UTC",
            "show_comments": "on",
        }
        return page(ctx, "consultations/new.html", _new_context(ctx, values, {}))
    names = (
        "draft",
        "title",
        "summary",
        "opens_at",
        "closes_at",
        "timezone",
        "round_number",
        "justification",
        "show_comments",
    )
    values = {name: ctx.value(name) for name in names}
    try:
        data = _consultation_input(values)
        consultation = services.create_consultation(ctx.db, data, ctx.user.id)
    except ValidationError as error:
        return page(
            ctx, "consultations/new.html", _new_context(ctx, values, error.errors), status_code=422
        )
    ctx.flash(_l("The consultation is set up."))
    return redirect(ctx.url("consultations:detail", slug=consultation.slug))


def _consultation_input(values: dict) -> services.ConsultationInput:
    errors: dict = {}
    parsed: dict = {}
    for name in ("draft", "round_number"):
        try:
            parsed[name] = int(values[name])
        except ValueError:
            errors[name] = (
                _l("Choose a draft.") if name == "draft" else _l("The round is a number from 1 up.")
            )
    for name in ("opens_at", "closes_at"):
        try:
            parsed[name] = services.parse_instant(values[name], name, values["timezone"] or "UTC")
        except ValidationError as error:
            errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return services.ConsultationInput(
        draft_id=parsed["draft"],
        title=values["title"],
        opens_at=parsed["opens_at"],
        closes_at=parsed["closes_at"],
        round_number=parsed["round_number"],
        justification=values["justification"],
        summary=values["summary"],
        show_comments_during_period=bool(values["show_comments"]),
    )


def _on_behalf_context(ctx: Ctx, summary, values: dict, errors: dict) -> dict:
    return {
        "summary": summary,
        "clauses": clauses_of(ctx.db, summary.consultation.draft_id),
        "values": values,
        "errors": errors,
        "sources": {k: v for k, v in COMMENT_SOURCES.items() if k != "online"},
        "member_categories": MEMBER_CATEGORIES,
        "non_member_categories": NON_MEMBER_CATEGORIES,
        "countries": country_names(ctx.request.state.locale),
        **_choices(),
    }


@view
def record_on_behalf(ctx: Ctx) -> Response:
    _require(can_record_on_behalf(ctx.user))
    summary = services.get_consultation(ctx.db, ctx.param("slug"))
    if ctx.request.method == "GET":
        values = {
            "clause": ctx.request.query_params.get("clause", ""),
            "kind": "general",
            "publication": "unattributed",
            "source": "email",
            "timezone": "UTC",
        }
        return page(
            ctx, "consultations/on_behalf.html", _on_behalf_context(ctx, summary, values, {})
        )
    values = {name: ctx.value(name) for name in ON_BEHALF_FIELDS}
    try:
        comment = services.record_on_behalf(
            ctx.db, ctx.outbox, summary.consultation, ctx.user, values
        )
    except ValidationError as error:
        context = _on_behalf_context(ctx, summary, values, error.errors)
        return page(ctx, "consultations/on_behalf.html", context, status_code=422)
    ctx.flash(
        _l("Recorded as %(ref)s.", ref=comment.reference)
        if not comment.is_late
        else _l("Recorded as %(ref)s, marked late.", ref=comment.reference)
    )
    return redirect(ctx.url("consultations:receipt", reference=comment.reference))
