"""The authorisation matrix: every route read from the app's router, tried as an anonymous
visitor, a commenter, a body member, a body chair and the secretariat.

A route missing from MATRIX fails `test_every_route_is_in_the_matrix`: whoever adds a route
decides here who may use it. Outcomes, as the app answers them:

- OK: not refused for who is asking. Any success or redirect (except to sign in), or input
  refused on its merits: 400, 409 or 422 (the forms below carry harmless, often valid data).
- SIGNIN: a redirect to the sign-in page, the answer pages for signed-in people give visitors.
- DENIED: 403. Staff-only pages and every refused POST answer 403 to visitors as well.
- HIDDEN: 404, for a record not shown to this person at all (an unpublished synopsis).

Each role gets a fresh world (tests/authz_world.py) and runs every route in it. Each request's
session cookie is put back afterwards (signing out or redeeming a link changes it), and the
minutes are set to the state each step needs, so that only permission decides the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

import httpx2 as httpx
import pytest

from consult.sqltypes import utcnow
from governance import feeds
from tests.authz_world import ROLES, World, build_world, router_entries
from tests.conftest import csrf, outbox, sign_in
from tests.governance.conftest import make_meeting

OK, SIGNIN, DENIED, HIDDEN = "ok", "sign-in", "403", "404"


class Expect(NamedTuple):
    anonymous: str
    commenter: str
    member: str
    chair: str
    secretariat: str


class Vary(NamedTuple):
    """The answer depends on one path parameter: each label is one value tried."""

    param: str
    cases: dict[str, Expect]


def vary(param: str, **cases: Expect) -> Vary:
    return Vary(param, cases)


# Profiles, in the order:    anonymous, commenter, member, chair, secretariat
PUBLIC = Expect(OK, OK, OK, OK, OK)
SIGNED_IN = Expect(SIGNIN, OK, OK, OK, OK)
STAFF = Expect(DENIED, DENIED, DENIED, DENIED, OK)
# The response log's pages send a visitor to sign in; its forms refuse them.
STAFF_SIGN_IN = Expect(SIGNIN, DENIED, DENIED, DENIED, OK)
# A receipt is the commenter's own (the world's comment is the commenter's).
AUTHOR_OR_STAFF = Expect(SIGNIN, OK, DENIED, DENIED, OK)
MEMBERS = Expect(DENIED, DENIED, OK, OK, OK)
CHAIRS = Expect(DENIED, DENIED, DENIED, OK, OK)
# The world's action is owned by the member.
ACTION_OWNER = Expect(DENIED, DENIED, OK, DENIED, OK)
# An unpublished synopsis: the secretariat's preview, nobody else's business.
STAFF_PREVIEW = Expect(HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK)
NOBODY = Expect(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)

SYNOPSIS = vary("slug", open=STAFF_PREVIEW, published=PUBLIC)

MATRIX: dict[str, Expect | Vary] = {
    # consultations
    "GET /": PUBLIC,
    "GET /consultations.atom": PUBLIC,
    "GET /consultations/new": STAFF,
    "POST /consultations/new": STAFF,
    "GET /consultations/{slug}": PUBLIC,
    "GET /consultations/{slug}/comments.csv": PUBLIC,
    "GET /consultations/{slug}/comments.json": PUBLIC,
    "GET /consultations/{slug}/record": STAFF,
    "POST /consultations/{slug}/record": STAFF,
    "GET /consultations/{slug}/clauses/{key}": PUBLIC,
    "GET /consultations/{slug}/clauses/{key}/comment": SIGNED_IN,
    "POST /consultations/{slug}/clauses/{key}/comment": SIGNED_IN,
    "GET /account/comments/{reference}": AUTHOR_OR_STAFF,
    # the response log and the synopsis
    "GET /consultations/{slug}/responses": STAFF_SIGN_IN,
    "GET /consultations/{slug}/responses/export.csv": STAFF_SIGN_IN,
    "GET /consultations/{slug}/responses/export.xlsx": STAFF_SIGN_IN,
    "GET /consultations/{slug}/responses/upload": STAFF_SIGN_IN,
    "POST /consultations/{slug}/responses/upload": STAFF,
    "GET /consultations/{slug}/responses/groups": STAFF_SIGN_IN,
    "POST /consultations/{slug}/responses/groups": STAFF,
    "GET /consultations/{slug}/responses/groups/{group_id}": STAFF_SIGN_IN,
    "POST /consultations/{slug}/responses/groups/{group_id}": STAFF,
    "GET /consultations/{slug}/responses/import": STAFF_SIGN_IN,
    "POST /consultations/{slug}/responses/import": STAFF,
    "GET /consultations/{slug}/responses/{reference}": STAFF_SIGN_IN,
    "POST /consultations/{slug}/responses/{reference}": STAFF,
    "GET /consultations/{slug}/synopsis": SYNOPSIS,
    "POST /consultations/{slug}/synopsis/publish": STAFF,
    "GET /consultations/{slug}/synopsis.csv": SYNOPSIS,
    "GET /consultations/{slug}/synopsis.xlsx": SYNOPSIS,
    "GET /consultations/{slug}/synopsis.md": SYNOPSIS,
    # accounts
    "GET /auth/login": PUBLIC,
    "POST /auth/login": PUBLIC,
    "GET /auth/link/{token}": PUBLIC,
    "POST /auth/link/{token}": PUBLIC,
    "POST /auth/logout": PUBLIC,
    "GET /account": SIGNED_IN,
    "GET /account/profile": SIGNED_IN,
    "POST /account/profile": SIGNED_IN,
    "POST /language": PUBLIC,
    # drafts
    "GET /drafts": STAFF,
    "GET /drafts/import": STAFF,
    "POST /drafts/import": STAFF,
    "GET /drafts/{draft_id}": STAFF,
    # governance
    "GET /bodies": PUBLIC,
    "GET /bodies/new": STAFF,
    "POST /bodies/new": STAFF,
    "GET /bodies/{slug}": PUBLIC,
    "POST /bodies/{slug}/terms": STAFF,
    "GET /bodies/{slug}/members/new": STAFF,
    "POST /bodies/{slug}/members/new": STAFF,
    "POST /bodies/{slug}/members/{membership_id}/end": STAFF,
    "GET /bodies/{slug}/meetings/new": STAFF,
    "POST /bodies/{slug}/meetings/new": STAFF,
    "GET /bodies/{slug}/decisions/new": STAFF,
    "POST /bodies/{slug}/decisions/new": STAFF,
    "GET /bodies/{slug}/actions/new": STAFF,
    "POST /bodies/{slug}/actions/new": STAFF,
    "GET /bodies/{slug}/meetings.ics": PUBLIC,
    "GET /meetings.ics": PUBLIC,
    "GET /meetings/{meeting_id}": PUBLIC,
    "POST /meetings/{meeting_id}/agenda": STAFF,
    "POST /meetings/{meeting_id}/agenda/{item_id}/move": STAFF,
    "POST /meetings/{meeting_id}/agenda/from-comments": STAFF,
    "POST /meetings/{meeting_id}/attendance": STAFF,
    "POST /meetings/{meeting_id}/minutes": STAFF,
    "POST /meetings/{meeting_id}/minutes/comments": MEMBERS,
    "POST /meetings/{meeting_id}/minutes/{step}": vary(
        "step", circulate=STAFF, approve=CHAIRS, publish=STAFF
    ),
    "POST /meetings/{meeting_id}/invite": STAFF,
    "GET /decisions": PUBLIC,
    "GET /decisions.atom": PUBLIC,
    "GET /decisions/{number}": PUBLIC,
    "GET /minutes.atom": PUBLIC,
    "GET /actions": SIGNED_IN,
    "POST /actions/{action_id}/status": ACTION_OWNER,
    # search and the read-only API
    "GET /search": PUBLIC,
    "GET /api/v1/openapi.json": PUBLIC,
    "GET /api/v1/standards": PUBLIC,
    "GET /api/v1/drafts": PUBLIC,
    "GET /api/v1/drafts/{draft_id}": PUBLIC,
    "GET /api/v1/drafts/{draft_id}/clauses": PUBLIC,
    "GET /api/v1/consultations": PUBLIC,
    "GET /api/v1/consultations/{slug}": PUBLIC,
    "GET /api/v1/consultations/{slug}/comments": PUBLIC,
    # The API has no preview: an unpublished synopsis is not found, whoever asks.
    "GET /api/v1/consultations/{slug}/synopsis": vary("slug", open=NOBODY, published=PUBLIC),
    "GET /api/v1/bodies": PUBLIC,
    "GET /api/v1/bodies/{slug}": PUBLIC,
    "GET /api/v1/minutes": PUBLIC,
    "GET /api/v1/decisions": PUBLIC,
}


def _today() -> str:
    return utcnow().date().isoformat()


# Harmless form data: enough for the secretariat's forms to go through where that is cheap.
FORMS: dict[str, Callable[[World], dict[str, str]]] = {
    "POST /consultations/new": lambda w: {
        "draft": str(w.draft_id),
        "title": "Third round",
        "opens_at": (utcnow() + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (utcnow() + timedelta(days=470)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",
        "round_number": "3",
    },
    "POST /consultations/{slug}/clauses/{key}/comment": lambda w: {
        "kind": "general",
        "body": "A comment from the authorisation matrix.",
        "publication": "named",
    },
    "POST /consultations/{slug}/responses/groups/{group_id}": lambda w: {
        "disposition": "noted",
        "response_markdown": "Noted.",
    },
    "POST /consultations/{slug}/responses/{reference}": lambda w: {
        "disposition": "noted",
        "response_markdown": "Noted.",
    },
    "POST /consultations/{slug}/synopsis/publish": lambda w: {"pending_justification": "Tests."},
    "POST /auth/login": lambda w: {"email": "visitor@example.org"},
    "POST /account/profile": lambda w: {
        "name": "Renamed Person",
        "stakeholder_category": "civil_society",
        "country": "BR",
        "language": "en",
    },
    "POST /language": lambda w: {"language": "en", "next": "/"},
    "POST /drafts/import": lambda w: {"standard": "Performance Standard", "version": "V5"},
    "POST /bodies/new": lambda w: {
        "name": "Working Group",
        "code": "WG",
        "kind": "working_group",
        "quorum_minimum": "1",
    },
    "POST /bodies/{slug}/terms": lambda w: {"terms": "New terms.", "effective_from": _today()},
    "POST /bodies/{slug}/members/new": lambda w: {
        "email": "new@example.org",
        "role": "observer",
        "term_start": _today(),
    },
    "POST /bodies/{slug}/members/{membership_id}/end": lambda w: {"term_end": _today()},
    "POST /bodies/{slug}/meetings/new": lambda w: {
        "title": "M",
        "starts_at": "2027-01-01T10:00",
        "ends_at": "2027-01-01T11:00",
        "timezone": "UTC",
    },
    "POST /bodies/{slug}/decisions/new": lambda w: {
        "title": "D",
        "text": "T",
        "method": "consensus",
        "decided_on": _today(),
    },
    "POST /bodies/{slug}/actions/new": lambda w: {
        "title": "A",
        "owner": str(w.users["member"].id),
        "due_on": _today(),
    },
    "POST /meetings/{meeting_id}/agenda": lambda w: {"title": "Item"},
    "POST /meetings/{meeting_id}/agenda/{item_id}/move": lambda w: {"direction": "down"},
    "POST /meetings/{meeting_id}/agenda/from-comments": lambda w: {
        "consultation": str(w.consultations["open"].id),
        "clause_keys": "9.4",
    },
    "POST /meetings/{meeting_id}/attendance": lambda w: {f"status-{w.membership_id}": "present"},
    "POST /meetings/{meeting_id}/minutes": lambda w: {"text": "Minutes text."},
    "POST /meetings/{meeting_id}/minutes/comments": lambda w: {"comment": "A correction."},
    "POST /actions/{action_id}/status": lambda w: {"status": "done"},
}

# The state of the minutes each step starts from.
MINUTES_BEFORE = {
    "POST /meetings/{meeting_id}/minutes/comments": "circulated",
    "POST /meetings/{meeting_id}/minutes/{step} [circulate]": "draft",
    "POST /meetings/{meeting_id}/minutes/{step} [approve]": "circulated",
    "POST /meetings/{meeting_id}/minutes/{step} [publish]": "approved",
}


class Case(NamedTuple):
    entry: str  # "METHOD /path/template"
    variant: tuple[str, str] | None
    expect: Expect

    @property
    def name(self) -> str:
        return f"{self.entry} [{self.variant[1]}]" if self.variant else self.entry


def cases() -> list[Case]:
    found = []
    for entry, rule in MATRIX.items():
        if isinstance(rule, Vary):
            found += [Case(entry, (rule.param, label), e) for label, e in rule.cases.items()]
        else:
            found.append(Case(entry, None, rule))
    return found


def outcome(response: httpx.Response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307) and response.headers["location"].startswith("/auth/login"):
        return SIGNIN
    if status == 403 and "send the form again" in response.text.lower():
        return "403 (CSRF: the test's token was refused)"
    if status in (401, 403):
        return DENIED
    if status == 404:
        return HIDDEN
    if status < 400 or status in (400, 409, 422):
        return OK
    return str(status)


def test_every_route_is_in_the_matrix(app):
    if missing := [entry for entry in router_entries(app) if entry not in MATRIX]:
        pytest.fail(
            "Routes with no entry in MATRIX (tests/test_authorisation_matrix.py); decide who "
            "may use each:\n" + "\n".join(missing)
        )


def test_every_matrix_entry_is_a_route(app):
    routes = set(router_entries(app))
    if stale := [entry for entry in MATRIX if entry not in routes]:
        pytest.fail("MATRIX entries that are no longer routes:\n" + "\n".join(stale))


def test_matrix_entries_are_well_formed():
    assert Expect._fields == ROLES
    for case in cases():
        assert case.entry.split(" ", 1)[0] in ("GET", "POST"), case.name
        assert set(case.expect) <= {OK, SIGNIN, DENIED, HIDDEN}, case.name


def _request(client, world: World, role: str, case: Case, token: str) -> httpx.Response:
    method, template = case.entry.split(" ", 1)
    path = world.path(template, role, case.variant)
    if method == "GET":
        return client.get(path, follow_redirects=False)
    data = {"csrf_token": token, **FORMS.get(case.entry, lambda w: {})(world)}
    return client.post(path, data=data, follow_redirects=False)


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_the_matrix_says(app, client, role):
    world = build_world(app)
    if user := world.user(role):
        sign_in(client, app.state.db, user)
    token = csrf(client, "/auth/login")
    # The token is good: a 403 below is a refusal of the person, not of the form.
    sanity = client.post("/language", data={"csrf_token": token}, follow_redirects=False)
    assert sanity.status_code == 303
    mismatches = []
    for case in cases():
        if status := MINUTES_BEFORE.get(case.name):
            world.set_minutes(status)
        saved = httpx.Cookies(client.cookies)
        response = _request(client, world, role, case, token)
        client.cookies = saved
        expected, got = getattr(case.expect, role), outcome(response)
        if got != expected:
            where = response.headers.get("location", "")
            mismatches.append(
                f"{case.name}: expected {expected}, got {got} ({response.status_code} {where})"
            )
    if mismatches:
        pytest.fail(f"As {role}:\n" + "\n".join(mismatches))


@pytest.mark.parametrize("role", ROLES)
def test_public_calendars_keep_the_online_link_for_members(app, client, role):
    """A meeting held only online: the public feeds give no LOCATION, the members' invitation
    gives the link."""
    world = build_world(app)
    link = "https://meet.example.org/members-only"
    meeting = make_meeting(app.state.db, world.body, title="Online only", place="", online_url=link)
    if user := world.user(role):
        sign_in(client, app.state.db, user)
    for path in ("/meetings.ics", f"/bodies/{world.body.slug}/meetings.ics"):
        feed = client.get(path)
        assert "Online only" in feed.text and link not in feed.text, path
    with app.state.db.session(write=True) as session:
        assert feeds.send_invitations(session, app.state.outbox, meeting, world.body) == 2
    invitations = [m for m in outbox(app.state.db) if m.attachment_name == "meeting.ics"]
    assert len(invitations) == 2 and all(link in m.attachment_text for m in invitations)
