import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import make_consultation, make_draft, make_user, sign_in
from tests.search.test_search import comment

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def consultation(client, db):
    consultation = make_consultation(db)
    comment(client, db, consultation, "Named view", publication="named", email="named@example.org")
    comment(
        client,
        db,
        consultation,
        "Quiet view",
        publication="unattributed",
        email="quiet@example.org",
    )
    comment(
        client,
        db,
        consultation,
        "Secret view",
        publication="confidential",
        email="secret@example.org",
    )
    comment(
        client,
        db,
        consultation,
        '=HYPERLINK("http://evil")',
        publication="named",
        key="9.1",
        email="named@example.org",
    )
    return consultation


def test_public_comments_honour_publication_choices(client, consultation):
    body = client.get(f"/api/v1/consultations/{consultation.slug}/comments").json()
    by_text = {c["comment"]: c for c in body["data"]}
    assert set(by_text) == {"Named view", "Quiet view", '=HYPERLINK("http://evil")'}
    assert by_text["Named view"]["author_name"] == "Ana Silva"
    assert (
        by_text["Quiet view"]["author_name"] is None
        and by_text["Quiet view"]["author_organisation"] is None
    )
    assert by_text["Quiet view"]["stakeholder_category"] == "civil_society"
    assert "Secret" not in json.dumps(body) and "secret@example.org" not in json.dumps(body)
    assert body["next_cursor"] is None


def test_cursor_pagination_walks_every_comment_once(client, consultation):
    seen, url = [], f"/api/v1/consultations/{consultation.slug}/comments?limit=1"
    while url:
        body = client.get(url).json()
        seen += [c["reference"] for c in body["data"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 3


def test_filters(client, consultation):
    base = f"/api/v1/consultations/{consultation.slug}/comments"
    assert len(client.get(base, params={"clause": "9.1"}).json()["data"]) == 1
    assert client.get(base, params={"type": "technical"}).json()["data"] == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"cursor": "!!!"}, "cursor"),
        ({"type": "rant"}, "type"),
        ({"category": "pirates"}, "category"),
    ],
)
def test_bad_parameters_get_400_with_a_stable_shape(client, consultation, params, parameter):
    response = client.get(f"/api/v1/consultations/{consultation.slug}/comments", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (
        error["status"] == 400
        and error["code"] == "bad_parameter"
        and error["parameter"] == parameter
    )
    assert error["message"]


def test_unknown_things_are_json_404s(client, db):
    for path in (
        "/api/v1/consultations/nope",
        "/api/v1/drafts/999",
        "/api/v1/drafts/abc/clauses",
        "/api/v1/nothing",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["status"] == 404


def test_drafts_without_a_consultation_stay_private(client, db):
    private = make_draft(db, version="Internal draft")
    assert client.get(f"/api/v1/drafts/{private.id}").status_code == 404
    assert client.get("/api/v1/standards").json()["data"] == []
    consultation = make_consultation(db, make_draft(db, version="V5"))
    standards = client.get("/api/v1/standards").json()["data"]
    assert [d["version"] for d in standards[0]["drafts"]] == ["V5"]
    clauses = client.get(f"/api/v1/drafts/{consultation.draft_id}/clauses?limit=2").json()
    keys = [c["key"] for c in clauses["data"]]
    while clauses["next"]:
        clauses = client.get(clauses["next"]).json()
        keys += [c["key"] for c in clauses["data"]]
    assert keys == ["introduction", "9", "9.1", "9.4", "glossary"]


def test_consultations_by_status(client, db):
    draft = make_draft(db)
    make_consultation(db, draft, title="Now")
    make_consultation(db, draft, title="Later", opens_days=5, closes_days=70)
    body = client.get("/api/v1/consultations", params={"status": "upcoming"}).json()
    assert [c["title"] for c in body["data"]] == ["Later"]
    assert client.get("/api/v1/consultations", params={"status": "soon"}).status_code == 400


def test_hidden_comments_stay_hidden_until_closing(client, db):
    consultation = make_consultation(db, show_comments_during_period=False)
    comment(client, db, consultation, "Not yet", email="x@example.org")
    assert client.get(f"/api/v1/consultations/{consultation.slug}/comments").json()["data"] == []
    assert "Not yet" not in client.get(f"/consultations/{consultation.slug}/comments.csv").text


def test_openapi_document_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    api_paths = {
        route.path for route in app.routes if getattr(route, "path", "").startswith("/api/v1/")
    }
    assert api_paths - {"/api/v1/openapi.json"} == set(document["paths"])


def test_csv_download_is_public_only_and_formula_safe(client, consultation):
    response = client.get(f"/consultations/{consultation.slug}/comments.csv")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {r["comment"] for r in rows} == {
        "Named view",
        "Quiet view",
        '\'=HYPERLINK("http://evil")',
    }
    quiet = next(r for r in rows if r["comment"] == "Quiet view")
    assert quiet["author_name"] == "" and quiet["country"] == "BR"
    assert "Secret" not in response.text


def test_json_download_streams_valid_json(client, consultation):
    body = json.loads(client.get(f"/consultations/{consultation.slug}/comments.json").text)
    assert body["consultation"] == consultation.slug and len(body["comments"]) == 3
    assert client.get("/consultations/nope/comments.json").status_code == 404


def test_consultations_atom_feed(client, db):
    draft = make_draft(db)
    make_consultation(db, draft, title="Open <round>")
    make_consultation(db, draft, title="Past", opens_days=-90, closes_days=-10)
    response = client.get("/consultations.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert "Open for comment: Open <round>" in titles and "Closed: Past" in titles
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
        assert entry.find(f"{ATOM}link").get("href").startswith("http://testserver/consultations/")


def test_staff_see_nothing_more_in_the_public_api(client, consultation, db):
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    body = client.get(f"/api/v1/consultations/{consultation.slug}/comments").json()
    assert "Secret view" not in json.dumps(body)
