import csv
import io

import pytest
from openpyxl import Workbook
from sqlmodel import select

from consult.consultations.models import Comment, Consultation
from tests.conftest import csrf, make_consultation, make_user, sign_in
from tests.responses.conftest import ISO_HEADER, soup


@pytest.fixture
def staff(db):
    return make_user(db, email="secretariat@example.org", name="Sue Secretary", staff=True)


def url(consultation):
    return f"/consultations/{consultation.slug}/responses/import"


def as_csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def post(client, consultation, content, filename="comments.csv", **fields):
    data = {"source": "workshop", "publication": "unattributed", "note": "Accra workshop"}
    return client.post(
        url(consultation),
        data=data | fields | {"csrf_token": csrf(client, url(consultation))},
        files={"file": (filename, content, "application/octet-stream")},
    )


def comments(db):
    with db.session() as session:
        return list(session.exec(select(Comment).order_by(Comment.id)))


def test_iso_csv_is_imported(client, db, staff):
    consultation = make_consultation(db)
    sign_in(client, db, staff)
    rows = [
        ISO_HEADER,
        ["Rede Terra", "12", "9.4", "Para 2", "te", "Consent is vague.", "Define it.", "Seen"],
        ["Ana", "", "Glossary", "", "ED", "Typo in FPIC.", "", ""],
    ]
    answer = post(client, consultation, as_csv(rows))
    assert answer.status_code == 200, answer.text
    assert "2 comments imported" in soup(answer).select_one("#import-report").text
    first, second = comments(db)
    assert (first.author_name, first.kind, first.body, first.proposed_change) == (
        "Rede Terra",
        "technical",
        "Consent is vague.",
        "Define it.",
    )
    assert first.source == "workshop" and first.publication == "unattributed"
    assert "Line: 12" in first.source_note and "Accra workshop" in first.source_note
    assert second.kind == "editorial"
    assert first.reference != second.reference
    assert first.reference.startswith(consultation.reference_prefix)


def test_iso_xlsx_is_imported(client, db, staff):
    consultation = make_consultation(db)
    sign_in(client, db, staff)
    workbook = Workbook()
    workbook.active.append(ISO_HEADER + ["Stakeholder category", "Country"])
    workbook.active.append(
        [
            "IPAF",
            3,
            9.1,
            "",
            "ge",
            "Add community monitoring.",
            "",
            "",
            "Indigenous Peoples / affected community",
            "ca",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    answer = post(client, consultation, buffer.getvalue(), "comments.xlsx")
    assert answer.status_code == 200, answer.text
    (comment,) = comments(db)
    assert comment.kind == "general"
    assert comment.stakeholder_category == "indigenous_peoples" and comment.country == "CA"


def test_a_file_with_bad_rows_is_refused_whole_with_a_report(client, db, staff):
    consultation = make_consultation(db)
    sign_in(client, db, staff)
    rows = [
        ISO_HEADER,
        ["Rede Terra", "", "9.4", "", "te", "Fine comment.", "", ""],
        ["Bad Clause Ltd", "", "42.7", "", "te", "Some comment.", "", ""],
        ["No Comment Inc", "", "9.4", "", "ge", "", "", ""],
        ["Odd Type", "", "9.1", "", "xx", "Hmm.", "", ""],
    ]
    answer = post(client, consultation, as_csv(rows))
    assert answer.status_code == 422
    report = [li.text for li in soup(answer).select("#row-errors li")]
    assert report == [
        "Row 3 (Bad Clause Ltd): unknown clause “42.7”",
        "Row 4 (No Comment Inc): the comment is missing",
        "Row 5 (Odd Type): unknown type “xx”: use ge, te or ed",
    ]
    assert comments(db) == []
    with db.session() as session:
        assert session.get(Consultation, consultation.id).next_receipt == 1


def test_bad_options_and_bad_files_are_refused(client, db, staff):
    consultation = make_consultation(db)
    sign_in(client, db, staff)
    content = as_csv([ISO_HEADER, ["A", "", "9.4", "", "te", "Fine.", "", ""]])
    assert post(client, consultation, content, source="online").status_code == 422
    assert post(client, consultation, b"not a zip", "c.xlsx").status_code == 400
    assert post(client, consultation, content, "c.pdf").status_code == 400
    assert post(client, consultation, b"x" * (11 * 1024 * 1024)).status_code == 413
    assert comments(db) == []


@pytest.mark.parametrize("who", ["anonymous", "commenter"])
def test_import_is_refused_to_all_but_the_secretariat(client, db, who):
    consultation = make_consultation(db)
    if who == "commenter":
        sign_in(client, db, make_user(db, email="ana@example.org"))
    answer = client.get(url(consultation), follow_redirects=False)
    assert answer.status_code == (303 if who == "anonymous" else 403)
    content = as_csv([ISO_HEADER, ["A", "", "9.4", "", "te", "Fine.", "", ""]])
    answer = client.post(
        url(consultation),
        data={"csrf_token": csrf(client), "source": "email", "publication": "named"},
        files={"file": ("c.csv", content, "text/csv")},
    )
    assert answer.status_code == 403
    assert comments(db) == []
