"""The secretariat's pages: drafts, new consultations, recording on behalf; and who may use them."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from consult.consultations.models import Consultation
from consult.drafts.models import Clause, Draft
from tests.conftest import SAMPLE_DRAFT, csrf, make_consultation, make_draft, make_user, sign_in

STAFF_GETS = [
    "/drafts",
    "/drafts/import",
    "/drafts/{draft}",
    "/consultations/new",
    "/consultations/{slug}/record",
]
STAFF_POSTS = ["/drafts/import", "/consultations/new", "/consultations/{slug}/record"]


def as_staff(client, db):
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))


@pytest.mark.parametrize("who", ["anonymous", "commenter"])
def test_staff_routes_refuse_everyone_else(client, db, who):
    consultation = make_consultation(db)
    if who == "commenter":
        sign_in(client, db, make_user(db))
    token = csrf(client)
    for template in STAFF_GETS:
        path = template.format(draft=consultation.draft_id, slug=consultation.slug)
        assert client.get(path).status_code == 403, path
    for template in STAFF_POSTS:
        path = template.format(draft=consultation.draft_id, slug=consultation.slug)
        response = client.post(path, data={"csrf_token": token, "title": "x", "body": "x"})
        assert response.status_code == 403, path
    with db.session() as session:
        assert len(session.exec(select(Consultation)).all()) == 1


def test_staff_can_open_every_staff_page(client, db):
    consultation = make_consultation(db)
    as_staff(client, db)
    for template in STAFF_GETS:
        path = template.format(draft=consultation.draft_id, slug=consultation.slug)
        assert client.get(path).status_code == 200, path


def upload(
    client, content: bytes, standard="Performance Standard", version="V4 draft 1", name="draft.md"
):
    return client.post(
        "/drafts/import",
        data={"standard": standard, "version": version, "csrf_token": csrf(client)},
        files={"file": (name, content, "text/markdown")},
        follow_redirects=False,
    )


def test_uploading_a_draft(client, db):
    as_staff(client, db)
    response = upload(client, SAMPLE_DRAFT.encode())
    assert response.status_code == 303
    detail = client.get(response.headers["location"])
    rows = BeautifulSoup(detail.text, "html.parser").select("#draft-clauses tbody tr")
    assert len(rows) == 5


def test_a_bad_upload_names_the_line_and_imports_nothing(client, db):
    as_staff(client, db)
    response = upload(client, (SAMPLE_DRAFT + "\n## 9.4 Again\n").encode(), version="<b>V9</b>")
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert "Line 21: clause 9.4 appears twice" in soup.select_one("#file-error").text
    assert soup.select_one("#field-version")["value"] == "<b>V9</b>"
    assert "<b>V9</b>" not in response.text
    for content, message in [(b"\xff\xfe\x00bad", "UTF-8"), (b"no headings here", "no headings")]:
        bad = upload(client, content)
        assert bad.status_code == 422 and message in bad.text
    missing = client.post(
        "/drafts/import", data={"standard": "S", "version": "V", "csrf_token": csrf(client)}
    )
    assert missing.status_code == 422
    with db.session() as session:
        assert session.exec(select(Draft)).all() == [] and session.exec(select(Clause)).all() == []


def test_an_upload_over_the_limit_is_refused(client, db):
    as_staff(client, db)
    response = upload(client, b"# 1 A\n" + b"x" * (11 * 1024 * 1024))
    assert response.status_code == 413


def new_consultation_form(draft_id, **overrides):
    return {
        "draft": str(draft_id),
        "title": "V4 round 1",
        "summary": "",
        "opens_at": "2027-01-10T09:00",
        "closes_at": "2027-03-11T09:00",
        "timezone": "Europe/Paris",
        "round_number": "1",
        "justification": "",
        "show_comments": "on",
    } | overrides


def test_opening_a_consultation_from_the_form(client, db):
    draft = make_draft(db)
    as_staff(client, db)
    data = new_consultation_form(draft.id) | {"csrf_token": csrf(client, "/consultations/new")}
    response = client.post("/consultations/new", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/consultations/performance-standard-v4d1-r1"
    with db.session() as session:
        consultation = session.exec(select(Consultation)).one()
    assert consultation.opens_at.hour == 8  # 09:00 in Paris in winter is 08:00 UTC


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"opens_at": "tomorrow"}, "opens_at"),
        ({"closes_at": "2027-02-01T09:00"}, "justification"),
        ({"closes_at": "2026-01-01T09:00"}, "closes_at"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"title": ""}, "title"),
        ({"draft": "abc"}, "draft"),
        ({"draft": "999"}, "draft"),
        ({"round_number": "x"}, "round_number"),
    ],
)
def test_bad_consultation_forms_are_refused_with_values_kept(client, db, overrides, field):
    draft = make_draft(db)
    as_staff(client, db)
    data = new_consultation_form(draft.id, **overrides) | {"csrf_token": csrf(client)}
    response = client.post("/consultations/new", data=data)
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one(f"#{field}-error"), response.text
    assert soup.select_one("#field-opens_at")["value"] == data["opens_at"]
