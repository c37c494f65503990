"""Passwordless sign-in, profiles and secretariat accounts."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlmodel import Session, select

from consult.accounts.models import STAKEHOLDER_CATEGORIES, SignInToken, User
from consult.errors import DomainError, ValidationError
from consult.i18n import country_names
from consult.i18n import lazy_gettext as _l
from consult.ratelimit import SIGN_IN_LINKS_PER_ADDRESS, SIGN_IN_LINKS_PER_IP, consume
from consult.sqltypes import utcnow

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 200


class InvalidSignInLink(DomainError):
    status_code = 410


def normalize_email(email: str) -> str:
    return email.strip().lower()


def validate_email(email: str) -> str:
    email = normalize_email(email)
    if not EMAIL.match(email) or len(email) > 320:
        raise ValidationError({"email": _l("Enter an email address such as name@example.org.")})
    return email


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_sign_in_link(
    session: Session,
    outbox,
    email: str,
    next_path: str,
    minutes: int,
    language: str,
    client_ip: str = "",
    rate_limits: bool = True,
) -> None:
    """Mail a one-time link to `email`. The same thing happens whether or not an account
    exists, so the answer never tells anyone who has one. Raises ValidationError, and
    RateLimited when the address or the client asks too often."""
    email = validate_email(email)
    consume(
        session,
        [
            (f"sign-in:address:{email}", SIGN_IN_LINKS_PER_ADDRESS),
            (f"sign-in:ip:{client_ip}", SIGN_IN_LINKS_PER_IP),
        ],
        rate_limits,
    )
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        SignInToken(
            email=email,
            token_hash=hash_token(token),
            next_path=next_path,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    user = session.exec(select(User).where(User.email == email)).first()
    outbox.queue(
        session,
        email,
        "sign_in",
        {"link": f"{outbox.settings.base_url}/auth/link/{token}", "minutes": minutes},
        language=user.language if user else language,
    )


def check_sign_in_link(session: Session, token: str) -> SignInToken:
    """Raises InvalidSignInLink when the link is unknown, used or expired."""
    row = session.exec(
        select(SignInToken).where(SignInToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        raise InvalidSignInLink(_l("This sign-in link is not valid. Ask for a new one below."))
    if row.used_at is not None:
        raise InvalidSignInLink(
            _l("This sign-in link has already been used. Each link works once: ask for a new one.")
        )
    if row.expires_at <= utcnow():
        raise InvalidSignInLink(
            _l("This sign-in link has expired (links last 30 minutes). Ask for a new one.")
        )
    return row


def redeem_sign_in_link(session: Session, token: str) -> tuple[User, str]:
    """Use the link once; returns the (possibly new) user and where to go next."""
    row = check_sign_in_link(session, token)
    row.used_at = utcnow()
    session.add(row)
    user = session.exec(select(User).where(User.email == row.email)).first()
    if user is None:
        user = User(email=row.email)
        session.add(user)
        session.flush()
    return user, row.next_path


def validate_profile(values: dict[str, str], languages: tuple[str, ...]) -> dict[str, str]:
    errors: dict = {}
    cleaned = {
        "name": values.get("name", "").strip(),
        "organisation": values.get("organisation", "").strip(),
        "stakeholder_category": values.get("stakeholder_category", ""),
        "country": values.get("country", "").upper(),
        "language": values.get("language", ""),
    }
    if not cleaned["name"]:
        errors["name"] = _l("Enter your name.")
    elif len(cleaned["name"]) > MAX_NAME:
        errors["name"] = _l("Your name can be at most %(n)s characters.", n=MAX_NAME)
    if len(cleaned["organisation"]) > MAX_NAME:
        errors["organisation"] = _l("The organisation can be at most %(n)s characters.", n=MAX_NAME)
    if cleaned["stakeholder_category"] not in STAKEHOLDER_CATEGORIES:
        errors["stakeholder_category"] = _l("Choose the stakeholder category that fits you best.")
    if cleaned["country"] not in {code for code, _ in country_names("en")}:
        errors["country"] = _l("Choose your country.")
    if cleaned["language"] not in languages:
        errors["language"] = _l("Choose a language.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def update_profile(
    session: Session, user: User, values: dict[str, str], languages: tuple[str, ...]
) -> User:
    for name, value in validate_profile(values, languages).items():
        setattr(user, name, value)
    if user.profile_completed_at is None:
        user.profile_completed_at = utcnow()
    session.add(user)
    return user


def create_staff(session: Session, email: str, name: str) -> User:
    """Make `email` a secretariat account, creating it or promoting an existing one."""
    email = validate_email(email)
    user = session.exec(select(User).where(User.email == email)).first() or User(email=email)
    user.is_secretariat = True
    if name.strip():
        user.name = name.strip()[:MAX_NAME]
    session.add(user)
    session.flush()
    return user
