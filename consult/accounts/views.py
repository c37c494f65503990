"""Sign-in by emailed link, sign-out, profile, account page and the language switcher."""

from __future__ import annotations

import secrets

from starlette.responses import Response

from consult.accounts import services
from consult.accounts.models import MEMBER_CATEGORIES, NON_MEMBER_CATEGORIES
from consult.consultations.services import comments_by_author
from consult.errors import ValidationError
from consult.i18n import country_names
from consult.i18n import lazy_gettext as _l
from consult.ratelimit import RateLimited
from consult.web import Ctx, client_ip, page, redirect, retry_after, safe_next, view, with_next

PROFILE_FIELDS = ("name", "organisation", "stakeholder_category", "country", "language")


def sign_in_required(ctx: Ctx) -> Response:
    """Send a visitor to sign in, coming back here afterwards."""
    ctx.flash(_l("Sign in to continue. We will email you a link; no password needed."), "info")
    return redirect(with_next(ctx.url("accounts:login"), ctx.request.url.path))


def profile_required(ctx: Ctx) -> Response:
    ctx.flash(
        _l("Complete your profile first: the secretariat needs it to weigh every comment."), "info"
    )
    return redirect(with_next(ctx.url("accounts:profile"), ctx.request.url.path))


@view
def login(ctx: Ctx) -> Response:
    next_path = safe_next(ctx.value("next") or ctx.request.query_params.get("next"))
    values = {"email": ctx.value("email"), "next": next_path}
    if ctx.request.method == "GET":
        return page(ctx, "accounts/login.html", {"values": values, "errors": {}})
    try:
        services.request_sign_in_link(
            ctx.db,
            ctx.outbox,
            values["email"],
            next_path,
            ctx.settings.login_link_minutes,
            ctx.request.state.locale,
            client_ip(ctx),
            ctx.settings.rate_limits,
        )
    except ValidationError as error:
        return page(
            ctx, "accounts/login.html", {"values": values, "errors": error.errors}, status_code=422
        )
    except RateLimited as error:
        context = {"values": values, "errors": {}, "problem": error.message}
        return page(
            ctx, "accounts/login.html", context, status_code=429, headers=retry_after(error)
        )
    return page(
        ctx, "accounts/link_sent.html", {"email": services.normalize_email(values["email"])}
    )


@view
def sign_in_link(ctx: Ctx) -> Response:
    token = ctx.param("token")
    try:
        if ctx.request.method == "GET":
            # Opening the link only shows a button: mail scanners that follow links must not
            # use it up.
            services.check_sign_in_link(ctx.db, token)
            return page(ctx, "accounts/confirm_link.html", {"token": token})
        user, next_path = services.redeem_sign_in_link(ctx.db, token)
    except services.InvalidSignInLink as error:
        context = {"values": {"email": "", "next": "/"}, "errors": {}, "problem": error.message}
        return page(ctx, "accounts/login.html", context, status_code=error.status_code)
    session = ctx.request.session
    session.clear()
    session["user_id"] = user.id
    session["csrf"] = secrets.token_urlsafe(32)
    session["language"] = user.language if user.has_profile else ctx.request.state.locale
    if not user.has_profile:
        return redirect(with_next(ctx.url("accounts:profile"), next_path))
    ctx.flash(_l("You are signed in."))
    return redirect(safe_next(next_path))


@view
def logout(ctx: Ctx) -> Response:
    language = ctx.request.session.get("language")
    ctx.request.session.clear()
    if language:
        ctx.request.session["language"] = language
    ctx.flash(_l("You are signed out."))
    return redirect(ctx.url("home"))


def _profile_context(ctx: Ctx, values: dict, errors: dict) -> dict:
    return {
        "values": values,
        "errors": errors,
        "member_categories": MEMBER_CATEGORIES,
        "non_member_categories": NON_MEMBER_CATEGORIES,
        "countries": country_names(ctx.request.state.locale),
        "first_time": not ctx.user.has_profile,
    }


@view
def profile(ctx: Ctx) -> Response:
    if ctx.user is None:
        return sign_in_required(ctx)
    next_path = safe_next(
        ctx.value("next") or ctx.request.query_params.get("next"), ctx.url("accounts:account")
    )
    if ctx.request.method == "GET":
        values = {name: getattr(ctx.user, name) or "" for name in PROFILE_FIELDS}
        values["language"] = (
            values["language"] if ctx.user.has_profile else ctx.request.state.locale
        )
        values["next"] = next_path
        return page(ctx, "accounts/profile.html", _profile_context(ctx, values, {}))
    values = {name: ctx.value(name) for name in PROFILE_FIELDS} | {"next": next_path}
    try:
        services.update_profile(ctx.db, ctx.user, values, ctx.settings.languages)
    except ValidationError as error:
        return page(
            ctx,
            "accounts/profile.html",
            _profile_context(ctx, values, error.errors),
            status_code=422,
        )
    ctx.request.session["language"] = ctx.user.language
    ctx.flash(_l("Your profile is saved."))
    return redirect(next_path)


@view
def account(ctx: Ctx) -> Response:
    if ctx.user is None:
        return sign_in_required(ctx)
    return page(ctx, "accounts/account.html", {"comments": comments_by_author(ctx.db, ctx.user)})


@view
def set_language(ctx: Ctx) -> Response:
    language = ctx.value("language")
    if language in ctx.settings.languages:
        ctx.request.session["language"] = language
        if ctx.user is not None:
            ctx.user.language = language
            ctx.db.add(ctx.user)
    return redirect(safe_next(ctx.value("next")))
