"""The injection corpus (tests/security/payloads.py) typed into every text field, and every
page, htmx fragment, email, feed, calendar, CSV, XLSX and JSON document they reach checked.

One world is built per module through the real forms (TestClient with the session's CSRF
token): each payload once per field kind, so the outputs are fetched once and checked for
every payload in them. Services are called directly only where there is no form (closing a
consultation is a matter of time, so its closing instant is moved into the past). Outputs
seen only at one moment (a receipt fragment, a refused form, an email) are kept as the world
is built and checked by the tests below. The world runs on SQLite only: escaping does not
depend on the database, and one world keeps the module near a minute.

What "escaped" means here:
- HTML: nothing a payload wrote became markup (no script but the app's own under /static, no
  on* attribute, no javascript:/vbscript:/data: URL, no iframe/object/embed/base/style...),
  and the payload's text is on the page as text (so it was shown, not dropped). Markdown
  fields must show what the Markdown renders to, which never contains raw HTML or a
  javascript: link.
- Plain-text email: the text exactly as typed (no HTML escaping), subjects on one line, no
  header a payload could add once the message is serialised for SMTP.
- Atom: well-formed XML with each payload as an element's text; iCalendar: parses, one event
  per meeting, the payload inside its property and no property it tried to add.
- CSV/XLSX: the grid intact (rows and columns), each cell the payload itself or, when a
  spreadsheet would run it as a formula, the payload behind a leading apostrophe.
- JSON: valid, each payload a string value, unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email import message_from_bytes, policy
from html import escape as html_escape
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import text
from sqlmodel import select
from starlette.testclient import TestClient

from consult.accounts.models import User
from consult.app import create_app
from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause
from consult.mail.models import OutboxMessage
from consult.mail.sender import to_email
from consult.markdown import render_markdown
from consult.responses.services import themes_of
from consult.search.index import apply_queue
from consult.sqltypes import utcnow
from governance.models import Body
from governance.services import seat_categories
from tests.conftest import (
    BACKENDS,
    _base_settings,
    csrf_from,
    make_user,
    sign_in,
    truncate_all,
)
from tests.responses.conftest import ISO_HEADER
from tests.security.payloads import PAYLOADS

ATOM = "{http://www.w3.org/2005/Atom}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The title of the consultation every comment goes to: it reaches <title>, email subjects, the
# synopsis heading and the open-data files.
HEADLINE = "</title><script>alert(1)</script> {{7*7}}\r\nBcc: evil@example.org"
N = len(PAYLOADS)
KEYS = [str(i + 1) for i in range(N)]  # the main draft's clause for each payload
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TOMORROW = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
YESTERDAY = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


# --- what the app keeps of a payload ----------------------------------------------------------


def clean(payload: str) -> str:
    """Forms drop NUL characters."""
    return payload.replace("\x00", "")


def fit(payload: str, limit: int | None = None) -> str:
    """The payload trimmed (as every field is) and cut to a field's length."""
    kept = clean(payload).strip()
    return kept[:limit].strip() if limit else kept


def oneline(payload: str) -> str:
    return " ".join(clean(payload).split())


def heading(payload: str) -> str:
    """The payload as a clause heading, which may hold 500 characters."""
    return oneline(payload)[:480].strip()


def norm(value: str) -> str:
    """Whitespace-insensitive form, for text read back from HTML."""
    return " ".join(value.split())


def md_text(source: str) -> str:
    """The visible text of a Markdown field as the page must show it."""
    return norm(BeautifulSoup(render_markdown(source), "html.parser").get_text(" "))


def guarded(value: str) -> str:
    """A spreadsheet cell: a value a spreadsheet would run gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def xlsx_safe(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def unprotect(value: str) -> str:
    """What an upload keeps of a cell: the export's apostrophe before a formula is undone."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


# --- a signed-in browser ----------------------------------------------------------------------


class Agent:
    """One browser session: signs in through the link flow and posts forms with its token."""

    def __init__(self, app, user=None) -> None:
        self.client = TestClient(app, base_url="http://testserver")
        if user is not None:
            sign_in(self.client, app.state.db, user)
        self.token = csrf_from(self.client.get("/").text)

    def get(self, path: str, *, htmx: bool = False, status: int = 200, **params):
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.client.get(path, headers=headers, params=params or None)
        assert response.status_code == status, (path, response.status_code, response.text[:3000])
        return response

    def post(self, path, data, *, htmx=False, files=None, status=303, token=True):
        headers = {"HX-Request": "true"} if htmx else {}
        form = {**data, "csrf_token": self.token} if token else data
        response = self.client.post(
            path, data=form, files=files, headers=headers, follow_redirects=False
        )
        assert response.status_code == status, (path, response.status_code, response.text[:3000])
        return response


def _location_id(response) -> str:
    return response.headers["location"].rstrip("/").rsplit("/", 1)[-1]


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    app: object
    staff: Agent
    commenter: Agent
    anonymous: Agent
    slug: str = ""  # the main consultation
    draft_id: int = 0
    headings: list[str] = field(default_factory=list)  # clause heading per payload
    bodies_md: list[str] = field(default_factory=list)  # clause Markdown per payload
    extra_slugs: list[str] = field(default_factory=list)  # one consultation per payload
    public_refs: list[str] = field(default_factory=list)  # commenter's comment per payload
    behalf_refs: list[str] = field(default_factory=list)  # confidential, recorded by staff
    iso_csv_refs: list[str] = field(default_factory=list)
    iso_xlsx: dict[int, str] = field(default_factory=dict)  # payload index -> reference
    group_ids: list[str] = field(default_factory=list)
    body_slugs: list[str] = field(default_factory=list)
    meeting_ids: list[str] = field(default_factory=list)
    decision_numbers: list[str] = field(default_factory=list)
    # Outputs seen only at one moment of the build, by kind: (payload index, response).
    snapshots: dict[str, list[tuple[int, object]]] = field(default_factory=dict)

    @property
    def db(self):
        return self.app.state.db

    def snap(self, kind: str, index: int, response) -> None:
        self.snapshots.setdefault(kind, []).append((index, response))


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("corpus")
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), folder / "consult.db")
        url = f"sqlite:///{folder / 'consult.db'}"
    else:
        url = request.getfixturevalue("pg_migrated")
        truncate_all(url)
    settings = replace(_base_settings(folder, url), rate_limits=False)
    app = create_app(settings, run_worker=False)
    with TestClient(app, base_url="http://testserver"):
        db = app.state.db
        staff = make_user(db, email="secretariat@example.org", name="Sue Staff", staff=True)
        commenter = make_user(db, email="commenter@example.org", name="Ana Commenter")
        built = World(app, Agent(app, staff), Agent(app, commenter), Agent(app))
        _build_drafts_and_consultations(built)
        _build_comments(built)
        _build_responses(built)
        _build_offline_files(built)
        _build_governance(built)
        _close_and_publish(built)
        while apply_queue(db, app.state.search_index):
            pass
        yield built
        for agent in (built.staff, built.commenter, built.anonymous):
            agent.client.close()
    app.state.db.dispose()


def _draft_markdown() -> str:
    parts = ["# Introduction", "", "Every payload of the corpus is a clause of this draft.", ""]
    for key, payload in zip(KEYS, PAYLOADS, strict=True):
        parts += [f"## {key}: {heading(payload)}", "", clean(payload), ""]
    return "\n".join(parts)


def _import_draft(agent: Agent, source: str, standard: str, version: str) -> str:
    response = agent.post(
        "/drafts/import",
        {"standard": standard, "version": version},
        files={"file": ("draft.md", source.encode(), "text/markdown")},
    )
    return _location_id(response)


