"""Translations: the French catalog is complete, correct and current, and pages follow the
reader's language: their own choice first, else their browser's.

When a test here fails because a string is missing, run `make messages`, then translate the new
entries in consult/locale/fr/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import csrf

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "consult" / "locale"
POT_PATH = LOCALE_DIR / "messages.pot"
FR_PATH = LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po"

# A printf-style conversion: %(name)s, %d, %.1f, and the escaped percent sign %%.
CONVERSION = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?(?P<type>[a-zA-Z%])"
)


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def placeholders(text: str) -> Counter:
    """The named and positional conversions in `text`, leaving out the literal `%%`."""
    return Counter(
        (match["name"], match["type"]) for match in CONVERSION.finditer(text) if match[0] != "%%"
    )


def has_stray_percent(text: str) -> bool:
    """A `%` that is not part of a conversion breaks `text % values`, which Jinja's newstyle
    gettext applies to every template string."""
    return "%" in CONVERSION.sub("", text)


def pairs(message: Message) -> list[tuple[str, str]]:
    """Each translation with the source text it must match: for plurals, the first form
    against the singular and the others against the plural."""
    if isinstance(message.id, tuple):
        singular, plural = message.id[0], message.id[1]
        return [(singular if i == 0 else plural, s) for i, s in enumerate(message.string)]
    return [(message.id, message.string)]


def label(message: Message) -> str:
    return repr(message.id[0] if isinstance(message.id, tuple) else message.id)


def extract_messages() -> dict[str, str | tuple[str, ...]]:
    """Every message in the code and templates, found the way `make messages` finds them
    (same babel.cfg), keyed by singular msgid."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename="babel.cfg")
    found = {}
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        key = message[0] if isinstance(message, tuple) else message
        if key:
            found[key] = message
    return found


@pytest.fixture(scope="module")
def french() -> Catalog:
    return read_catalog(FR_PATH, locale="fr")


@pytest.fixture(scope="module")
def extracted() -> dict[str, str | tuple[str, ...]]:
    return extract_messages()


# --- the French catalog --------------------------------------------------------------------------


def test_french_catalog_has_french_plural_rules(french):
    assert str(french.locale) == "fr"
    assert french.num_plurals == 2
    assert french.plural_expr == "(n > 1)"


def test_every_french_message_is_translated_and_not_fuzzy(french):
    messages = [m for m in french if m.id]
    assert messages, "the French catalog is empty"
    assert not french.fuzzy, "the catalog header is marked fuzzy"
    fuzzy = [label(m) for m in messages if m.fuzzy]
    assert not fuzzy, f"fuzzy entries (translations are not used until checked): {fuzzy}"
    untranslated = [
        label(m)
        for m in messages
        if not all(text.strip() for text in (m.string if m.pluralizable else [m.string]))
    ]
    assert not untranslated, f"untranslated in {FR_PATH.name}: {untranslated}"


def test_plural_messages_have_every_french_form(french):
    plurals = [m for m in french if m.id and m.pluralizable]
    assert plurals, "expected at least one plural message"
    wrong = [label(m) for m in plurals if len(m.string) != french.num_plurals]
    assert not wrong, f"plural entries without {french.num_plurals} forms: {wrong}"


def test_french_placeholders_match_the_english(french):
    problems = []
    for message in french:
        if not message.id:
            continue
        for source, translation in pairs(message):
            if placeholders(source) != placeholders(translation):
                problems.append(
                    f"{label(message)}: {sorted(placeholders(source).elements())} "
                    f"!= {sorted(placeholders(translation).elements())}"
                )
            if not has_stray_percent(source) and has_stray_percent(translation):
                problems.append(f"{label(message)}: lone '%' in {translation!r} (write '%%')")
    assert not problems, "placeholder mismatches:\n" + "\n".join(problems)


def test_babel_finds_no_format_errors(french):
    errors = [f"{label(message)}: {errs}" for message, errs in french.check()]
    assert not errors, "\n".join(errors)


# --- the catalog is up to date -------------------------------------------------------------------


