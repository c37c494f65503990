import re
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlmodel import select

from consult.accounts.models import SignInToken, User
from consult.accounts.services import hash_token
from consult.sqltypes import utcnow
from tests.conftest import csrf, csrf_from, make_user, outbox


def request_link(client, email, next_path="/"):
    return client.post(
        "/auth/login", data={"email": email, "next": next_path, "csrf_token": csrf(client)}
    )


def link_from_mail(db) -> str:
    body = outbox(db)[-1].body_text
    return re.search(r"http://testserver(/auth/link/\S+)", body).group(1)


def test_every_page_has_a_sign_in_link(client, db):
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    link = soup.select_one('header a[href^="/auth/login"]')
    assert link is not None and "Sign in" in link.text


def test_asking_for_a_link_mails_one_and_stores_only_a_hash(client, db):
    response = request_link(client, "New.Person@Example.org")
    assert response.status_code == 200
    assert "new.person@example.org" in response.text
    mail = outbox(db)
    assert [m.to_address for m in mail] == ["new.person@example.org"]
    path = link_from_mail(db)
    token = path.rsplit("/", 1)[1]
    with db.session() as session:
        stored = session.exec(select(SignInToken)).one()
    assert stored.token_hash == hash_token(token)
    assert token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)


def test_the_answer_does_not_reveal_whether_an_account_exists(client, db):
    make_user(db, email="known@example.org")
    known = request_link(client, "known@example.org")
    unknown = request_link(client, "unknown@example.org")
    assert known.status_code == unknown.status_code == 200

    def strip(response, email):
        # The CSRF token is masked afresh on every page, so it differs anyway.
        text = re.sub(r'name="csrf_token" value="[^"]+"', "TOKEN", response.text)
        return text.replace(email, "EMAIL")

    assert strip(known, "known@example.org") == strip(unknown, "unknown@example.org")
    assert len(outbox(db)) == 2


def test_a_bad_address_is_refused_with_the_text_kept(client, db):
    response = request_link(client, "not-an-address")
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    field = soup.select_one("#field-email")
    assert field["value"] == "not-an-address"
    assert field["aria-invalid"] == "true"
    assert soup.select_one("#email-error").text.strip()
    assert outbox(db) == []


def test_first_sign_in_creates_the_account_and_asks_for_a_profile(client, db):
    request_link(client, "first@example.org", next_path="/consultations/x")
    path = link_from_mail(db)
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path, data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/account/profile?next=")
    with db.session() as session:
        user = session.exec(select(User).where(User.email == "first@example.org")).one()
    assert not user.has_profile


def test_a_link_works_once(client, db):
    request_link(client, "once@example.org")
    path = link_from_mail(db)
    token = csrf_from(client.get(path).text)
    assert client.post(path, data={"csrf_token": token}, follow_redirects=False).status_code == 303
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.text
    assert client.post(path, data={"csrf_token": csrf(client)}).status_code == 410


def test_an_expired_link_is_refused(client, db):
    with db.session(write=True) as session:
        session.add(
            SignInToken(
                email="late@example.org",
                token_hash=hash_token("old-token"),
                created_at=utcnow() - timedelta(minutes=31),
                expires_at=utcnow() - timedelta(minutes=1),
            )
        )
    response = client.get("/auth/link/old-token")
    assert response.status_code == 410
    assert "expired" in response.text
    assert client.get("/auth/link/never-issued").status_code == 410


def test_next_only_leads_within_the_site(client, db):
    request_link(client, "nav@example.org", next_path="https://evil.example/steal")
    with db.session() as session:
        assert session.exec(select(SignInToken)).one().next_path == "/"


def profile_form(**overrides):
    data = {
        "name": "Amara Lopes",
        "organisation": "Conselho Indígena",
        "stakeholder_category": "indigenous_peoples",
        "country": "BR",
        "language": "en",
        "next": "/",
    }
    return data | overrides


def test_completing_the_profile(client, db):
    user = make_user(db, email="p@example.org", profile=False)
    from tests.conftest import sign_in

    sign_in(client, db, user)
    response = client.post(
        "/account/profile",
        data=profile_form(csrf_token=csrf(client, "/account/profile")),
        follow_redirects=False,
    )
    assert response.status_code == 303
    with db.session() as session:
        saved = session.get(User, user.id)
    assert (saved.name, saved.stakeholder_category, saved.country) == (
        "Amara Lopes",
        "indigenous_peoples",
        "BR",
    )
    assert saved.has_profile


def test_profile_errors_keep_what_was_typed(client, db):
    from tests.conftest import sign_in

    user = make_user(db, email="p2@example.org", profile=False)
    sign_in(client, db, user)
    response = client.post(
        "/account/profile",
        data=profile_form(
            name="<b>Amara</b>",
            stakeholder_category="pirate",
            country="XX",
            csrf_token=csrf(client),
        ),
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("#field-name")["value"] == "<b>Amara</b>"
    assert soup.select_one("#stakeholder_category-error")
    assert soup.select_one("#country-error")
    assert "<b>Amara</b>" not in response.text


def test_profile_offers_all_eleven_categories(client, db):
    from tests.conftest import sign_in

    sign_in(client, db, make_user(db, email="c@example.org", profile=False))
    soup = BeautifulSoup(client.get("/account/profile").text, "html.parser")
    options = [o["value"] for o in soup.select("#field-stakeholder_category option") if o["value"]]
    assert len(options) == 11
    assert "indigenous_peoples" in options and "civil_society" in options


def test_sign_out(client, db):
    from tests.conftest import sign_in

    sign_in(client, db, make_user(db))
    assert client.get("/account").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    assert client.get("/account", follow_redirects=False).status_code == 303