def _new_consultation(agent: Agent, draft_id: str, title: str, **fields) -> str:
    data = {
        "draft": draft_id,
        "title": title,
        "summary": "",
        "opens_at": YESTERDAY,
        "closes_at": (utcnow() + timedelta(days=61)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",
        "round_number": "1",
        "justification": "",
        "show_comments": "on",
    } | fields
    return _location_id(agent.post("/consultations/new", data))


def _build_drafts_and_consultations(w: World) -> None:
    w.draft_id = int(_import_draft(w.staff, _draft_markdown(), "Performance Standard", "V4 d1"))
    w.slug = _new_consultation(w.staff, str(w.draft_id), HEADLINE, summary="The main round.")
    with w.db.session() as session:
        clauses = {
            c.key: c for c in session.exec(select(Clause).where(Clause.draft_id == w.draft_id))
        }
    w.headings = [clauses[key].heading for key in KEYS]
    w.bodies_md = [clauses[key].body_markdown for key in KEYS]
    for i, payload in enumerate(PAYLOADS):
        # Standard slugs must differ (see the report on slug collisions): the number keeps them so.
        draft_id = _import_draft(
            w.staff,
            f"# Scope\n\n{clean(payload)}\n",
            f"{fit(payload, 180)} (S{i})",
            fit(payload, 100),
        )
        short = (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
        w.extra_slugs.append(
            _new_consultation(
                w.staff,
                draft_id,
                fit(payload, 300),
                summary=clean(payload),
                justification=clean(payload),
                closes_at=short,
            )
        )


def _build_comments(w: World) -> None:
    slug = w.slug
    for i, payload in enumerate(PAYLOADS):
        profile = {
            "name": fit(payload, 200),
            "organisation": fit(payload, 200),
            "stakeholder_category": "civil_society",
            "country": "BR",
            "language": "en",
            "next": "/account",
        }
        w.commenter.post("/account/profile", profile)
        w.snap("account", i, w.commenter.get("/account"))
        path = f"/consultations/{slug}/clauses/{KEYS[i]}/comment"
        comment = {"kind": "technical", "body": payload, "proposed_change": payload}
        refused = w.commenter.post(
            path, comment | {"publication": "everyone"}, htmx=True, status=422
        )
        w.snap("comment-refused", i, refused)
        w.snap("csrf-refused", i, w.commenter.post(path, comment, status=403, token=False))
        receipt = w.commenter.post(path, comment | {"publication": "named"}, htmx=True, status=200)
        w.snap("receipt-fragment", i, receipt)
        reference = BeautifulSoup(receipt.text, "html.parser").select_one("#receipt-reference")
        w.public_refs.append(reference.text.strip())
        behalf = {
            "clause": KEYS[i],
            "kind": "general",
            "body": payload,
            "proposed_change": payload,
            "publication": "confidential",
            # A name or organisation has room for 200 characters; longer is refused.
            "author_name": behalf_name(i),
            "author_organisation": behalf_name(i),
            "author_email": f"behalf{i}@example.org",
            "stakeholder_category": "government",
            "country": "FR",
            "source": "letter",
            "source_note": payload,
            "received_at": "",
            "timezone": "UTC",
        }
        recorded = w.staff.post(f"/consultations/{slug}/record", behalf)
        w.behalf_refs.append(_location_id(recorded))
        w.snap("behalf-receipt", i, w.staff.get(recorded.headers["location"]))


def _build_responses(w: World) -> None:
    base = f"/consultations/{w.slug}/responses"
    for i, payload in enumerate(PAYLOADS):
        answer = {
            "disposition": "not_accepted",
            "response_markdown": payload,
            "referred_to": fit(payload, 200),
            "assignee_id": "",
            "themes": payload,
        }
        row = w.staff.post(f"{base}/{w.public_refs[i]}", answer, htmx=True, status=200)
        w.snap("log-row", i, row)
        summary = {"disposition": "noted", "response_markdown": payload, "referred_to": ""}
        summary |= {"assignee_id": "", "themes": "", "confidential_summary": payload}
        w.staff.post(f"{base}/{w.behalf_refs[i]}", summary)
        group = {"title": fit(payload, 300), "campaign": ""}
        group["references"] = f"{w.public_refs[i]} {w.behalf_refs[i]}"
        w.group_ids.append(_location_id(w.staff.post(f"{base}/groups", group)))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _xlsx_bytes(rows: list[list[str]]) -> bytes:
    """Every cell typed as text, as a person typing into a spreadsheet with formula cells
    formatted as text would; openpyxl would otherwise store "=..." as a formula."""
    workbook = Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


LOG_HEADER = ["reference", "version", "disposition", "response", "referred_to", "themes"]
LOG_HEADER += ["confidential_summary"]


def _iso_rows(indexes: list[int]) -> list[list[str]]:
    rows = [ISO_HEADER]
    for i in indexes:
        p = clean(PAYLOADS[i])
        rows.append([p, "7", KEYS[i], p, "te", p, p, p])
    return rows


def _log_rows(references: list[str], indexes: list[int]) -> list[list[str]]:
    rows = [LOG_HEADER]
    for reference, i in zip(references, indexes, strict=True):
        p = clean(PAYLOADS[i])
        rows.append([reference, "0", "partially_accepted", p, p[:200], p, ""])
    return rows


def _new_comment_refs(w: World, after: set[str]) -> list[str]:
    with w.db.session() as session:
        rows = session.exec(select(Comment.reference).order_by(Comment.id))
        return [ref for ref in rows if ref not in after]


def _build_offline_files(w: World) -> None:
    base = f"/consultations/{w.slug}/responses"
    options = {"source": "workshop", "publication": "named", "note": ""}
    everyone = list(range(N))
    # XLSX cannot hold control characters at all: those payloads go by CSV only.
    in_xlsx = [i for i in everyone if not ILLEGAL_CHARACTERS_RE.search(clean(PAYLOADS[i]))]
    for name, indexes, build in (("csv", everyone, _csv_bytes), ("xlsx", in_xlsx, _xlsx_bytes)):
        before = set(_new_comment_refs(w, set()))
        upload = {"file": (f"iso.{name}", build(_iso_rows(indexes)), "application/octet-stream")}
        w.snap(f"iso-{name}", 0, w.staff.post(f"{base}/import", options, files=upload, status=200))
        references = _new_comment_refs(w, before)
        assert len(references) == len(indexes), f"the ISO {name} import missed rows"
        if name == "csv":
            w.iso_csv_refs = references
        else:
            w.iso_xlsx = dict(zip(indexes, references, strict=True))
        log = {"file": (f"log.{name}", build(_log_rows(references, indexes)), "text/plain")}
        uploaded = w.staff.post(f"{base}/upload", {}, files=log, status=200)
        w.snap(f"log-upload-{name}", 0, uploaded)
        report = BeautifulSoup(uploaded.text, "html.parser").select_one("#upload-report")
        assert report is not None and f"{len(indexes)} rows applied" in report.text, report


FEED_ENTRIES = 50  # the Atom feeds of minutes and decisions carry the latest 50


def _build_governance(w: World) -> None:
    staff_id = _user_id(w, "secretariat@example.org")
    for i, payload in enumerate(PAYLOADS):
        _build_body(w, i, payload, staff_id)
        if (i + 1) % FEED_ENTRIES == 0:  # keep the feeds as they were, for the older entries
            w.snap("minutes.atom", i, w.anonymous.get("/minutes.atom"))
            w.snap("decisions.atom", i, w.anonymous.get("/decisions.atom"))


def _user_id(w: World, email: str) -> int:
    with w.db.session() as session:
        return session.exec(select(User.id).where(User.email == email)).one()


def _build_body(w: World, i: int, payload: str, staff_id: int) -> None:
    p = clean(payload)
    seat = oneline(payload)[:120]
    body = {
        "name": fit(payload, 200),
        "code": f"B{i}",
        "kind": "committee",
        "description": p,
        "seats": f"{seat}: 2",
        "terms": p,
        "terms_from": "",
        "quorum_minimum": "1",
        "minutes_public": "on",
    }
    slug = _location_id(w.staff.post("/bodies/new", body))
    w.body_slugs.append(slug)
    with w.db.session() as session:
        found = session.exec(select(Body).where(Body.slug == slug)).one()
        seat_id = seat_categories(session, found)[0].id
    member = {
        "email": f"member{i}@example.org",
        "name": fit(payload, 200),
        "role": "chair",
        "seat": str(seat_id),
        "stakeholder_category": "",
        "term_start": (utcnow() - timedelta(days=30)).date().isoformat(),
        "term_end": "",
        "conflict_of_interest": p,
    }
    w.staff.post(f"/bodies/{slug}/members/new", member)
    meeting = {
        "title": fit(payload, 300),
        "starts_at": YESTERDAY,
        "ends_at": TOMORROW,
        "timezone": "Europe/London",
        "place": fit(payload, 300),
        "online_url": f"https://meet.example.org/{i}",
        "languages": fit(payload, 200),
    }
    meeting_id = _location_id(w.staff.post(f"/bodies/{slug}/meetings/new", meeting))
    w.meeting_ids.append(meeting_id)
    at = f"/meetings/{meeting_id}"
    w.staff.post(f"{at}/agenda", {"title": fit(payload, 300), "text": p})
    w.staff.post(f"{at}/minutes", {"text": p})
    w.staff.post(f"{at}/minutes/circulate", {})
    fragment = w.staff.post(f"{at}/minutes/comments", {"comment": p}, htmx=True, status=200)
    w.snap("minutes-comments", i, fragment)
    w.snap("meeting-circulated", i, w.staff.get(at))
    w.staff.post(f"{at}/minutes/approve", {"at_meeting": ""})
    w.staff.post(f"{at}/minutes/publish", {})
    decision = {
        "title": fit(payload, 300),
        "text": p,
        "deliberations": p,
        "method": "consensus",
        "votes_for": "",
        "votes_against": "",
        "votes_abstain": "",
        "decided_on": utcnow().date().isoformat(),
        "review_on": "",
        "meeting": meeting_id,
        "standard": "",
        "consultation": "",
        "clauses": "",
        "comments": "",
    }
    number = _location_id(w.staff.post(f"/bodies/{slug}/decisions/new", decision))
    w.decision_numbers.append(number)
    action = {"title": fit(payload, 300), "owner": str(staff_id), "due_on": "2020-01-01"}
    w.staff.post(f"/bodies/{slug}/actions/new", action | {"meeting": meeting_id})
    w.staff.post(f"{at}/invite", {})


def _close_and_publish(w: World) -> None:
    with w.db.session(write=True) as session:
        consultation = session.exec(select(Consultation).where(Consultation.slug == w.slug)).one()
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        session.add(consultation)
    w.staff.post(f"/consultations/{w.slug}/synopsis/publish", {"pending_justification": HEADLINE})


# --- checking HTML ----------------------------------------------------------------------------

# Elements the app never renders: any of them would have been written by a payload.
FOREIGN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "noscript",
    "math", "template", "xmp", "plaintext", "listing", "portal",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "cite", "srcset", "longdesc", "manifest", "ping", "lowsrc", "dynsrc",
}  # fmt: skip
# What Markdown may produce: never raw HTML from the text itself.
MARKDOWN_TAGS = {
    "p", "em", "strong", "code", "pre", "a", "img", "ul", "ol", "li", "blockquote", "hr",
    "br", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_.:-]*")
RASTER_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|webp);")


