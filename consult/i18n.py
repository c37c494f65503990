"""Translations: gettext catalogs loaded from the `.po` files, and the locale of the moment.

The active locale lives in a context variable set per request (and per email rendered), so
templates, services' error messages and mail all speak the reader's language.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}

_translations: dict[str, NullTranslations] = {}
_current: ContextVar[str] = ContextVar("consult_locale", default="en")


def load_catalogs(languages: tuple[str, ...]) -> None:
    """Compile each language's `.po` file in memory; English is the source language."""
    for language in languages:
        po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
        if language == "en" or not po_path.exists():
            _translations[language] = NullTranslations()
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        _translations[language] = Translations(buffer)


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(language: str) -> Iterator[None]:
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def set_locale(language: str) -> None:
    _current.set(language)


def _active() -> NullTranslations:
    return _translations.get(_current.get()) or NullTranslations()


def gettext(message: str) -> str:
    return _active().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _active().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _active().pgettext(context, message)


class LazyString:
    """A message translated when it is shown, in the reader's language, not when it is made."""

    __slots__ = ("message", "params")

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params

    def __str__(self) -> str:
        text = gettext(self.message)
        if not self.params:
            return text
        # Numbers are written the reader's way: 20,000 in English, 20 000 in French.
        params = {
            name: format_decimal(value, locale=current_locale())
            if isinstance(value, int)
            else str(value)
            for name, value in self.params.items()
        }
        return text % params

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)

    def __repr__(self) -> str:
        return f"LazyString({self.message!r})"


def lazy_gettext(message: str, **params: object) -> LazyString:
    return LazyString(message, **params)


def negotiate(accept_language: str, languages: tuple[str, ...], default: str) -> str:
    preferred = []
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip()
        if tag and tag != "*":
            preferred.append(tag.replace("-", "_"))
    return negotiate_locale(preferred, list(languages), sep="_") or default


def country_names(language: str) -> list[tuple[str, str]]:
    """ISO 3166 alpha-2 codes with their names in `language`, sorted by name."""
    territories = Locale.parse(language).territories
    pairs = [
        (code, name) for code, name in territories.items() if len(code) == 2 and code.isalpha()
    ]
    # Not countries: the EU, the eurozone, the UN, "unknown region", pseudo-regions.
    excluded = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}
    return sorted(((c, n) for c, n in pairs if c not in excluded), key=lambda p: p[1])


def country_name(code: str | None, language: str | None = None) -> str:
    if not code:
        return ""
    return Locale.parse(language or current_locale()).territories.get(code, code)
