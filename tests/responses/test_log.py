import pytest
from sqlmodel import select

from consult.responses.models import Response, ResponseHistory
from consult.responses.services import apply_changes
from tests.conftest import csrf, make_consultation, make_user, sign_in
from tests.responses.conftest import make_comment, response_of, soup


@pytest.fixture
def staff(db):
    return make_user(db, email="secretariat@example.org", name="Sue Secretary", staff=True)


def log_url(consultation):
    return f"/consultations/{consultation.slug}/responses"


def edit_url(consultation, comment):
    return f"{log_url(consultation)}/{comment.reference}"


def save(client, consultation, comment, htmx=False, **fields):
    url = edit_url(consultation, comment)
    data = {"disposition": "accepted", "response_markdown": "", "referred_to": ""} | fields
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        url,
        data=data | {"csrf_token": csrf(client, url)},
        headers=headers,
        follow_redirects=False,
    )


def test_log_lists_every_comment_with_its_record(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation, publication="unattributed", country="FR")
    sign_in(client, db, staff)
    page = soup(client.get(log_url(consultation)))
    row = page.select_one(f"#response-{comment.reference}")
    assert comment.reference in row.text
    assert "9.4" in row.text
    assert "Technical" in row.text
    assert "Civil Society" in row.text
    assert "France" in row.text
    assert "Publish without attribution" in row.text
    assert "Pending" in row.select_one(".disposition").text


