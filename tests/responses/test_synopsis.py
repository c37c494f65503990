import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from starlette.testclient import TestClient

from consult.responses.models import Synopsis
from consult.responses.services import apply_changes
from tests.conftest import csrf, make_consultation, make_draft, make_user, outbox, sign_in
from tests.responses.conftest import ISO_HEADER, make_comment, soup

NAMED = "Consent must be sought through the community's own institutions."
UNATTRIBUTED = "Le texte devrait préciser que le consentement peut être refusé."
CONFIDENTIAL = "Our mine at Kamloops bypassed the elders last year."
SUMMARY = "Asks that consent be sought from traditional authorities."
SECRETS = ("Kamloops", "Joe Secret", "Hidden Mining", "joe@hidden.example")


@pytest.fixture
def staff(db):
    return make_user(db, email="secretariat@example.org", name="Sue Secretary", staff=True)


@pytest.fixture
def closed(db, staff):
    """A closed consultation with a named, an unattributed and a confidential comment, all
    answered."""
    consultation = make_consultation(db, opens_days=-100, closes_days=-30)
    named = make_comment(db, consultation, body=NAMED, name="Amara Lopes", organisation="CIR")
    unattributed = make_comment(
        db,
        consultation,
        body=UNATTRIBUTED,
        publication="unattributed",
        name="Claire Dubois",
        organisation="Forêts et Droits",
        email="claire@example.org",
        country="FR",
    )
    confidential = make_comment(
        db,
        consultation,
        key="9.1",
        body=CONFIDENTIAL,
        proposed_change="Name Hidden Mining in the guidance.",
        publication="confidential",
        name="Joe Secret",
        organisation="Hidden Mining",
        email="joe@hidden.example",
        category="production_transformation",
        country="CA",
        kind="general",
    )
    with db.session(write=True) as session:
        apply_changes(session, named, {"disposition": "accepted"}, staff)
        apply_changes(
            session,
            unattributed,
            {"disposition": "noted", "response_markdown": "The guidance covers refusal."},
            staff,
        )
        apply_changes(
            session,
            confidential,
            {
                "disposition": "not_accepted",
                "response_markdown": "Out of scope of 9.1.",
                "confidential_summary": SUMMARY,
            },
            staff,
        )
    return consultation


def url(consultation, suffix=""):
    return f"/consultations/{consultation.slug}/synopsis{suffix}"


def publish(client, consultation, **fields):
    return client.post(
        url(consultation, "/publish"),
        data={"csrf_token": csrf(client, url(consultation))} | fields,
        follow_redirects=False,
    )


def published(db, consultation):
    with db.session() as session:
        return session.exec(
            select(Synopsis).where(Synopsis.consultation_id == consultation.id)
        ).first()


def test_synopsis_is_hidden_from_the_public_until_published(client, db, closed, staff):
    assert client.get(url(closed)).status_code == 404
    for suffix in (".csv", ".xlsx", ".md"):
        assert client.get(url(closed, suffix)).status_code == 404
    sign_in(client, db, staff)
    preview = soup(client.get(url(closed)))
    assert "Not published yet" in preview.select_one("#not-published").text


def test_publication_refused_while_pending_unless_justified(client, db, staff):
    consultation = make_consultation(db, opens_days=-100, closes_days=-30)
    make_comment(db, consultation)
    sign_in(client, db, staff)
    refused = publish(client, consultation)
    assert refused.status_code == 422
    assert "still pending" in soup(refused).select_one("#pending_justification-error").text
    assert published(db, consultation) is None
    assert outbox(db) == []
    answer = publish(client, consultation, pending_justification="The board meets on Monday.")
    assert answer.status_code == 303
    record = published(db, consultation)
    assert record.pending_justification == "The board meets on Monday."
    assert record.published_by_id == staff.id
    page = soup(client.get(url(consultation)))
    assert "The board meets on Monday." in page.select_one("#pending-justification").text


def test_publication_refused_before_the_close_and_twice(client, db, closed, staff):
    open_one = make_consultation(db, make_draft(db, version="V4 draft 2"), title="Still open")
    sign_in(client, db, staff)
    assert publish(client, open_one).status_code == 409
    assert publish(client, closed).status_code == 303
    assert publish(client, closed).status_code == 409
    with db.session() as session:
        assert len(session.exec(select(Synopsis)).all()) == 1


