import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from consult.responses.models import ResponseHistory
from consult.responses.services import apply_changes
from tests.conftest import csrf, make_consultation, make_user, sign_in
from tests.responses.conftest import make_comment, response_of, soup


@pytest.fixture
def staff(db):
    return make_user(db, email="secretariat@example.org", name="Sue Secretary", staff=True)


def log(consultation, suffix=""):
    return f"/consultations/{consultation.slug}/responses{suffix}"


def download_csv(client, consultation):
    answer = client.get(log(consultation, "/export.csv"))
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def as_csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def upload(client, consultation, content, filename="log.csv"):
    url = log(consultation, "/upload")
    return client.post(
        url,
        data={"csrf_token": csrf(client, url)},
        files={"file": (filename, content, "application/octet-stream")},
    )


def test_round_trip_applies_changes_with_history_and_reports_conflicts(client, db, staff):
    consultation = make_consultation(db)
    first = make_comment(db, consultation, body="First point.")
    second = make_comment(db, consultation, body="Second point.")
    third = make_comment(db, consultation, body="=1+2")
    sign_in(client, db, staff)
    rows = download_csv(client, consultation)
    header = rows[0]
    col = {name: header.index(name) for name in header}
    by_ref = {row[0]: row for row in rows[1:]}
    assert by_ref[third.reference][col["comment"]] == "'=1+2"  # protected
    assert by_ref[first.reference][col["version"]] == "0"
    # Offline, a colleague answers all three...
    by_ref[first.reference][col["disposition"]] = "not_accepted"
    by_ref[first.reference][col["response"]] = "Covered by 9.1."
    by_ref[first.reference][col["themes"]] = "Consent; Governance"
    by_ref[second.reference][col["disposition"]] = "accepted"
    by_ref[third.reference][col["disposition"]] = "noted"
    by_ref[third.reference][col["response"]] = "Thank you."
    # ...while someone answers the second one online.
    with db.session(write=True) as session:
        apply_changes(
            session, second, {"disposition": "noted", "response_markdown": "Seen."}, staff
        )
    answer = upload(client, consultation, as_csv(rows))
    assert answer.status_code == 200, answer.text
    page = soup(answer)
    assert "2 rows applied." in page.select_one("#upload-report").text
    assert [li.text for li in page.select("#conflicts li")] == [second.reference]
    assert response_of(db, second).disposition == "noted"  # not overwritten
    saved = response_of(db, first)
    assert (saved.disposition, saved.response_markdown, saved.version) == (
        "not_accepted",
        "Covered by 9.1.",
        1,
    )
    with db.session() as session:
        changes = session.exec(
            select(ResponseHistory).where(ResponseHistory.comment_id == first.id)
        ).all()
    assert {(c.field, c.after, c.via) for c in changes} == {
        ("disposition", "not_accepted", "spreadsheet"),
        ("response_markdown", "Covered by 9.1.", "spreadsheet"),
        ("themes", "Consent; Governance", "spreadsheet"),
    }
    # The same file again: nothing new to apply; the stale row still conflicts.
    again = soup(upload(client, consultation, as_csv(rows)))
    assert "0 rows applied." in again.select_one("#upload-report").text
    assert "2 rows unchanged." in again.select_one("#upload-report").text


def test_xlsx_round_trip(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    sign_in(client, db, staff)
    answer = client.get(log(consultation, "/export.xlsx"))
    workbook = load_workbook(io.BytesIO(answer.content))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("disposition") + 1, value="out_of_scope")
    sheet.cell(row=2, column=header.index("response") + 1, value="A matter for the guidance.")
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = upload(client, consultation, buffer.getvalue(), "log.xlsx")
    assert result.status_code == 200
    assert response_of(db, comment).disposition == "out_of_scope"


def test_a_bad_row_refuses_the_whole_file(client, db, staff):
    consultation = make_consultation(db)
    good = make_comment(db, consultation)
    bad = make_comment(db, consultation)
    sign_in(client, db, staff)
    rows = download_csv(client, consultation)
    col = {name: rows[0].index(name) for name in rows[0]}
    rows[1][col["disposition"]] = "accepted"
    rows[2][col["disposition"]] = "rejected-ish"
    rows.append(["PS-NOPE-1"] + [""] * (len(rows[0]) - 1))
    answer = upload(client, consultation, as_csv(rows))
    assert answer.status_code == 422
    errors = [li.text for li in soup(answer).select("#row-errors li")]
    assert errors[0].startswith(f"Row 3 ({bad.reference}): Unknown disposition")
    assert errors[1].startswith("Row 4 (PS-NOPE-1): No comment")
    assert response_of(db, good) is None


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("log.csv", b"\xff\xfe\x00garbage"),
        ("log.xlsx", b"not a zip"),
        ("log.txt", b"reference"),
        ("log.csv", b"just,some,columns\n1,2,3\n"),
        ("log.csv", b""),
    ],
)
def test_a_malformed_upload_is_refused_with_a_message(client, db, staff, filename, content):
    consultation = make_consultation(db)
    make_comment(db, consultation)
    sign_in(client, db, staff)
    answer = upload(client, consultation, content, filename)
    assert answer.status_code == 400
    assert soup(answer).select_one("#upload-error").text.strip()


def test_an_upload_over_10_mb_is_refused(client, db, staff):
    consultation = make_consultation(db)
    sign_in(client, db, staff)
    answer = upload(client, consultation, b"x" * (11 * 1024 * 1024))
    assert answer.status_code == 413
    assert "10 MB" in answer.text
