"""Reading form values: dates, instants, whole numbers; every failure names its field."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from consult.db import as_id
from consult.errors import ValidationError
from consult.i18n import lazy_gettext as _l


def parse_date(text: str, field: str, required: bool = True) -> date | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise ValidationError({field: _l("Enter a date in the form 2026-03-01.")})
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {field: _l("“%(value)s” is not a date. Use the form 2026-03-01.", value=text[:40])}
        ) from None


def parse_zone(text: str, field: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo((text or "").strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {field: _l("“%(value)s” is not a timezone, such as Europe/London.", value=text[:60])}
        ) from None


def parse_local(text: str, field: str, zone: ZoneInfo) -> datetime:
    """A date and time as written on the form; without an offset it is read in `zone`."""
    text = (text or "").strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {
                field: _l(
                    "“%(value)s” is not a date and time. Use the form 2026-03-01T09:00.",
                    value=text[:40],
                )
            }
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=zone)


MAX_COUNT = 100_000


def parse_count(text: str, field: str, required: bool = True) -> int | None:
    text = (text or "").strip()
    if not text and not required:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_COUNT:
        raise ValidationError({field: _l("Enter a whole number, 0 or more.")})
    return int(text)


def parse_id(text: str, field: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    value = as_id(text)
    if value is None:
        raise ValidationError({field: _l("Choose from the list.")})
    return value


def collect(errors: dict, func, *args, **kwargs):
    """Run one parser, adding its error to `errors` instead of raising."""
    try:
        return func(*args, **kwargs)
    except ValidationError as error:
        errors.update(error.errors)
        return None