def _scheme_text(value: str) -> str:
    """A URL as a browser reads its scheme: controls and whitespace dropped, lowercased."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def _bad_url(tag: str, attribute: str, value: str) -> bool:
    url = _scheme_text(value)
    if url.startswith(("javascript:", "vbscript:", "livescript:")):
        return True
    if url.startswith("data:"):
        # Markdown images may be raster data: URLs (markdown-it allows them; they run nothing).
        return not (tag == "img" and attribute == "src" and RASTER_DATA_IMAGE.match(url))
    if tag in {"form", "button", "input"} and attribute in {"action", "formaction"}:
        return not value.startswith("/")  # the app's forms post to itself only
    return False


def markup_problems(soup: BeautifulSoup) -> list[str]:
    problems = []
    for element in soup.find_all(True):
        tag = element.name
        if tag == "script" and (
            not str(element.get("src", "")).startswith("/static/") or element.string
        ):
            problems.append(f"script element {str(element)[:120]}")
        if tag in FOREIGN_TAGS:
            problems.append(f"<{tag}> element")
        if tag == "meta" and element.get("http-equiv"):
            problems.append("meta http-equiv")
        for attribute, raw in element.attrs.items():
            value = " ".join(raw) if isinstance(raw, list) else str(raw)
            if attribute.startswith("on"):
                problems.append(f"<{tag} {attribute}=...>")
            elif not ATTRIBUTE_NAME.fullmatch(attribute):
                problems.append(f"<{tag} {attribute[:40]!r}=...> (what a broken attribute leaves)")
            elif attribute in {"style", "srcdoc"}:
                problems.append(f"<{tag} {attribute}> (the app has no inline style)")
            elif attribute in URL_ATTRIBUTES and _bad_url(tag, attribute, value):
                problems.append(f"<{tag} {attribute}={value[:80]!r}>")
            elif attribute.startswith(("hx-", "data-hx-")) and "injected" in value:
                problems.append(f"<{tag} {attribute}={value!r}>")
    for tag in ("html", "head", "body", "title"):
        # SVG has <title> elements of its own (the charts' labels).
        if len([e for e in soup.find_all(tag) if not e.find_parent("svg")]) > 1:
            problems.append(f"a second <{tag}>")
    return problems


@dataclass
class Page:
    """One HTML output, checked for injected markup as it is read."""

    where: str
    soup: BeautifulSoup
    text: str

    def missing(self, texts) -> list[str]:
        return [
            f"{self.where}: {value[:100]!r} is not shown as text"
            for value in texts
            if norm(value) not in self.text
        ]

    def missing_markdown(self, sources) -> list[str]:
        problems = []
        for source in sources:
            shown = md_text(source)
            assert shown, f"the Markdown {source[:60]!r} renders to nothing"
            if shown not in self.text:
                problems.append(f"{self.where}: Markdown {source[:100]!r} is not shown")
        return problems

    def markdown_problems(self, selector: str) -> list[str]:
        """Markdown containers hold only what Markdown itself produces. Markdown writes no
        class attribute but on tables (the app styles them), so an element with a class, and
        what is inside it, is the app's own (a badge beside the response, say)."""
        problems = []
        for container in self.soup.select(selector):
            for element in container.find_all(True):
                chain = [element, *element.parents]
                chain = chain[: chain.index(container)]
                if any(e.has_attr("class") and e.name != "table" for e in chain):
                    continue
                if element.name not in MARKDOWN_TAGS:
                    problems.append(f"{self.where}: <{element.name}> inside Markdown {selector}")
        return problems


