import re
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlmodel import select

from consult.accounts.models import User
from consult.consultations.models import Comment
from consult.sqltypes import utcnow
from tests.conftest import csrf, make_consultation, make_draft, make_user, outbox, sign_in

COMMENT = {
    "kind": "technical",
    "body": "Consent must be sought.",
    "proposed_change": "",
    "publication": "named",
}


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def comment_url(consultation, key="9.4"):
    return f"/consultations/{consultation.slug}/clauses/{key}/comment"


def post_comment(client, consultation, key="9.4", headers=None, **fields):
    url = comment_url(consultation, key)
    data = COMMENT | fields | {"csrf_token": csrf(client, url)}
    return client.post(url, data=data, headers=headers or {}, follow_redirects=False)


def signed_in(client, db, email="ana@example.org", **fields):
    with db.session() as session:
        user = session.exec(select(User).where(User.email == email)).first()
    user = user or make_user(db, email=email, **fields)
    sign_in(client, db, user)
    return user


def test_home_lists_open_upcoming_and_closed(client, db):
    draft = make_draft(db)
    make_consultation(db, draft, title="Open one")
    make_consultation(db, draft, title="Soon", opens_days=10, closes_days=80)
    make_consultation(db, draft, title="Done", opens_days=-100, closes_days=-30)
    page = soup(client.get("/"))
    assert "Open one" in page.select_one("#consultations-open").text
    assert "Soon" in page.select_one("#consultations-upcoming").text
    assert "Done" in page.select_one("#consultations-closed").text


def test_outline_lists_every_clause_with_count_link_and_button(client, db):
    consultation = make_consultation(db)
    signed_in(client, db)
    post_comment(client, consultation)
    page = soup(client.get(f"/consultations/{consultation.slug}"))
    item = page.select_one("#clause-9\\.4")
    assert item.select_one("a")["href"] == f"/consultations/{consultation.slug}/clauses/9.4"
    assert "1 comment" in item.text
    assert (
        item.select_one(f'a[href="{comment_url(consultation)}"]').text.strip()
        == "Comment on clause 9.4"
    )
    keys = [li["id"].removeprefix("clause-") for li in page.select("#outline > li")]
    assert keys == ["introduction", "9", "9.1", "9.4", "glossary"]


def test_clause_page_has_its_text_and_a_comment_button(client, db):
    consultation = make_consultation(db)
    page = soup(client.get(f"/consultations/{consultation.slug}/clauses/9.4"))
    assert page.select_one("#clause-heading").text == "9.4 Free, prior and informed consent"
    button = page.select_one("#comment-button")
    assert button.text.strip() == "Comment on clause 9.4"
    assert button["href"] == comment_url(consultation)
    assert button["hx-get"] == comment_url(consultation)


def test_a_busy_clause_shows_its_comments_fifty_at_a_time(app, client, db):
    from consult.consultations.services import get_clause, submit_comment

    consultation = make_consultation(db)
    author = make_user(db)
    with db.session(write=True) as session:
        clause = get_clause(session, consultation, "9.4")
        for n in range(120):
            values = COMMENT | {"body": f"Comment number {n:03d}."}
            submit_comment(
                session, app.state.outbox, consultation, clause, author, values, rate_limits=False
            )
    url = f"/consultations/{consultation.slug}/clauses/9.4"

    def numbers(response):
        return [int(m) for m in re.findall(r"Comment number (\d+)\.", response.text)]

    first = client.get(url)
    assert numbers(first) == list(range(50))
    assert soup(first).select_one("#comments-total").text == "120"
    assert "Page 1 of 3" in soup(first).select_one("#comments-pages").text
    assert soup(first).select_one('#comments-pages a[rel="next"]')["href"] == "?page=2#comments"
    assert numbers(client.get(url + "?page=2")) == list(range(50, 100))
    assert numbers(client.get(url + "?page=3")) == list(range(100, 120))
    assert numbers(client.get(url + "?page=99")) == list(range(100, 120))  # the last page
    assert numbers(client.get(url + "?page=x")) == list(range(50))


def test_unknown_consultation_and_clause_are_404_with_a_message(client, db):
    consultation = make_consultation(db)
    missing = client.get("/consultations/nope")
    assert missing.status_code == 404 and "no consultation" in missing.text
    clause = client.get(f"/consultations/{consultation.slug}/clauses/99.9")
    assert clause.status_code == 404 and "99.9" in clause.text