def test_log_filters_sorts_and_paginates_in_sql(client, db, staff):
    consultation = make_consultation(db)
    for index in range(55):
        make_comment(db, consultation, body=f"Point number {index}", kind="editorial")
    make_comment(db, consultation, key="9.1", body="Due diligence is vague.", kind="general")
    sign_in(client, db, staff)
    page = soup(client.get(log_url(consultation)))
    assert "56 comments match" in page.select_one("#log-total").text
    assert len(page.select("tr.log-row")) == 50
    assert "Page 1 of 2" in page.select_one("#log-pages").text
    second = soup(client.get(page.select_one('#log-pages a[rel="next"]')["href"]))
    assert len(second.select("tr.log-row")) == 6
    by_clause = soup(client.get(log_url(consultation) + "?clause=9.1"))
    assert len(by_clause.select("tr.log-row")) == 1
    assert "Due diligence is vague." in by_clause.select_one("tr.log-row").text
    assert "1 comment matches" in soup(client.get(log_url(consultation) + "?kind=general")).text
    text = soup(client.get(log_url(consultation) + "?q=NUMBER+54"))
    assert len(text.select("tr.log-row")) == 1
    # % and _ are text to find, not wildcards: "5_" finds no "Point number 54".
    assert not soup(client.get(log_url(consultation) + "?q=number+5_")).select("tr.log-row")
    assert not soup(client.get(log_url(consultation) + "?q=number+%25")).select("tr.log-row")
    pending = soup(client.get(log_url(consultation) + "?disposition=pending"))
    assert "56 comments match" in pending.select_one("#log-total").text
    none = soup(client.get(log_url(consultation) + "?disposition=accepted"))
    assert "0 comments match" in none.select_one("#log-total").text
    # htmx gets the table alone
    partial = client.get(log_url(consultation) + "?kind=general", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="log-table">')


def test_inline_edit_saves_and_returns_the_row(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    sign_in(client, db, staff)
    form = client.get(edit_url(consultation, comment), headers={"HX-Request": "true"})
    assert form.text.lstrip().startswith(f'<tr id="response-{comment.reference}"')
    assert soup(form).select_one("form")["hx-post"] == edit_url(consultation, comment)
    answer = save(
        client,
        consultation,
        comment,
        htmx=True,
        disposition="partially_accepted",
        response_markdown="We add the requirement in 9.4.2.",
        referred_to="Human Rights Working Group",
    )
    assert answer.status_code == 200
    row = soup(answer).select_one(f"tr#response-{comment.reference}")
    assert "Partially accepted" in row.select_one(".disposition").text
    assert "Human Rights Working Group" in row.text
    saved = response_of(db, comment)
    assert (saved.disposition, saved.response_markdown, saved.version) == (
        "partially_accepted",
        "We add the requirement in 9.4.2.",
        1,
    )


def test_plain_post_redirects_to_the_edit_page_with_history(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    sign_in(client, db, staff)
    answer = save(client, consultation, comment, disposition="accepted")
    assert answer.status_code == 303
    page = soup(client.get(answer.headers["location"]))
    rows = page.select("#response-history tbody tr")
    assert [td.text for td in rows[0].select("td")[1:]] == [
        "Sue Secretary",
        "Disposition",
        "Pending",
        "Accepted",
    ]


@pytest.mark.parametrize(
    "disposition", ["not_accepted", "partially_accepted", "noted", "out_of_scope"]
)
def test_a_disposition_other_than_accepted_needs_a_response(client, db, staff, disposition):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    sign_in(client, db, staff)
    answer = save(
        client, consultation, comment, htmx=True, disposition=disposition, referred_to="Kept text"
    )
    assert answer.status_code == 422
    form = soup(answer)
    assert form.select_one("#response_markdown-error").text.startswith("Write a response")
    assert form.select_one("#field-referred_to")["value"] == "Kept text"
    assert response_of(db, comment) is None


def test_unknown_disposition_is_refused(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    sign_in(client, db, staff)
    answer = save(client, consultation, comment, disposition="maybe", response_markdown="x")
    assert answer.status_code == 422
    assert "Choose a disposition" in soup(answer).select_one("#disposition-error").text
    assert response_of(db, comment) is None


def test_accepted_needs_no_response(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    sign_in(client, db, staff)
    assert save(client, consultation, comment, disposition="accepted").status_code == 303
    assert response_of(db, comment).disposition == "accepted"


def test_history_keeps_every_change_with_who_when_before_after(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    sign_in(client, db, staff)
    save(client, consultation, comment, disposition="accepted")
    save(
        client, consultation, comment, disposition="not_accepted", response_markdown="Out of date."
    )
    save(
        client, consultation, comment, disposition="not_accepted", response_markdown="Out of date."
    )
    with db.session() as session:
        changes = list(session.exec(select(ResponseHistory).order_by(ResponseHistory.id)))
    assert [(c.field, c.before, c.after) for c in changes] == [
        ("disposition", "pending", "accepted"),
        ("disposition", "accepted", "not_accepted"),
        ("response_markdown", "", "Out of date."),
    ]
    assert {c.changed_by_id for c in changes} == {staff.id}
    assert all(c.changed_at is not None for c in changes)
    assert response_of(db, comment).version == 2


def test_history_is_append_only(db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    with db.session(write=True) as session:
        apply_changes(session, comment, {"disposition": "accepted"}, staff)
    with pytest.raises(RuntimeError, match="append-only"), db.session(write=True) as session:
        change = session.exec(select(ResponseHistory)).one()
        change.after = "noted"
        session.flush()
    with pytest.raises(RuntimeError, match="append-only"), db.session(write=True) as session:
        session.delete(session.exec(select(ResponseHistory)).one())
        session.flush()
    with db.session() as session:
        assert session.exec(select(ResponseHistory)).one().after == "accepted"


def test_confidential_comment_takes_a_summary(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation, publication="confidential")
    sign_in(client, db, staff)
    form = soup(client.get(edit_url(consultation, comment)))
    assert form.select_one("#field-confidential_summary") is not None
    save(client, consultation, comment, confidential_summary="Asks for community-led consent.")
    assert response_of(db, comment).confidential_summary == "Asks for community-led consent."


# --- permissions ------------------------------------------------------------------------------


def _routes(consultation, comment):
    return [
        ("GET", log_url(consultation)),
        ("GET", edit_url(consultation, comment)),
        ("POST", edit_url(consultation, comment)),
        ("POST", f"/consultations/{consultation.slug}/synopsis/publish"),
    ]


@pytest.mark.parametrize("who", ["anonymous", "commenter"])
def test_every_log_route_is_refused_to_all_but_the_secretariat(client, db, who):
    consultation = make_consultation(db, opens_days=-100, closes_days=-30)
    comment = make_comment(db, consultation)
    if who == "commenter":
        sign_in(client, db, make_user(db, email="ana@example.org"))
    token = csrf(client)
    for method, url in _routes(consultation, comment) + extra_routes(consultation):
        if method == "GET":
            answer = client.get(url, follow_redirects=False)
            if who == "anonymous":
                assert answer.status_code == 303, url
                assert answer.headers["location"].startswith("/auth/login"), url
            else:
                assert answer.status_code == 403, url
        else:
            answer = client.post(
                url,
                data={
                    "csrf_token": token,
                    "disposition": "accepted",
                    "pending_justification": "x",
                },
                files=files_for(url),
                follow_redirects=False,
            )
            assert answer.status_code == 403, url
    with db.session() as session:
        assert session.exec(select(Response)).all() == []
        assert session.exec(select(ResponseHistory)).all() == []
    assert client.get(f"/consultations/{consultation.slug}/synopsis").status_code == 404


# Routes added by later slices register themselves here.
EXTRA_ROUTES: list = [
    ("GET", "/consultations/{slug}/responses/export.csv"),
    ("GET", "/consultations/{slug}/responses/export.xlsx"),
    ("GET", "/consultations/{slug}/responses/upload"),
    ("POST", "/consultations/{slug}/responses/upload"),
]


def extra_routes(consultation):
    return [(method, path.format(slug=consultation.slug)) for method, path in EXTRA_ROUTES]


def files_for(url):
    if url.endswith("/upload"):
        return {"file": ("log.csv", b"reference,version\n", "text/csv")}
    return None


def test_log_of_an_unknown_consultation_is_404(client, db, staff):
    sign_in(client, db, staff)
    assert client.get("/consultations/nope/responses").status_code == 404


def test_assignee_is_shown_and_filters_the_log(client, db, staff):
    consultation = make_consultation(db)
    mine = make_comment(db, consultation)
    make_comment(db, consultation)
    sign_in(client, db, staff)
    answer = save(client, consultation, mine, htmx=True, assignee_id=str(staff.id))
    assert "Assigned to Sue Secretary" in soup(answer).select_one(".assignee").text
    filtered = soup(client.get(log_url(consultation) + f"?assignee={staff.id}"))
    assert [r["id"] for r in filtered.select("tr.log-row")] == [f"response-{mine.reference}"]
    nobody = soup(client.get(log_url(consultation) + "?assignee=none"))
    assert len(nobody.select("tr.log-row")) == 1
    commenter = make_user(db, email="ana@example.org")
    refused = save(client, consultation, mine, htmx=True, assignee_id=str(commenter.id))
    assert refused.status_code == 422
    assert "secretariat" in soup(refused).select_one("#assignee_id-error").text


def test_cancel_gives_the_row_back(client, db, staff):
    consultation = make_consultation(db)
    comment = make_comment(db, consultation)
    sign_in(client, db, staff)
    answer = client.get(
        edit_url(consultation, comment) + "?view=row", headers={"HX-Request": "true"}
    )
    assert answer.text.lstrip().startswith(
        f'<tr id="response-{comment.reference}" class="log-row">'
    )