def read_html(response, where: str, *, fragment: bool = False) -> Page:
    assert response.headers["content-type"].startswith("text/html"), where
    soup = BeautifulSoup(response.text, "html.parser")
    problems = markup_problems(soup)
    assert not problems, f"{where}: markup written by a payload: {problems[:10]}"
    assert (soup.find("html") is None) == fragment, f"{where}: fragment={fragment} expected"
    return Page(where, soup, norm(soup.get_text(" ")))


def settle(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} problems, the first ones:\n" + "\n".join(problems[:25])


def truncated(value: str, length: int) -> str:
    """Jinja's `truncate` filter with its defaults (end "...", leeway 5)."""
    if len(value) <= length + 5:
        return value
    return value[: length - 3].rsplit(" ", 1)[0] + "..."


# --- what each payload became -----------------------------------------------------------------


def public_name(i: int) -> str:
    return fit(PAYLOADS[i], 200)


def iso_text(i: int, limit: int | None = None) -> str:
    """An ISO template cell as imported: trimmed, the export's apostrophe undone."""
    value = unprotect(clean(PAYLOADS[i]).strip()).strip()
    return value[:limit] if limit else value


def behalf_name(i: int) -> str:
    return fit(PAYLOADS[i])[:200].strip()


def group_title(i: int) -> str:
    return " ".join(fit(PAYLOADS[i], 300).split())


def body_name(i: int) -> str:
    return fit(PAYLOADS[i], 200)


def themes(world: World, references: list[str]) -> dict[str, list[str]]:
    with world.db.session() as session:
        comments = {
            c.id: c.reference
            for c in session.exec(select(Comment).where(Comment.reference.in_(references)))
        }
        return {comments[k]: v for k, v in themes_of(session, list(comments)).items()}


# --- pages and fragments ----------------------------------------------------------------------


def test_the_corpus_is_large_and_distinct():
    assert N >= 50
    assert len({fit(p, 200) for p in PAYLOADS}) == N


def _page_with(inside: str) -> BeautifulSoup:
    html = f"<html><head><title>t</title></head><body><main>{inside}</main></body></html>"
    return BeautifulSoup(html, "html.parser")


def test_the_page_checks_catch_a_payload_left_unescaped():
    """The checks themselves: escaped, every payload passes and reads as itself; inserted raw
    into a page, or into a double-quoted attribute, every one that makes anything but inert
    markup (an element with no attribute, such as <b>) is reported as injected markup. (An
    entity decoded inside the attribute is caught by the tests comparing values.)"""
    for payload in PAYLOADS:
        escaped = _page_with(html_escape(clean(payload)))
        assert not markup_problems(escaped), payload
        assert norm(clean(payload)) in norm(escaped.get_text(" ")), payload
        for inside in (clean(payload), f'<input value="{clean(payload)}">'):
            raw = _page_with(inside)
            made = raw.select_one("main").find_all(True)
            inert = all(not e.attrs and e.name not in {"script", "title"} for e in made)
            if not inert and inside.startswith("<input"):
                inert = len(made) == 1 and set(made[0].attrs) == {"value"}
            assert inert or markup_problems(raw), f"not caught: {inside[:100]!r}"


def test_draft_import_keeps_each_payload_in_its_own_clause(world):
    problems = []
    for i, payload in enumerate(PAYLOADS):
        if world.headings[i] != f"{KEYS[i]}: {heading(payload)}":
            problems.append(f"clause {KEYS[i]}: heading {world.headings[i][:80]!r}")
        if norm(world.bodies_md[i]) != norm(clean(payload)):
            problems.append(f"clause {KEYS[i]}: text {world.bodies_md[i][:80]!r}")
    settle(problems)


def test_profile_pages(world):
    problems = []
    for i, response in world.snapshots["account"]:
        page = read_html(response, f"account page, payload {i}")
        problems += page.missing([public_name(i)])
        header = page.soup.select_one("header").get_text(" ")
        if norm(public_name(i)) not in norm(header):
            problems.append(f"payload {i}: the header does not show the name")
    settle(problems)


def test_comment_form_fragments_give_the_text_back(world):
    problems = []
    for i, response in world.snapshots["comment-refused"]:
        page = read_html(response, f"refused comment fragment, payload {i}", fragment=True)
        for name in ("body", "proposed_change"):
            if page.soup.select_one(f"#field-{name}").get_text() != clean(PAYLOADS[i]):
                problems.append(f"refused comment fragment, payload {i}: {name} not given back")
    for i, response in world.snapshots["csrf-refused"]:
        page = read_html(response, f"CSRF refusal page, payload {i}")
        given = {area["name"]: area.get_text() for area in page.soup.select("main textarea")}
        for name in ("body", "proposed_change"):
            if clean(given.get(name, "")) != clean(PAYLOADS[i]):
                problems.append(f"CSRF refusal page, payload {i}: {name} not given back")
    for i, response in world.snapshots["receipt-fragment"]:
        page = read_html(response, f"receipt fragment, payload {i}", fragment=True)
        problems += page.missing([world.headings[i]])
    settle(problems)


def test_clause_pages_as_the_public_and_the_secretariat_see_them(world):
    problems = []
    for i, key in enumerate(KEYS):
        path = f"/consultations/{world.slug}/clauses/{key}"
        public = read_html(world.anonymous.get(path), f"clause page {key}")
        staff = read_html(world.staff.get(path), f"clause page {key} (secretariat)")
        p = PAYLOADS[i]
        shown = [world.headings[i], public_name(i), fit(p), iso_text(i, 200), iso_text(i)]
        problems += public.missing(shown)
        problems += public.missing_markdown([world.bodies_md[i]])
        problems += public.markdown_problems(".clause-body")
        problems += staff.missing([*shown, behalf_name(i)])
        if norm(HEADLINE) not in norm(public.soup.title.get_text()):
            problems.append(f"clause page {key}: the <title> does not show the consultation")
    settle(problems)


def test_consultation_and_draft_pages(world):
    problems = []
    home = read_html(world.anonymous.get("/"), "home page")
    drafts = read_html(world.staff.get("/drafts"), "draft list")
    main = read_html(world.anonymous.get(f"/consultations/{world.slug}"), "main consultation")
    draft = read_html(world.staff.get(f"/drafts/{world.draft_id}"), "main draft")
    problems += main.missing([HEADLINE, *world.headings])
    problems += draft.missing(world.headings)
    for i, payload in enumerate(PAYLOADS):
        names = [fit(payload, 300), f"{fit(payload, 180)} (S{i})", fit(payload, 100)]
        problems += home.missing(names)
        problems += drafts.missing(names[1:])
        detail = read_html(
            world.anonymous.get(f"/consultations/{world.extra_slugs[i]}"), f"consultation {i}"
        )
        problems += detail.missing([*names, fit(payload)])  # the justification, as text
        problems += detail.missing_markdown([fit(payload)])  # the summary, as Markdown
        problems += detail.markdown_problems("main .mb-3")
        if norm(fit(payload, 300)) not in norm(detail.soup.title.get_text()):
            problems.append(f"consultation {i}: the <title> does not show the title")
    settle(problems)


def test_receipts_of_comments_recorded_on_behalf(world):
    problems = []
    for i, response in world.snapshots["behalf-receipt"]:
        page = read_html(response, f"receipt of a comment recorded on behalf, payload {i}")
        problems += page.missing([world.headings[i], fit(PAYLOADS[i])[:2000]])
    settle(problems)


def _log_pages(world: World) -> Iterator[Page]:
    path = f"/consultations/{world.slug}/responses"
    first = read_html(world.staff.get(path), "response log")
    yield first
    pages = first.soup.select_one("#log-pages .active")
    total = int(re.findall(r"\d+", pages.get_text())[-1]) if pages else 1
    for number in range(2, total + 1):
        fragment = world.staff.get(path, htmx=True, page=str(number))
        yield read_html(fragment, f"response log page {number}", fragment=True)