def test_commenting_asks_a_visitor_to_sign_in_and_come_back(client, db):
    consultation = make_consultation(db)
    response = client.get(comment_url(consultation), follow_redirects=False)
    assert response.status_code == 303
    assert (
        response.headers["location"]
        == f"/auth/login?next=%2Fconsultations%2F{consultation.slug}%2Fclauses%2F9.4%2Fcomment"
    )


def test_commenting_needs_a_profile(client, db):
    consultation = make_consultation(db)
    signed_in(client, db, profile=False)
    response = client.get(comment_url(consultation), follow_redirects=False)
    assert response.headers["location"].startswith("/account/profile?next=")


def test_a_comment_without_javascript_redirects_to_its_receipt(client, db):
    consultation = make_consultation(db)
    user = signed_in(client, db)
    response = post_comment(client, consultation)
    assert response.status_code == 303
    receipt = client.get(response.headers["location"])
    reference = soup(receipt).select_one("#receipt-reference").text
    assert re.fullmatch(r"PS-V4D1-R1-\d{6}", reference)
    mails = [m for m in outbox(db) if m.to_address == user.email]
    assert reference in mails[-1].subject and reference in mails[-1].body_text
    account = soup(client.get("/account"))
    assert reference in account.select_one("#my-comments").text


def test_a_comment_with_htmx_answers_with_the_receipt_fragment(client, db):
    consultation = make_consultation(db)
    signed_in(client, db)
    form = client.get(comment_url(consultation), headers={"HX-Request": "true"})
    assert "<html" not in form.text and 'id="comment-form-section"' in form.text
    response = post_comment(client, consultation, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert soup(response).select_one("#receipt-reference").text.startswith("PS-V4D1-R1-")
    assert "HX-Request" in response.headers["vary"]


def test_empty_and_overlong_comments_are_refused_with_text_kept(client, db):
    consultation = make_consultation(db)
    signed_in(client, db)
    empty = post_comment(client, consultation, body="   ", proposed_change="Keep me")
    assert empty.status_code == 422
    page = soup(empty)
    assert page.select_one("#body-error")
    assert page.select_one("#field-proposed_change").text == "Keep me"
    long_text = "é" * 20_001
    too_long = post_comment(client, consultation, body=long_text)
    assert too_long.status_code == 422
    assert soup(too_long).select_one("#field-body").text == long_text
    assert "20,000" in soup(too_long).select_one("#body-error").text
    with db.session() as session:
        assert session.exec(select(Comment)).all() == []


def test_unknown_type_or_publication_is_refused(client, db):
    consultation = make_consultation(db)
    signed_in(client, db)
    response = post_comment(client, consultation, kind="rant", publication="shout")
    assert response.status_code == 422
    assert soup(response).select_one("#kind-error") and soup(response).select_one(
        "#publication-error"
    )


def test_a_closed_consultation_refuses_the_form_and_keeps_the_text(client, db):
    consultation = make_consultation(db, opens_days=-90, closes_days=-1)
    signed_in(client, db)
    url = comment_url(consultation)
    response = client.post(
        url, data=COMMENT | {"body": "Too late, sadly", "csrf_token": csrf(client, "/")}
    )
    assert response.status_code == 403
    page = soup(response)
    assert "closed" in page.select_one("#error-message").text
    assert page.select_one("#field-body").text == "Too late, sadly"
    assert (
        "no longer takes comments"
        in client.get(f"/consultations/{consultation.slug}/clauses/9.4").text
    )


def test_missing_csrf_token_is_refused_and_the_text_given_back(client, db):
    consultation = make_consultation(db)
    signed_in(client, db)
    response = client.post(comment_url(consultation), data=COMMENT | {"body": "My careful words"})
    assert response.status_code == 403
    page = soup(response)
    assert "My careful words" in [t.text for t in page.select("textarea")]
    assert page.select_one('input[name="csrf_token"]')["value"]
    with db.session() as session:
        assert session.exec(select(Comment)).all() == []


def test_comment_text_is_escaped(client, db):
    consultation = make_consultation(db)
    signed_in(client, db, name="<script>alert('n')</script>")
    post_comment(client, consultation, body="<img src=x onerror=alert(1)>")
    html = client.get(f"/consultations/{consultation.slug}/clauses/9.4").text
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert('n')" not in html


def _publish_three(client, db, consultation):
    for email, publication in [
        ("n@example.org", "named"),
        ("u@example.org", "unattributed"),
        ("c@example.org", "confidential"),
    ]:
        client.cookies.clear()
        signed_in(
            client, db, email=email, name=f"Name {publication}", organisation=f"Org {publication}"
        )
        post_comment(client, consultation, body=f"Body {publication}", publication=publication)
    client.cookies.clear()


def test_publication_choices_are_honoured_on_the_clause_page(client, db):
    consultation = make_consultation(db)
    _publish_three(client, db, consultation)
    page = soup(client.get(f"/consultations/{consultation.slug}/clauses/9.4"))
    text = page.select_one("#comments").text
    assert "Body named" in text and "Name named, Org named" in text
    assert (
        "Body unattributed" in text
        and "Name unattributed" not in text
        and "Civil Society, Brazil" in text
    )
    assert "Body confidential" not in text and "Name confidential" not in text


def test_confidential_comments_show_to_their_author_and_the_secretariat_only(client, db):
    consultation = make_consultation(db)
    _publish_three(client, db, consultation)
    signed_in(client, db, email="c@example.org")
    assert "Body confidential" in client.get(f"/consultations/{consultation.slug}/clauses/9.4").text
    client.cookies.clear()
    signed_in(client, db, email="other@example.org")
    assert (
        "Body confidential"
        not in client.get(f"/consultations/{consultation.slug}/clauses/9.4").text
    )
    client.cookies.clear()
    signed_in(client, db, email="staff@example.org", staff=True)
    assert "Body confidential" in client.get(f"/consultations/{consultation.slug}/clauses/9.4").text


def test_comments_hidden_during_the_period_when_configured(client, db):
    consultation = make_consultation(db, show_comments_during_period=False)
    _publish_three(client, db, consultation)
    page = client.get(f"/consultations/{consultation.slug}/clauses/9.4").text
    assert "Body named" not in page and "published after it closes" in page


def test_receipts_are_for_their_author_and_the_secretariat(client, db):
    consultation = make_consultation(db)
    signed_in(client, db, email="author@example.org")
    location = post_comment(client, consultation).headers["location"]
    client.cookies.clear()
    signed_in(client, db, email="nosy@example.org")
    assert client.get(location).status_code == 403
    client.cookies.clear()
    assert client.get(location, follow_redirects=False).status_code == 303
    signed_in(client, db, email="staff@example.org", staff=True)
    assert client.get(location).status_code == 200


def test_short_round_shows_its_justification(client, db):
    consultation = make_consultation(
        db, closes_days=20, justification="Only editorial changes remain."
    )
    page = soup(client.get(f"/consultations/{consultation.slug}"))
    assert "Only editorial changes remain." in page.select_one("#justification").text


def test_instants_are_marked_up_for_local_time(client, db):
    consultation = make_consultation(db)
    page = soup(client.get(f"/consultations/{consultation.slug}"))
    times = page.select(".consultation-dates time")
    assert times[0]["datetime"] == consultation.opens_at.isoformat()
    assert times[0].text.endswith("UTC")


def test_an_upcoming_consultation_does_not_take_comments_yet(client, db):
    consultation = make_consultation(db, opens_days=5, closes_days=70)
    signed_in(client, db)
    response = post_comment(client, consultation)
    assert response.status_code == 403
    assert "not opened yet" in response.text


def test_staff_record_late_comments_on_behalf(client, db):
    consultation = make_consultation(db, opens_days=-61, closes_days=-1)
    signed_in(client, db, email="staff@example.org", staff=True)
    url = f"/consultations/{consultation.slug}/record"
    data = {
        "clause": "9.4",
        "kind": "general",
        "body": "Said at the community meeting.",
        "publication": "unattributed",
        "author_name": "Village council",
        "author_email": "",
        "stakeholder_category": "indigenous_peoples",
        "country": "CA",
        "source": "community_meeting",
        "source_note": "Interpreted",
        "received_at": "",
        "timezone": "UTC",
        "csrf_token": csrf(client, url),
    }
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == 303
    with db.session() as session:
        comment = session.exec(select(Comment)).one()
    assert comment.is_late and comment.source == "community_meeting" and comment.author_id is None
    received_before_close = data | {
        "received_at": (utcnow() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    }
    client.post(url, data=received_before_close)
    with db.session() as session:
        assert [c.is_late for c in session.exec(select(Comment).order_by(Comment.id))] == [
            True,
            False,
        ]


def test_recording_on_behalf_validates_and_keeps_text(client, db):
    consultation = make_consultation(db)
    signed_in(client, db, email="staff@example.org", staff=True)
    url = f"/consultations/{consultation.slug}/record"
    response = client.post(
        url,
        data={
            "clause": "77",
            "body": "Letter text",
            "source": "online",
            "csrf_token": csrf(client, url),
        },
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#field-body").text == "Letter text"
    for field in ("clause", "author_name", "source", "stakeholder_category", "kind", "publication"):
        assert page.select_one(f"#{field}-error"), field
