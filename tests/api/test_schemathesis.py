"""Schemathesis fuzzes every operation of /api/v1/openapi.json against a seeded database: no
answer is a server error, and every answer is documented, typed and shaped as the document says.

The schema is built by the same call `create_app` makes (a test below checks it is what the app
serves), so pytest makes one test per operation and database backend at collection time.
Each generated request goes through the `client` fixture (Starlette's TestClient: the app's
lifespan is the fixture's) and schemathesis checks the response.

To reach real records and not only 404s, the fuzzed copy of the document names the seeded ids
and slugs as examples, and path parameters take one of them half the time. Cursors are opaque,
so random text only tests the decoder: half the time a well-formed cursor for any id is sent."""

from __future__ import annotations

import base64
import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from consult.api.base import encode_cursor
from consult.api.openapi import document
from consult.responses.services import record_response
from consult.responses.synopsis import publish
from governance import api as governance_api
from governance import minutes
from governance.decisions import create_decision
from governance.permissions import Standing
from tests.conftest import make_consultation, make_draft, make_user
from tests.governance.conftest import add_member, make_body, make_meeting
from tests.responses.conftest import make_comment

EXAMPLES_PER_OPERATION = 40
OPEN, CLOSED = "performance-standard-v4d1-r1", "performance-standard-v3-r1"
# What `seed` creates in a fresh database, as values of (parameter, path prefix).
SEEDED = {
    ("draft_id", "/api/v1/drafts/"): [1, 2],
    ("slug", "/api/v1/consultations/"): [OPEN, CLOSED],
    ("slug", "/api/v1/bodies/"): ["standards-committee"],
}
# Query values that select something, as values of (parameter, path prefix).
QUERY_EXAMPLES = {
    ("standard", "/api/v1/drafts"): ["Performance Standard"],
    ("standard", "/api/v1/consultations"): ["Performance Standard"],
    ("standard", "/api/v1/decisions"): ["performance-standard"],  # a slug here
    ("body", "/api/v1/"): ["standards-committee"],
    ("clause", "/api/v1/"): ["9.4", "glossary"],
    ("year", "/api/v1/"): ["2026"],
    ("cursor", "/api/v1/"): [encode_cursor(1)],
}

DOCUMENT = document(governance_api.OPENAPI_PATHS, governance_api.OPENAPI_SCHEMAS)


def _values(table: dict, name: str, path: str) -> list:
    return next(
        (v for (n, prefix), v in table.items() if n == name and path.startswith(prefix)), []
    )


def with_seeded_examples(doc: dict) -> dict:
    """A copy of `doc` whose parameters name seeded records as examples."""
    doc = copy.deepcopy(doc)
    for path, item in doc["paths"].items():
        for parameter in item["get"]["parameters"]:
            table = SEEDED if parameter["in"] == "path" else QUERY_EXAMPLES
            if values := _values(table, parameter["name"], path):
                parameter["examples"] = {f"seeded{i}": {"value": v} for i, v in enumerate(values)}
    return doc


schema = schemathesis.openapi.from_dict(
    with_seeded_examples(DOCUMENT),
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
            }
        }
    ),
)


def _seeded_or(value, seeded: list) -> st.SearchStrategy:
    # A value of another type is an invalid one made on purpose (negative testing): kept.
    if seeded and type(value) is type(seeded[0]):
        return st.sampled_from(seeded) | st.just(value)
    return st.just(value)


@schema.hook("flatmap_path_parameters")
def seeded_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    return st.fixed_dictionaries(
        {
            name: _seeded_or(value, _values(SEEDED, name, path))
            for name, value in path_parameters.items()
        }
    )


@schema.hook("flatmap_query")
def well_formed_cursors(context, query):
    if not query or not isinstance(query.get("cursor"), str):
        return st.just(query)
    # Any id, and the edges of the 64-bit integers a database column holds.
    ids = st.integers(min_value=0) | st.sampled_from([2**31 - 1, 2**31, 2**63, 2**64])
    cursors = ids.map(encode_cursor)
    return (cursors | st.just(query["cursor"])).map(lambda cursor: query | {"cursor": cursor})


def _has_nul(case) -> bool:
    values = [*(case.query or {}).values(), *(case.path_parameters or {}).values()]
    return any("\x00" in str(value) for value in values)


