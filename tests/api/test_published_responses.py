"""Responses reach search, the API and the downloads only once the synopsis is published."""

import csv
import io

from consult.responses.services import record_response
from consult.responses.synopsis import publish
from consult.search.index import search
from tests.conftest import make_consultation, make_user
from tests.responses.conftest import make_comment
from tests.search.test_search import index_all


def answered_closed_consultation(app, db):
    consultation = make_consultation(db, opens_days=-70, closes_days=-1)
    staff = make_user(db, email="staff@example.org", staff=True)
    named = make_comment(db, consultation, body="Consent needs time.")
    secret = make_comment(
        db,
        consultation,
        body="Private evidence of harm.",
        publication="confidential",
        email="s@example.org",
    )
    with db.session(write=True) as session:
        record_response(
            session,
            named,
            {"disposition": "accepted", "response_markdown": "Clause 9.4 now says so."},
            staff,
        )
        record_response(
            session,
            secret,
            {
                "disposition": "noted",
                "response_markdown": "Referred to the Standards Committee.",
                "confidential_summary": "A commenter described harm from a project.",
            },
            staff,
        )
    return consultation, staff


def publish_synopsis(app, db, consultation, staff):
    with db.session(write=True) as session:
        publish(session, app.state.outbox, consultation, staff, "")


def test_responses_are_searchable_only_after_publication(app, client, db):
    consultation, staff = answered_closed_consultation(app, db)
    index_all(app)
    index = app.state.search_index
    assert search(index, "committee", {"public"}).total == 0
    assert search(index, "committee", {"public", "secretariat"}).total == 1
    publish_synopsis(app, db, consultation, staff)
    index_all(app)
    found = search(index, "committee", {"public"})
    assert found.total == 1 and found.hits[0].kind == "response"
    assert dict(found.facets["disposition"]) == {"noted": 1}
    # The confidential comment's own words never become searchable; its summary does.
    assert search(index, "evidence", {"public"}).total == 0
    assert search(index, "described harm", {"public"}).total == 1


def test_api_and_downloads_carry_published_responses(app, client, db):
    consultation, staff = answered_closed_consultation(app, db)
    url = f"/api/v1/consultations/{consultation.slug}/comments"
    assert [c["response"] for c in client.get(url).json()["data"]] == [None]
    assert client.get(f"/api/v1/consultations/{consultation.slug}/synopsis").status_code == 404
    publish_synopsis(app, db, consultation, staff)
    [record] = client.get(url).json()["data"]
    assert record["response"] == {
        "disposition": "accepted",
        "response": "Clause 9.4 now says so.",
        "referred_to": None,
    }
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/consultations/{consultation.slug}/comments.csv").text.lstrip("\ufeff")
            )
        )
    )
    assert [(r["comment"], r["disposition"]) for r in rows] == [("Consent needs time.", "accepted")]
    figures = client.get(f"/api/v1/consultations/{consultation.slug}/synopsis").json()
    assert figures["by_category"] == [{"value": "civil_society", "comments": 2, "commenters": 2}]
    assert {d["disposition"] for d in figures["dispositions_by_category"]} == {"accepted", "noted"}