def test_response_log_rows_and_fragments(world):
    problems = []
    text = " ".join(page.text for page in _log_pages(world))
    log = Page("response log", BeautifulSoup("", "html.parser"), text)
    tags = themes(world, world.public_refs)
    for i, payload in enumerate(PAYLOADS):
        stored = fit(payload)
        expected = [
            public_name(i),
            behalf_name(i),
            iso_text(i, 200),
            truncated(stored, 300),
            truncated(stored, 200),
            fit(payload, 200),
            truncated(group_title(i), 60),
            *tags.get(world.public_refs[i], []),
        ]
        problems += log.missing(expected)
    for i, response in world.snapshots["log-row"]:
        row = read_html(response, f"log row fragment, payload {i}", fragment=True)
        problems += row.missing([public_name(i), truncated(fit(PAYLOADS[i]), 200)])
    settle(problems)


def test_response_edit_pages_with_their_history(world):
    problems = []
    base = f"/consultations/{world.slug}/responses"
    for i, payload in enumerate(PAYLOADS):
        page = read_html(world.staff.get(f"{base}/{world.public_refs[i]}"), f"edit page {i}")
        problems += page.missing([world.headings[i], public_name(i), fit(payload)])
        history = page.soup.select_one("#response-history").get_text(" ")
        if norm(fit(payload)) not in norm(history):
            problems.append(f"edit page {i}: the history does not show the response")
        area = page.soup.select_one("#field-response_markdown").get_text()
        if area != fit(payload):
            problems.append(f"edit page {i}: the response is not given back in its field")
        if page.soup.select_one("#field-referred_to")["value"] != fit(payload, 200):
            problems.append(f"edit page {i}: the referral is not given back in its field")
        if i % 4 == 0:  # the same field macro as the response's; one in four is enough
            fragment = world.staff.get(f"{base}/{world.behalf_refs[i]}", htmx=True)
            form = read_html(fragment, f"edit fragment {i}", fragment=True)
            if form.soup.select_one("#field-confidential_summary").get_text() != fit(payload):
                problems.append(f"edit fragment {i}: the summary is not given back in its field")
    settle(problems)


def test_response_log_text_filter_takes_any_text(world):
    problems = []
    path = f"/consultations/{world.slug}/responses"
    for i, payload in enumerate(PAYLOADS):
        if "\x00" in payload:
            world.staff.get(path, status=400, q=payload, clause=KEYS[i])  # refused up front
            continue
        # Within the payload's own clause: the page stays small, the text filter is the same.
        answer = world.staff.get(path, q=payload, clause=KEYS[i])
        page = read_html(answer, f"log filtered by payload {i}")
        if page.soup.select_one("#filter-q")["value"] != payload.strip()[:200]:
            problems.append(f"log filtered by payload {i}: the filter is not given back")
        if world.public_refs[i] not in page.text and len(payload.strip()) <= 200:
            problems.append(f"log filtered by payload {i}: its own comment is not found")
    settle(problems)


def test_groups_pages(world):
    problems = []
    base = f"/consultations/{world.slug}/responses/groups"
    listing = read_html(world.staff.get(base), "groups page")
    problems += listing.missing([group_title(i) for i in range(N)])
    for i, group_id in enumerate(world.group_ids):
        page = read_html(world.staff.get(f"{base}/{group_id}"), f"group page {i}")
        problems += page.missing([group_title(i), truncated(fit(PAYLOADS[i]), 160)])
        if norm(group_title(i)) not in norm(page.soup.title.get_text()):
            problems.append(f"group page {i}: the <title> does not show the group")
    for kind in ("iso-csv", "iso-xlsx", "log-upload-csv", "log-upload-xlsx"):
        read_html(world.snapshots[kind][0][1], kind)
    settle(problems)


def test_synopsis_page(world):
    page = read_html(world.anonymous.get(f"/consultations/{world.slug}/synopsis"), "synopsis")
    problems = page.missing([HEADLINE])
    problems += page.markdown_problems(".entry-response")
    for i, payload in enumerate(PAYLOADS):
        stored = fit(payload)
        problems += page.missing(
            [
                f"{public_name(i)}, {public_name(i)}",  # name, organisation
                stored,  # comment, proposed change, confidential summary
                fit(payload, 200),  # referred to
                group_title(i),
                iso_text(i, 200),
                iso_text(i),
                world.headings[i],
            ]
        )
        problems += page.missing_markdown([stored, iso_text(i)])
    settle(problems)


# --- spreadsheets -----------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows and all(len(row) == len(rows[0]) for row in rows), "the CSV grid is broken"
    return rows