def positive_data_accepted(ctx, response, case):
    """schemathesis's positive_data_acceptance, but a 400 may answer two schema-valid requests:
    a cursor the API did not give out (cursors are opaque: no schema can list them), and a NUL
    character anywhere in the address (refused before any view runs; the document says so)."""
    if response.status_code == 400:
        error = response.json()["error"]
        if error.get("parameter") == "cursor" or (error["code"] == "http_error" and _has_nul(case)):
            return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_accepted,
    unsupported_method,
]


def seed(app, db) -> dict:
    """Two public drafts; an open consultation with comments and a closed one with a published
    synopsis; a body with members, published minutes and decisions (consensus and vote)."""
    open_round = make_consultation(db, title="Open round")
    make_comment(db, open_round, body="Named view.", kind="general")
    make_comment(db, open_round, key="9.1", body="Quiet view.", publication="unattributed")
    make_comment(db, open_round, body="Secret view.", publication="confidential")
    older = make_draft(db, version="V3")
    closed = make_consultation(db, older, title="Closed round", opens_days=-70, closes_days=-1)
    staff = make_user(db, email="staff@example.org", name="Staff", staff=True)
    answered = make_comment(db, closed, body="Consent needs time.", country="")
    make_comment(db, closed, key="glossary", body="Define FPIC.", kind="editorial")
    with db.session(write=True) as session:
        record_response(
            session,
            answered,
            {"disposition": "not_accepted", "response_markdown": "Out of the standard's reach."},
            staff,
        )
        publish(session, app.state.outbox, closed, staff, "One comment awaits the committee.")
    body = make_body(db)
    chair = make_user(db, email="chair@example.org", name="Chair Person")
    add_member(db, body, chair, role="chair", seat="Upstream value chain")
    add_member(db, body, staff, role="observer", seat=None, end_days=None)
    meeting = make_meeting(db, body, days=-1)
    with db.session(write=True) as session:
        minutes.save_text(session, meeting, "The committee met.")
        minutes.circulate(session, app.state.outbox, meeting, body)
        minutes.approve(session, meeting, staff, Standing(secretariat=True))
        minutes.publish(session, meeting, staff)
        decision = {"text": "Text.", "decided_on": "2026-03-01", "deliberations": ""}
        consensus = {"title": "By consensus", "method": "consensus", "standard": "1"}
        create_decision(session, body, decision | consensus, staff)
        votes = {"votes_for": "0", "votes_against": "0", "votes_abstain": "0"}
        vote = {"title": "By vote", "method": "vote", "meeting": str(meeting.id)}
        create_decision(session, body, decision | votes | vote, staff)
    return {
        ("draft_id", "/api/v1/drafts/"): [open_round.draft_id, older.id],
        ("slug", "/api/v1/consultations/"): [open_round.slug, closed.slug],
        ("slug", "/api/v1/bodies/"): [body.slug],
    }


@pytest.fixture
def seeded(app, db):
    assert seed(app, db) == SEEDED


def test_the_app_serves_the_fuzzed_document(client):
    assert client.get("/api/v1/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_as_documented(case, seeded, client):
    request = case.as_transport_kwargs(base_url="http://testserver")
    # The API reads no cookie, and httpx2 deprecates per-request cookies.
    assert not request.pop("cookies")
    case.validate_response(client.request(**request), checks=CHECKS)


# 5,000 digits: more than `int` reads from text by default.
LONG_CURSOR = base64.urlsafe_b64encode(b"id:" + b"9" * 5000).decode()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/drafts/%C2%B2", 404),
        ("/api/v1/drafts/%C2%B2/clauses", 404),
        ("/api/v1/decisions?year=%C2%B2%C2%B2%C2%B2%C2%B2", 400),
        (f"/api/v1/decisions?cursor={encode_cursor(2**31)}", 400),
        (f"/api/v1/minutes?cursor={encode_cursor(2**31)}", 400),
        (f"/api/v1/drafts/1/clauses?cursor={encode_cursor(2**31)}", 400),
        (f"/api/v1/consultations/{OPEN}/comments?cursor={encode_cursor(2**31)}", 400),
        (f"/api/v1/consultations/{OPEN}/comments?cursor={LONG_CURSOR}", 400),
    ],
)
def test_values_the_fuzzer_seldom_draws_get_a_json_error(seeded, client, path, status):
    """Digits that are not ASCII ("²" passes `str.isdigit`, not `int`), and ids past 64 bits."""
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["error"]["status"] == status


def test_year_0000_is_an_empty_register(seeded, client):
    response = client.get("/api/v1/decisions", params={"year": "0000"})
    assert response.status_code == 200 and response.json()["data"] == []
