"""Rate limits: a clear 429 with the user's text kept, nothing stored, others unaffected."""

from bs4 import BeautifulSoup
from sqlmodel import func, select

from consult.consultations.models import Comment
from consult.ratelimit import (
    COMMENTS_PER_ACCOUNT,
    COMMENTS_PER_IP,
    SIGN_IN_LINKS_PER_ADDRESS,
    SIGN_IN_LINKS_PER_IP,
    RateEvent,
)
from tests.conftest import csrf, make_consultation, make_user, outbox, sign_in


def ask_for_link(client, email):
    return client.post(
        "/auth/login", data={"email": email, "next": "/", "csrf_token": csrf(client)}
    )


def test_sign_in_links_are_limited_per_address(client, db):
    for _ in range(SIGN_IN_LINKS_PER_ADDRESS.count):
        assert ask_for_link(client, "ana@example.org").status_code == 200
    refused = ask_for_link(client, "ana@example.org")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    page = BeautifulSoup(refused.text, "html.parser")
    assert "Too many attempts" in page.select_one("#error-message").text
    assert page.select_one("#field-email")["value"] == "ana@example.org"
    assert len(outbox(db)) == SIGN_IN_LINKS_PER_ADDRESS.count
    # Another address is not held back by this one.
    assert ask_for_link(client, "li@example.org").status_code == 200


def test_sign_in_links_are_limited_per_client_address(client, db):
    for n in range(SIGN_IN_LINKS_PER_IP.count):
        assert ask_for_link(client, f"person{n}@example.org").status_code == 200
    assert ask_for_link(client, "one.more@example.org").status_code == 429


def post_comment(client, consultation, body):
    url = f"/consultations/{consultation.slug}/clauses/9.4/comment"
    data = {
        "kind": "general",
        "body": body,
        "publication": "named",
        "csrf_token": csrf(client, url),
    }
    return client.post(url, data=data, follow_redirects=False)


def comment_count(db) -> int:
    with db.session() as session:
        return session.exec(select(func.count(Comment.id))).one()


def test_comments_are_limited_per_account_with_the_text_kept(client, db):
    consultation = make_consultation(db)
    sign_in(client, db, make_user(db))
    for n in range(COMMENTS_PER_ACCOUNT.count):
        assert post_comment(client, consultation, f"Point {n}").status_code == 303
    refused = post_comment(client, consultation, "One careful point too many")
    assert refused.status_code == 429
    page = BeautifulSoup(refused.text, "html.parser")
    assert page.select_one("#field-body").text == "One careful point too many"
    assert "Too many attempts" in page.select_one("#error-message").text
    assert comment_count(db) == COMMENTS_PER_ACCOUNT.count
    # Someone else commenting from elsewhere is not affected.
    client.cookies.clear()
    sign_in(client, db, make_user(db, email="other@example.org"))
    assert post_comment(client, consultation, "My own point").status_code == 303


def test_comments_are_limited_per_client_address(client, db):
    consultation = make_consultation(db)
    with db.session(write=True) as session:
        for _ in range(COMMENTS_PER_IP.count):
            session.add(RateEvent(key="comment:ip:testclient"))
    sign_in(client, db, make_user(db))
    assert post_comment(client, consultation, "Blocked by the address").status_code == 429
    assert comment_count(db) == 0


def test_a_refused_attempt_is_not_counted(client, db):
    """Invalid input is answered 422 and does not use up the allowance."""
    consultation = make_consultation(db)
    sign_in(client, db, make_user(db))
    for _ in range(COMMENTS_PER_ACCOUNT.count + 5):
        assert post_comment(client, consultation, "").status_code == 422
    assert post_comment(client, consultation, "Now a real point").status_code == 303