def test_extraction_finds_python_and_template_strings(extracted):
    # One string from each place `babel.cfg` covers, so a broken mapping cannot pass unnoticed.
    assert "Choose a language." in extracted  # _l() in Python
    # i18n.lazy_gettext() in Python
    assert "Something went wrong on our side. Please try again in a moment." in extracted
    assert "Public consultations on draft standards" in extracted  # _() in an .html template
    assert "Your sign-in link for Consult" in extracted  # _() in an email .txt template
    assert extracted["%(num)d comment"] == ("%(num)d comment", "%(num)d comments")  # ngettext


def test_every_extracted_message_is_in_the_french_catalog(extracted, french):
    missing = sorted(key for key in extracted if key not in french)
    assert not missing, (
        f"{len(missing)} message(s) not in {FR_PATH.relative_to(ROOT)}; run `make messages` "
        f"and translate them:\n" + "\n".join(f"  {key!r}" for key in missing)
    )
    plural_changed = sorted(
        key
        for key, message in extracted.items()
        if isinstance(message, tuple) != french[key].pluralizable
        or (isinstance(message, tuple) and french[key].id != message)
    )
    assert not plural_changed, (
        f"singular/plural forms changed; run `make messages`: {plural_changed}"
    )


def test_template_pot_matches_the_code(extracted):
    template = read_catalog(POT_PATH)
    in_pot = {m.id[0] if isinstance(m.id, tuple) else m.id for m in template if m.id}
    missing = sorted(set(extracted) - in_pot)
    stale = sorted(in_pot - set(extracted))
    assert not missing and not stale, (
        f"{POT_PATH.relative_to(ROOT)} is out of date; run `make messages`.\n"
        f"missing: {missing}\nno longer used: {stale}"
    )


# --- pages in the reader's language -------------------------------------------------------------

ENGLISH_HEADING = "Public consultations on draft standards"
FRENCH_HEADING = "Consultations publiques sur des projets de normes"


def language_of(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', html)
    assert match, "page has no <html lang>"
    return match.group(1)


def test_home_page_follows_accept_language(client):
    french_page = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert french_page.status_code == 200
    assert language_of(french_page.text) == "fr"
    assert f">{FRENCH_HEADING}</h1>" in french_page.text
    assert ENGLISH_HEADING not in french_page.text
    assert "Se connecter" in french_page.text

    english_page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert language_of(english_page.text) == "en"
    assert f">{ENGLISH_HEADING}</h1>" in english_page.text


def test_messages_from_python_code_are_translated(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "fr"})
    assert page.status_code == 404
    assert language_of(page.text) == "fr"
    assert "Il n’y a rien à cette adresse." in page.text


def test_language_switcher_remembers_the_choice(client):
    token = csrf(client)
    switched = client.post(
        "/language",
        data={"csrf_token": token, "language": "fr", "next": "/"},
        headers={"Accept-Language": "en"},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/"

    # The choice outlasts the request and beats what the browser asks for.
    for path in ("/", "/", "/auth/login"):
        page = client.get(path, headers={"Accept-Language": "en"})
        assert language_of(page.text) == "fr", path
    assert FRENCH_HEADING in client.get("/", headers={"Accept-Language": "en"}).text

    back = client.post(
        "/language",
        data={"csrf_token": token, "language": "en", "next": "/"},
        headers={"Accept-Language": "fr"},
        follow_redirects=False,
    )
    assert back.status_code == 303
    for _ in range(2):
        page = client.get("/", headers={"Accept-Language": "fr"})
        assert language_of(page.text) == "en"
        assert f">{ENGLISH_HEADING}</h1>" in page.text


def test_language_switcher_ignores_unknown_languages(client):
    token = csrf(client)
    client.post("/language", data={"csrf_token": token, "language": "xx", "next": "/"})
    page = client.get("/", headers={"Accept-Language": "fr"})
    assert language_of(page.text) == "fr"


def test_emails_are_rendered_in_the_recipients_language(app):
    subject, body = app.state.outbox.render(
        "sign_in", {"link": "http://testserver/auth/link/abc", "minutes": 30}, "fr"
    )
    assert subject == "Votre lien de connexion à Consult"
    assert "Bonjour," in body
    assert "dans les 30 minutes" in body
    english_subject, _ = app.state.outbox.render(
        "sign_in", {"link": "http://testserver/auth/link/abc", "minutes": 30}, "en"
    )
    assert english_subject == "Your sign-in link for Consult"