def read_xlsx(response) -> list[list[str]]:
    assert response.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    formulas = [
        cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert not formulas, f"formula cells in the workbook: {formulas[:10]}"
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows and all(len(row) == len(rows[0]) for row in rows), "the XLSX grid is broken"
    return rows


def unguarded_cells(rows: list[list[str]], where: str) -> list[str]:
    return [
        f"{where}: cell {value[:60]!r} would run as a formula"
        for row in rows
        for value in row
        if value.startswith(FORMULA_STARTS)
    ]


def _cell(value: str, xlsx: bool) -> str:
    """A workbook is XML: control characters are dropped and line ends read back as LF."""
    return guarded(lf(xlsx_safe(value)) if xlsx else value)


def _by_reference(rows: list[list[str]], column: int = 0) -> dict[str, list[str]]:
    return {row[column].lstrip("'"): row for row in rows[1:]}


def _expect_cells(where, rows, expected: dict[str, dict[int, str]], xlsx: bool) -> list[str]:
    problems = unguarded_cells(rows, where)
    found = _by_reference(rows)
    for reference, cells in expected.items():
        row = found.get(reference)
        if row is None:
            problems.append(f"{where}: no row for {reference}")
            continue
        for column, value in cells.items():
            if row[column] != _cell(value, xlsx):
                problems.append(
                    f"{where}, {reference}, column {rows[0][column]!r}: {row[column][:80]!r}"
                    f" is not {_cell(value, xlsx)[:80]!r}"
                )
    return problems


def _total_comments(world: World) -> int:
    return 3 * N + len(world.iso_xlsx)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_response_log_exports(world, kind):
    response = world.staff.get(f"/consultations/{world.slug}/responses/export.{kind}")
    rows = read_csv(response) if kind == "csv" else read_xlsx(response)
    assert len(rows) == _total_comments(world) + 1
    header = rows[0]
    col = {name: header.index(name) for name in header}
    tags = themes(world, world.public_refs)
    expected = {}
    for i, payload in enumerate(PAYLOADS):
        stored = fit(payload)
        expected[world.public_refs[i]] = {
            col["commenter"]: f"{public_name(i)}, {public_name(i)}",
            col["comment"]: stored,
            col["proposed_change"]: stored,
            col["response"]: stored,
            col["referred_to"]: fit(payload, 200),
            col["themes"]: "; ".join(tags.get(world.public_refs[i], [])),
        }
        expected[world.behalf_refs[i]] = {
            col["comment"]: stored,
            col["confidential_summary"]: stored,
        }
        expected[world.iso_csv_refs[i]] = {
            col["commenter"]: iso_text(i, 200),
            col["comment"]: iso_text(i),
            col["response"]: iso_text(i),
        }
    settle(_expect_cells(f"log export ({kind})", rows, expected, kind == "xlsx"))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_synopsis_downloads(world, kind):
    response = world.anonymous.get(f"/consultations/{world.slug}/synopsis.{kind}")
    rows = read_csv(response) if kind == "csv" else read_xlsx(response)
    assert len(rows) == _total_comments(world) + 1
    expected = {}
    for i, payload in enumerate(PAYLOADS):
        stored = fit(payload)
        expected[world.public_refs[i]] = {
            1: f"{public_name(i)}, {public_name(i)}",
            6: stored,
            7: stored,
            8: stored,
            10: fit(payload, 200),
        }
        expected[world.iso_csv_refs[i]] = {1: iso_text(i, 200), 6: iso_text(i), 8: iso_text(i)}
    problems = _expect_cells(f"synopsis {kind}", rows, expected, kind == "xlsx")
    found = _by_reference(rows)
    for i, payload in enumerate(PAYLOADS):
        summary = found[world.behalf_refs[i]][6]
        cell = lf(xlsx_safe(fit(payload))) if kind == "xlsx" else fit(payload)
        if not summary.endswith(cell) or summary.startswith(FORMULA_STARTS):
            problems.append(f"synopsis {kind}: the summary of payload {i} is {summary[:80]!r}")
    settle(problems)


def test_synopsis_markdown_quotes_every_comment(world):
    response = world.anonymous.get(f"/consultations/{world.slug}/synopsis.md")
    assert response.headers["content-type"].startswith("text/markdown")
    document = response.text
    problems = []
    for i, payload in enumerate(PAYLOADS):
        quoted = "\n".join(f"> {line}" if line else ">" for line in fit(payload).splitlines())
        if quoted not in document:
            problems.append(f"synopsis.md: payload {i} is not quoted line by line")
    # Quoted, a comment cannot start a heading of its own: every heading is the exporter's.
    clauses = {f"## {heading}" for heading in world.headings}
    for line in document.splitlines():
        if line.startswith("#") and not (
            line.startswith(("# Synopsis: ", "### ")) or line in clauses
        ):
            problems.append(f"synopsis.md: a heading nobody wrote: {line[:80]!r}")
    settle(problems)


def test_open_data_csv_and_json(world):
    base = f"/consultations/{world.slug}/comments"
    rows = read_csv(world.anonymous.get(f"{base}.csv"))
    public = 2 * N + len(world.iso_xlsx)  # confidential comments never appear
    assert len(rows) == public + 1
    col = {name: rows[0].index(name) for name in rows[0]}
    expected = {}
    for i, payload in enumerate(PAYLOADS):
        stored = fit(payload)
        expected[world.public_refs[i]] = {
            col["clause_heading"]: world.headings[i],
            col["comment"]: stored,
            col["proposed_change"]: stored,
            col["author_name"]: public_name(i),
            col["author_organisation"]: public_name(i),
            col["response"]: stored,
            col["referred_to"]: fit(payload, 200),
        }
        expected[world.iso_csv_refs[i]] = {col["author_name"]: iso_text(i, 200)}
    problems = _expect_cells("comments.csv", rows, expected, xlsx=False)
    assert not set(world.behalf_refs) & set(_by_reference(rows)), "confidential comments leak"
    document = json.loads(world.anonymous.get(f"{base}.json").content)
    assert document["title"] == HEADLINE
    records = {record["reference"]: record for record in document["comments"]}
    assert len(records) == public
    for i, payload in enumerate(PAYLOADS):
        record = records[world.public_refs[i]]
        values = (record["comment"], record["proposed_change"], record["response"]["response"])
        if values != (fit(payload),) * 3 or record["author_name"] != public_name(i):
            problems.append(f"comments.json: payload {i} does not round-trip")
    settle(problems)


# --- JSON API ---------------------------------------------------------------------------------


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def api_strings(agent: Agent, path: str) -> set[str]:
    """Every string of a JSON document, following its `next` cursor to the last page."""
    found: set[str] = set()
    url: str | None = path
    while url:
        response = agent.get(url)
        assert response.headers["content-type"].startswith("application/json"), url
        document = json.loads(response.content)
        found |= set(_strings(document))
        url = document.get("next") if isinstance(document, dict) else None
    return found


def test_api_documents_round_trip_every_payload(world):
    api = "/api/v1"
    seen = set()
    for path in (
        f"{api}/consultations?limit=100",
        f"{api}/consultations/{world.slug}",
        f"{api}/consultations/{world.slug}/comments?limit=100",
        f"{api}/consultations/{world.slug}/synopsis",
        f"{api}/drafts/{world.draft_id}/clauses?limit=100",
        f"{api}/standards",
        f"{api}/drafts",
        f"{api}/bodies",
        f"{api}/minutes?limit=100",
        f"{api}/decisions?limit=100",
        *(f"{api}/bodies/{slug}" for slug in world.body_slugs),
    ):
        seen |= api_strings(world.anonymous, path)
    missing = []
    for i, payload in enumerate(PAYLOADS):
        p = clean(payload)
        expected = {
            "consultation title": fit(payload, 300),
            "short round justification": fit(payload),
            "standard": f"{fit(payload, 180)} (S{i})",
            "version": fit(payload, 100),
            "clause heading": world.headings[i],
            "clause text": world.bodies_md[i],
            "comment": fit(payload),
            "author": public_name(i),
            "referred to": fit(payload, 200),
            "imported commenter": iso_text(i, 200),
            "body": body_name(i),
            "member": fit(payload, 200),
            "meeting": fit(payload, 300),
            "minutes": p.strip(),
            "decision": fit(payload, 300),
        }
        missing += [
            f"API: payload {i} as {what}: {value[:80]!r}"
            for what, value in expected.items()
            if value not in seen
        ]
    assert HEADLINE in seen
    settle(missing)


# --- feeds and calendars ----------------------------------------------------------------------

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def read_atom(content: bytes, where: str) -> list[ET.Element]:
    feed = ET.fromstring(content)  # raises on anything that is not well-formed
    assert feed.tag == f"{ATOM}feed", where
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        children = {child.tag for child in entry}
        assert children <= {
            f"{ATOM}{t}" for t in ("id", "title", "updated", "link", "author", "summary")
        }, (where, children)
    return entries


def _entry_texts(entry: ET.Element) -> dict[str, str]:
    texts = {child.tag.removeprefix(ATOM): child.text or "" for child in entry}
    author = entry.find(f"{ATOM}author/{ATOM}name")
    texts["author"] = author.text or "" if author is not None else ""
    return texts


def lf(value: str) -> str:
    """Line ends as XML and iCalendar readers give them back: CR LF and CR become LF."""
    return re.sub(r"\r\n?", "\n", value)


def xml_text(value: str) -> str:
    """What XML 1.0 can carry of a value: the characters it cannot are dropped."""
    return lf(NOT_XML.sub("", value))


def test_consultations_feed(world):
    response = world.anonymous.get("/consultations.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    entries = [_entry_texts(e) for e in read_atom(response.content, "consultations.atom")]
    assert len(entries) == N + 2  # one each, and the main round's closing
    titles = {entry["title"] for entry in entries}
    summaries = " ".join(entry["summary"] for entry in entries)
    problems = []
    for i, payload in enumerate(PAYLOADS):
        if xml_text(f"Open for comment: {fit(payload, 300)}") not in titles:
            problems.append(f"consultations.atom: the title of payload {i} is not an entry title")
        for value in (f"{fit(payload, 180)} (S{i})", fit(payload, 100)):
            if xml_text(value) not in summaries:
                problems.append(f"consultations.atom: {value[:60]!r} not in a summary")
    assert xml_text(f"Closed: {HEADLINE}") in titles
    settle(problems)


@pytest.mark.parametrize("feed", ["minutes.atom", "decisions.atom"])
def test_governance_feeds(world, feed):
    """A feed carries the latest 50 entries: those kept during the build have the older ones."""
    problems, covered = [], set()
    moments = [(f"after {i + 1} bodies", r.content) for i, r in world.snapshots.get(feed, [])]
    for moment, content in [*moments, ("at the end", world.anonymous.get(f"/{feed}").content)]:
        for entry in read_atom(content, f"{feed} {moment}"):
            texts = _entry_texts(entry)
            if feed == "minutes.atom":
                i = world.meeting_ids.index(texts["id"].split("/meetings/")[1].split("#")[0])
                title = f"{body_name(i)}: minutes of {fit(PAYLOADS[i], 300)} (version 1)"
            else:
                i = world.decision_numbers.index(texts["id"].rsplit("/", 1)[1])
                title = f"{world.decision_numbers[i]}: {fit(PAYLOADS[i], 300)}"
            covered.add(i)
            expected = {
                "title": title,
                "summary": fit(PAYLOADS[i])[:2000],
                "author": body_name(i),
            }
            problems += [
                f"{feed} {moment}: the {name} of payload {i} is {texts[name][:80]!r}"
                for name, value in expected.items()
                if texts[name] != xml_text(value)
            ]
    assert covered == set(range(N)), f"{feed}: payloads never in the feed {set(range(N)) - covered}"
    settle(problems)


def read_calendar(content: bytes, where: str, events: int) -> Calendar:
    calendar = Calendar.from_ical(content)
    assert len(calendar.walk("VEVENT")) == events, where
    for component in calendar.walk():
        assert component.name in {"VCALENDAR", "VEVENT", "VTIMEZONE", "STANDARD", "DAYLIGHT"}, (
            where,
            component.name,
        )
        assert "ATTENDEE" not in component and "ORGANIZER" not in component, where
    lines = content.decode().split("\r\n")
    assert not [line for line in lines if line.startswith(("ATTENDEE", "BEGIN:VALARM"))], where
    return calendar


def _event_problems(event, i: int, where: str) -> list[str]:
    expected = {
        "SUMMARY": f"{body_name(i)}: {fit(PAYLOADS[i], 300)}",
        "LOCATION": fit(PAYLOADS[i], 300),
    }
    problems = [
        f"{where}: {name} of payload {i} is {str(event.get(name))[:80]!r}"
        for name, value in expected.items()
        if str(event.get(name)) != lf(value)
    ]
    if not str(event.get("DESCRIPTION")).endswith("\n" + lf(fit(PAYLOADS[i], 200))):
        problems.append(f"{where}: the languages of payload {i} are not in the description")
    return problems


def test_meeting_calendars(world):
    response = world.anonymous.get("/meetings.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = read_calendar(response.content, "meetings.ics", N)
    problems = []
    for event in calendar.walk("VEVENT"):
        i = world.meeting_ids.index(str(event["URL"]).rsplit("/", 1)[1])
        problems += _event_problems(event, i, "meetings.ics")
    for i, slug in enumerate(world.body_slugs):
        content = world.anonymous.get(f"/bodies/{slug}/meetings.ics").content
        calendar = read_calendar(content, f"calendar of body {i}", 1)
        problems += _event_problems(calendar.walk("VEVENT")[0], i, f"calendar of body {i}")
        raw = [line for line in content.decode().split("\r\n") if line.startswith("X-WR-CALNAME")]
        if len(raw) != 1:
            problems.append(f"calendar of body {i}: its name is not one property")
    settle(problems)


# --- email ------------------------------------------------------------------------------------

ALLOWED_HEADERS = {
    "from", "to", "subject", "message-id", "mime-version", "content-type",
    "content-transfer-encoding", "content-disposition",
}  # fmt: skip


def _delivered(row: OutboxMessage) -> list[str]:
    """The message as the sender hands it to SMTP, parsed back as a receiver would."""
    wire = to_email(row, "Consult <consult@example.org>").as_bytes(policy=policy.SMTP)
    message = message_from_bytes(wire, policy=policy.default)
    problems = []
    extra = {name.lower() for name in message} - ALLOWED_HEADERS
    if extra or "bcc" in {name.lower() for name in message}:
        problems.append(f"email {row.id}: headers a payload added: {extra}")
    # Folding may add a space; a receiver decodes RFC 2047 words typed into the text (Python's
    # email package sends "=?utf-8?b?...?=" as it is: see the report), but nothing else changes.
    sent = norm(str(policy.default.header_factory("subject", row.subject)))
    if norm(str(message["subject"])) != sent or str(message["to"]) != row.to_address:
        problems.append(
            f"email {row.id}: subject or recipient changed on the way: "
            f"{str(message['subject'])[:100]!r} for {row.subject[:100]!r}"
        )
    text = message.get_body(("plain",)).get_content()
    if norm(text) != norm(row.body_text):
        problems.append(f"email {row.id}: the text changed on the way")
    return problems


def _in_subject(value: str, subject: str) -> bool:
    """In full, or up to where a subject over 300 characters was cut short with "…"."""
    if value in subject:
        return True
    if not subject.endswith("…"):
        return False
    starts = [m.start() for m in re.finditer(re.escape(value[:20]), subject)]
    return any(value.startswith(subject[start:-1].rstrip()) for start in starts)


def _mail_expectations(world: World, row: OutboxMessage) -> tuple[list[str], list[str]]:
    """(texts the body holds as typed, texts the one-line subject holds) for one email."""
    address = row.to_address
    if row.subject.startswith("Comment received: "):
        reference = row.subject.split(": ", 1)[1]
        refs = world.public_refs if address == "commenter@example.org" else world.behalf_refs
        i = refs.index(reference)
        return [fit(PAYLOADS[i]), world.headings[i], HEADLINE], []
    if "synopsis" in row.body_text and "responses to your comments" in row.subject:
        return [HEADLINE], [HEADLINE]
    i = int(re.fullmatch(r"member(\d+)@example\.org", address).group(1))
    names = [body_name(i), fit(PAYLOADS[i], 300)]
    if row.attachment_text is None:  # the minutes circulated for comment
        return [*names, fit(PAYLOADS[i], 200)], names
    return [*names, fit(PAYLOADS[i], 300), fit(PAYLOADS[i], 200)], names


def test_emails_keep_text_as_typed_and_headers_intact(world):
    with world.db.session() as session:
        rows = list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert len(rows) == 5 * N + 1  # receipts (2N), synopsis (N + 1), minutes (N), invitations (N)
    problems = []
    for row in rows:
        if "\r" in row.subject or "\n" in row.subject:
            problems.append(f"email {row.id}: a line break in the subject {row.subject[:80]!r}")
        problems += _delivered(row)
        body_texts, subject_texts = _mail_expectations(world, row)
        problems += [
            f"email {row.id} to {row.to_address}: {value[:80]!r} is not in the text as typed"
            for value in body_texts
            if value not in row.body_text
        ]
        problems += [
            f"email {row.id}: {value[:80]!r} is not in the subject"
            for value in subject_texts
            if not _in_subject(norm(value), row.subject)
        ]
        if row.attachment_text is not None:
            i = int(re.fullmatch(r"member(\d+)@example\.org", row.to_address).group(1))
            calendar = read_calendar(row.attachment_text.encode(), f"invitation {row.id}", 1)
            problems += _event_problems(calendar.walk("VEVENT")[0], i, f"invitation {row.id}")
    settle(problems)


# --- governance pages -------------------------------------------------------------------------


def test_body_pages(world):
    problems = []
    listing = read_html(world.anonymous.get("/bodies"), "bodies page")
    problems += listing.missing([body_name(i) for i in range(N)])
    actions = read_html(world.staff.get("/actions"), "my actions")
    problems += actions.missing([fit(p, 300) for p in PAYLOADS])
    for i, payload in enumerate(PAYLOADS):
        page = read_html(world.staff.get(f"/bodies/{world.body_slugs[i]}"), f"body page {i}")
        seat = oneline(payload)[:120].strip()
        problems += page.missing(
            [body_name(i), seat, fit(payload, 200), fit(payload), fit(payload, 300)]
        )
        problems += page.missing_markdown([fit(payload)])  # description and terms
        problems += page.markdown_problems("#terms-text, #terms-history li > div")
        if page.soup.select_one("tr[data-seat]")["data-seat"] != seat:
            problems.append(f"body page {i}: the seat is not given back in its attribute")
    settle(problems)


def test_meeting_pages_and_fragments(world):
    problems = []
    for i, payload in enumerate(PAYLOADS):
        stored = fit(payload)
        answer = world.anonymous.get(f"/meetings/{world.meeting_ids[i]}")
        page = read_html(answer, f"meeting {i}")
        problems += page.missing([body_name(i), fit(payload, 300), fit(payload, 200)])
        problems += page.missing_markdown([stored])  # agenda text and published minutes
        problems += page.markdown_problems("#agenda-items li > div, .minutes-version")
        if norm(fit(payload, 300)) not in norm(page.soup.title.get_text()):
            problems.append(f"meeting {i}: the <title> does not show the meeting")
    for i, response in world.snapshots["meeting-circulated"]:
        page = read_html(response, f"meeting {i} with circulated minutes (secretariat)")
        problems += page.missing([fit(PAYLOADS[i])])  # the comment on the minutes
        problems += page.missing_markdown([fit(PAYLOADS[i])])
        problems += page.markdown_problems("#minutes-text")
    for i, response in world.snapshots["minutes-comments"]:
        fragment = read_html(response, f"minutes comments fragment {i}", fragment=True)
        problems += fragment.missing([fit(PAYLOADS[i])])
    settle(problems)


def test_decision_pages_and_register(world):
    problems = []
    register = read_html(world.anonymous.get("/decisions"), "decision register")
    fragment = read_html(world.anonymous.get("/decisions", htmx=True), "register", fragment=True)
    for page in (register, fragment):
        problems += page.missing([fit(p, 300) for p in PAYLOADS])
        problems += page.missing([body_name(i) for i in range(N)])
    for i, number in enumerate(world.decision_numbers):
        page = read_html(world.anonymous.get(f"/decisions/{number}"), f"decision {number}")
        problems += page.missing([fit(PAYLOADS[i], 300), body_name(i)])
        problems += page.missing_markdown([fit(PAYLOADS[i])])  # text and deliberations
        problems += page.markdown_problems("#decision-text, #deliberations")
    settle(problems)


# --- search -----------------------------------------------------------------------------------


def test_search_box_takes_any_query(world):
    """Every payload as a query: given back in the box, the <title> and the links. A year no
    record has keeps most of these pages quick; every eighth searches everything."""
    problems = []
    for i, payload in enumerate(PAYLOADS):
        if "\x00" in payload:
            world.anonymous.get("/search", status=400, q=payload)  # refused before any view
            continue
        filters = {} if i % 8 == 0 else {"year": "1900"}
        answer = world.anonymous.get("/search", q=payload, **filters)
        page = read_html(answer, f"search for payload {i}")
        query = payload[:500]  # the longest query read
        if norm(page.soup.select_one("#search-q")["value"]) != norm(query):
            problems.append(f"search for payload {i}: the query is not given back")
        if norm(query) not in norm(page.soup.title.get_text()):
            problems.append(f"search for payload {i}: the <title> does not show the query")
        if i % 8 == 4:  # the fragment is the same template the page includes
            fragment = world.anonymous.get("/search", htmx=True, q=payload)
            read_html(fragment, f"search fragment for payload {i}", fragment=True)
    settle(problems)


def test_addresses_holding_a_payload_answer_not_found(world):
    """Error pages that name what was asked for (a clause key, a decision number) show it as
    text, and the API's error document stays JSON."""
    problems = []
    for i, payload in enumerate(PAYLOADS):
        part = quote(payload, safe="")
        if "\x00" in payload:
            world.anonymous.get(f"/decisions/{part}", status=400)  # refused before any view
            continue
        for agent, path in (
            (world.anonymous, f"/consultations/{world.slug}/clauses/{part}"),
            (world.anonymous, f"/decisions/{part}"),
        ):
            page = read_html(agent.get(path, status=404), f"{path[:40]}… (payload {i})")
            asked = page.soup.select_one("#error-message").get_text()
            # A "/" (or a "%2F" the test client decodes twice) makes an address of its own.
            named = "/" not in payload and "%" not in payload
            if named and norm(payload[:40]) not in norm(asked):
                problems.append(f"{path[:40]}… (payload {i}): the message does not name it")
        error = world.anonymous.get(f"/api/v1/drafts/{part}", status=404)
        assert json.loads(error.content)["error"]["status"] == 404
    settle(problems)


@pytest.mark.parametrize("words", ["alert", "script", "javascript", "evil", "cmd calc", "select"])
def test_search_results_show_payloads_as_text(world, words):
    page = read_html(world.staff.get("/search", q=words), f"search results for {words!r}")
    hits = page.soup.select("#search-hits .search-hit")
    assert hits, f"nothing found for {words!r}"
    for hit in hits:
        assert {e.name for e in hit.find_all(True)} <= {"span", "a", "div", "mark"}, hit
        link = hit.select_one("a")["href"]
        assert link.startswith("/"), link
    read_html(world.staff.get("/search", htmx=True, q=words, page="2"), "page 2", fragment=True)


# --- stored as typed --------------------------------------------------------------------------


def test_sql_and_template_payloads_are_stored_as_typed(world):
    with world.db.session() as session:
        comments = {
            c.reference: c
            for c in session.exec(select(Comment).where(Comment.reference.in_(world.public_refs)))
        }
        assert session.exec(text("SELECT count(*) FROM comments")).one()[0] == _total_comments(
            world
        )
        assert session.exec(text("SELECT count(*) FROM outbox")).one()[0] == 5 * N + 1
    for i, payload in enumerate(PAYLOADS):
        comment = comments[world.public_refs[i]]
        assert (comment.body, comment.proposed_change) == (fit(payload), fit(payload)), i
        assert (comment.author_name, comment.author_organisation) == (public_name(i),) * 2, i


def test_template_syntax_is_never_evaluated(world):
    seven = PAYLOADS.index("{{7*7}}")
    ran = next(i for i, p in enumerate(PAYLOADS) if "TEMPLATE-RAN" in p)
    base = f"/consultations/{world.slug}"
    outputs = {
        "synopsis": world.anonymous.get(f"{base}/synopsis").text,
        "synopsis.md": world.anonymous.get(f"{base}/synopsis.md").text,
        "meetings": " ".join(
            world.staff.get(f"/meetings/{world.meeting_ids[i]}").text for i in (seven, ran)
        ),
    }
    for i in (seven, ran):
        outputs[f"clause {KEYS[i]}"] = world.anonymous.get(f"{base}/clauses/{KEYS[i]}").text
    with world.db.session() as session:
        outputs["emails"] = " ".join(session.exec(select(OutboxMessage.body_text)))
    for name, output in outputs.items():
        assert "{{7*7}}" in output, f"{name}: {{{{7*7}}}} is not shown as typed"
        assert output.count("TEMPLATE-RAN") == output.count("{% if true %}TEMPLATE-RAN"), name