def test_published_page_says_when_and_by_whom(client, db, closed, staff):
    sign_in(client, db, staff)
    publish(client, closed)
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    page = soup(client.get(url(closed)))
    assert "by Sue Secretary" in page.select_one("#published").text
    assert page.select_one("#published time") is not None
    assert page.select_one("#publish-form") is None


def test_synopsis_page_honours_publication_choices(client, db, closed, staff):
    sign_in(client, db, staff)
    publish(client, closed)
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    answer = client.get(url(closed))
    page = soup(answer)
    named, unattributed = page.select("#synopsis-9\\.4 article")
    assert NAMED in named.select_one(".entry-text").text
    assert "Amara Lopes, CIR" in named.select_one(".attribution").text
    assert "Accepted" in named.select_one(".disposition").text
    assert UNATTRIBUTED in unattributed.text
    assert unattributed.select_one(".attribution") is None
    assert "Claire" not in answer.text and "Forêts" not in answer.text
    assert "Civil Society" in unattributed.select_one(".category").text
    assert "France" in unattributed.select_one(".country").text
    assert "The guidance covers refusal." in unattributed.select_one(".entry-response").text
    confidential = page.select_one("#synopsis-9\\.1 article")
    assert SUMMARY in confidential.select_one(".entry-text").text
    assert "Out of scope of 9.1." in confidential.text
    for secret in SECRETS:
        assert secret not in answer.text
    # draft order: 9.1 before 9.4
    keys = [s["id"] for s in page.select(".synopsis-clause")]
    assert keys == ["synopsis-9.1", "synopsis-9.4"]


def _check_public_rows(text):
    assert NAMED in text and "Amara Lopes" in text
    assert UNATTRIBUTED in text and "Claire" not in text and "Forêts" not in text
    assert SUMMARY in text
    for secret in SECRETS:
        assert secret not in text, secret


def test_csv_download_honours_publication_choices(client, db, closed, staff):
    sign_in(client, db, staff)
    publish(client, closed)
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    answer = client.get(url(closed, ".csv"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    text = answer.content.decode("utf-8-sig")
    _check_public_rows(text)
    rows = list(csv.reader(io.StringIO(text)))
    # The ISO commenting template's columns, after an ID.
    assert rows[0][:9] == ["ID", "Commenter or organisation", *ISO_HEADER[1:]]
    assert rows[0][9] == "Disposition" and rows[0][11] == "Stakeholder category"
    by_text = {row[6]: row for row in rows[1:]}
    assert by_text[NAMED][1] == "Amara Lopes, CIR"
    assert by_text[NAMED][5] == "te" and by_text[NAMED][9] == "Accepted"
    assert by_text[UNATTRIBUTED][1] == "" and by_text[UNATTRIBUTED][11] == "Civil Society"
    confidential = next(row for row in rows[1:] if SUMMARY in row[6])
    assert confidential[1] == "" and confidential[7] == "" and confidential[11] == ""
    assert confidential[9] == "Not accepted"


def test_xlsx_download_honours_publication_choices(client, db, closed, staff):
    sign_in(client, db, staff)
    publish(client, closed)
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    answer = client.get(url(closed, ".xlsx"))
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    _check_public_rows("\n".join("\t".join(str(v) for v in row) for row in values))
    assert values[0][0] == "ID" and len(values) == 4


def test_markdown_download_honours_publication_choices(client, db, closed, staff):
    sign_in(client, db, staff)
    publish(client, closed)
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    answer = client.get(url(closed, ".md"))
    assert answer.status_code == 200
    text = answer.text
    _check_public_rows(text)
    assert "Published on" in text and "Sue Secretary" in text
    assert text.index("## 9.1") < text.index("## 9.4")


def test_downloads_neutralise_formula_injection(client, db, staff):
    consultation = make_consultation(db, opens_days=-100, closes_days=-30)
    attacks = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    for index, attack in enumerate(attacks):
        make_comment(db, consultation, body=attack, name=attack if index == 0 else "Ana", email="")
    sign_in(client, db, staff)
    publish(client, consultation, pending_justification="Testing.")
    text = client.get(url(consultation, ".csv")).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    for attack in attacks:
        assert "'" + attack in cells
        assert attack not in cells
    sheet = load_workbook(io.BytesIO(client.get(url(consultation, ".xlsx")).content)).active
    xlsx_cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in xlsx_cells)
    values = {cell.value for cell in xlsx_cells if isinstance(cell.value, str)}
    assert not [v for v in values if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for attack in attacks[:5]:
        assert "'" + attack in values


def test_figures_tables_and_svg_charts(client, db, closed, staff):
    sign_in(client, db, staff)
    make_comment(
        db, closed, key="9.1", body="Second comment by Amara.", name="Amara Lopes", kind="editorial"
    )
    page = soup(client.get(url(closed)))
    categories = {
        row.select_one("th").text: [td.text for td in row.select("td")]
        for row in page.select("#figures-category tbody tr")
    }
    # Amara wrote twice (same email), Claire once: 3 comments by 2 commenters.
    assert categories["Civil Society"] == ["3", "2"]
    assert categories["Production and Transformation"] == ["1", "1"]
    countries = {
        r.select_one("th").text: r.select_one("td").text
        for r in page.select("#figures-country tbody tr")
    }
    assert countries == {"Brazil": "2", "France": "1", "Canada": "1"}
    kinds = {
        r.select_one("th").text: r.select_one("td").text
        for r in page.select("#figures-kind tbody tr")
    }
    assert kinds == {"Technical": "2", "General": "1", "Editorial": "1"}
    header = [th.text for th in page.select("#figures-dispositions thead th")]
    civil = page.select_one("#figures-dispositions tbody tr")
    cells = dict(zip(header[1:], [td.text for td in civil.select("td")], strict=True))
    assert cells["Accepted"] == "1" and cells["Noted"] == "1" and cells["Pending"] == "1"
    chart = page.select_one("svg#chart-category")
    assert chart["role"] == "img"
    assert len(chart.select("rect.bar")) == 2
    assert page.select_one("svg#chart-dispositions") is not None


def test_publication_emails_each_commenter_once(client, db, closed, staff):
    make_comment(db, closed, key="9.1", body="Another point.", name="Amara Lopes")
    make_comment(db, closed, body="No email given.", email="")
    make_user(db, email="claire@example.org", name="Claire", language="fr")
    sign_in(client, db, staff)
    assert publish(client, closed, pending_justification="Two late ones.").status_code == 303
    messages = outbox(db)
    assert sorted(m.to_address for m in messages) == [
        "ana@example.org",
        "claire@example.org",
        "joe@hidden.example",
    ]
    ana = next(m for m in messages if m.to_address == "ana@example.org")
    assert (
        ana.body_text.count(f"http://testserver/consultations/{closed.slug}/synopsis#comment-") == 2
    )
    claire = next(m for m in messages if m.to_address == "claire@example.org")
    assert f"/consultations/{closed.slug}/synopsis#comment-" in claire.body_text


def test_print_stylesheet_is_linked(client, db, closed, staff):
    sign_in(client, db, staff)
    page = soup(client.get(url(closed)))
    link = page.select_one('link[href^="/static/responses."][href$=".css"]')
    assert link is not None
    assert "@media print" in client.get(link["href"]).text


def test_consultation_page_links_to_the_log_and_the_synopsis(client, db, closed, staff):
    page = soup(client.get(f"/consultations/{closed.slug}"))
    assert page.select_one("#synopsis-link")["href"] == url(closed)
    assert page.select_one("#response-log-link") is None
    sign_in(client, db, staff)
    page = soup(client.get(f"/consultations/{closed.slug}"))
    assert (
        page.select_one("#response-log-link")["href"] == f"/consultations/{closed.slug}/responses"
    )


def test_downloads_are_made_once_for_every_visitor(app, client, db, closed, staff):
    sign_in(client, db, staff)
    publish(client, closed)
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    for suffix in (".csv", ".xlsx", ".md"):
        first = client.get(url(closed, suffix))
        with TestClient(app) as newcomer:
            again = newcomer.get(url(closed, suffix))
        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        for header in ("content-type", "content-disposition", "content-length"):
            assert again.headers[header] == first.headers[header]
        if suffix == ".xlsx":
            assert load_workbook(io.BytesIO(again.content)).active.max_row == 4
