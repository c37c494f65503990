"""Bodies: composition and balance, members and their terms, public body pages."""

from datetime import timedelta

from sqlmodel import select

from consult.sqltypes import utcnow
from governance import services
from governance.models import Body, Membership
from tests.conftest import csrf, make_user, sign_in
from tests.governance.conftest import add_member, make_body, seat_id, soup


def test_balance_counts_voting_members_against_the_composition_rule(db):
    body = make_body(db)
    for index in range(3):
        add_member(db, body, make_user(db, email=f"cs{index}@example.org"), seat="Civil society")
    add_member(db, body, make_user(db, email="up@example.org"), seat="Upstream value chain")
    add_member(db, body, make_user(db, email="alt@example.org"), role="alternate", seat=None)
    add_member(db, body, make_user(db, email="old@example.org"), start_days=-900, end_days=-400)
    with db.session() as session:
        balance = services.balance(session, session.get(Body, body.id))
    by_label = {s.category.label: s for s in balance.seats}
    assert by_label["Civil society"].filled == 3 and by_label["Civil society"].over == 1
    assert by_label["Upstream value chain"].vacancies == 1
    assert by_label["IPAF nominee"].vacancies == 1
    assert balance.total_seats == 7 and balance.total_filled == 3
    assert balance.vacancies == 4 and not balance.balanced
    assert [s.category.label for s in balance.imbalanced] == ["Civil society"]


def test_body_page_highlights_vacancies_and_imbalance(client, db):
    body = make_body(db)
    for index in range(3):
        add_member(db, body, make_user(db, email=f"cs{index}@example.org"), seat="Civil society")
    page = soup(client.get(f"/bodies/{body.slug}"))
    assert page.select_one("#body-name").text == "Standards Committee"
    assert "decides" in page.select_one("#terms-text").text
    imbalance = page.select_one("#balance-table tr.imbalance")
    assert imbalance["data-seat"] == "Civil society"
    vacancies = [tr["data-seat"] for tr in page.select("#balance-table tr.vacancy")]
    assert vacancies == ["Upstream value chain", "Downstream value chain", "IPAF nominee"]
    assert len(page.select("#members-table tbody tr")) == 3
    # Conflict-of-interest declarations are for members and the secretariat.
    assert not page.select(".coi")


def test_bodies_list_links_each_body(client, db):
    body = make_body(db)
    make_body(
        db, name="Indigenous Peoples Advisory Forum", code="IPAF", seats="", kind="advisory_forum"
    )
    page = soup(client.get("/bodies"))
    link = page.select_one(f"#body-{body.slug} a")
    assert link["href"] == f"/bodies/{body.slug}"
    assert len(page.select("#bodies tbody tr")) == 2


def test_unknown_body_is_404(client, db):
    response = client.get("/bodies/nope")
    assert response.status_code == 404 and "no body" in response.text


def test_secretariat_sets_up_a_body_with_seats_and_terms(client, db):
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    data = {
        "csrf_token": csrf(client, "/bodies/new"),
        "name": "Board",
        "code": "BD",
        "kind": "board",
        "seats": "Upstream: 2\nDownstream: 2\nCivil society: 2\nIndependent: 2",
        "terms": "The Board governs ASI.",
        "terms_from": "2026-01-01",
        "quorum_minimum": "5",
        "quorum_each_category": "on",
        "minutes_public": "",
    }
    response = client.post("/bodies/new", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/bodies/board"
    with db.session() as session:
        body = session.exec(select(Body)).one()
        assert body.quorum_each_category and not body.minutes_public
        assert [s.seats for s in services.seat_categories(session, body)] == [2, 2, 2, 2]


def test_bad_body_form_is_refused_with_nothing_saved(client, db):
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    data = {
        "csrf_token": csrf(client, "/bodies/new"),
        "name": "Board",
        "code": "bad code",
        "kind": "club",
        "seats": "Upstream: 99999999999",
        "terms_from": "01/02/2026",
        "quorum_minimum": "-1",
    }
    response = client.post("/bodies/new", data=data)
    assert response.status_code == 422
    page = soup(response)
    for name in ("code", "kind", "seats", "terms_from", "quorum_minimum"):
        assert page.select_one(f"#{name}-error"), name
    with db.session() as session:
        assert session.exec(select(Body)).all() == []


def test_overlapping_terms_of_one_person_are_refused(client, db):
    body = make_body(db)
    person = make_user(db, email="p@example.org")
    add_member(db, body, person, start_days=-30, end_days=300)
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    url = f"/bodies/{body.slug}/members/new"
    data = {
        "csrf_token": csrf(client, url),
        "email": "p@example.org",
        "role": "member",
        "seat": str(seat_id(db, body, "Civil society")),
        "term_start": "2020-01-01",
        "term_end": "",
    }
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "cannot overlap" in soup(response).select_one("#term_start-error").text
    # A later, separate term is fine.
    data["term_start"], data["term_end"] = "2099-01-01", "2100-01-01"
    assert client.post(url, data=data, follow_redirects=False).status_code == 303
    with db.session() as session:
        assert len(session.exec(select(Membership)).all()) == 2


def test_member_form_refuses_malformed_dates_and_foreign_seats(client, db):
    body = make_body(db)
    other = make_body(db, name="Board", code="BD", seats="Independent: 2")
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    url = f"/bodies/{body.slug}/members/new"
    data = {
        "csrf_token": csrf(client, url),
        "email": "new@example.org",
        "role": "member",
        "seat": str(seat_id(db, other, "Independent")),
        "term_start": "2026-13-01",
        "term_end": "soon",
    }
    response = client.post(url, data=data)
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#term_start-error") and page.select_one("#term_end-error")
    assert page.select_one("#seat-error")
    with db.session() as session:
        assert session.exec(select(Membership)).all() == []


def test_members_see_conflict_of_interest_declarations(client, db):
    body = make_body(db)
    member = make_user(db, email="m@example.org", name="Mia")
    add_member(db, body, member)
    sign_in(client, db, member)
    page = soup(client.get(f"/bodies/{body.slug}"))
    assert "COI of Mia" in page.select_one(".coi").text
    assert page.select_one("#actions")


def test_new_terms_of_reference_keep_the_old_version(client, db):
    body = make_body(db)
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    url = f"/bodies/{body.slug}/terms"
    token = csrf(client, f"/bodies/{body.slug}")
    bad = client.post(url, data={"csrf_token": token, "terms": "New", "effective_from": "x"})
    assert bad.status_code == 422
    good = client.post(
        url, data={"csrf_token": token, "terms": "Revised terms.", "effective_from": "2020-01-01"}
    )
    assert good.status_code == 200
    page = soup(good)
    # The version made today is newer than one effective from 2020.
    assert "decides" in page.select_one("#terms-text").text
    assert "Revised terms." in page.select_one("#terms-history").text


def test_ending_a_term_opens_a_vacancy(client, db):
    body = make_body(db)
    membership = add_member(db, body, make_user(db, email="p@example.org"), seat="IPAF nominee")
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    url = f"/bodies/{body.slug}/members/{membership.id}/end"
    token = csrf(client, f"/bodies/{body.slug}")
    before = client.post(url, data={"csrf_token": token, "term_end": "2000-01-01"})
    assert before.status_code == 422
    assert soup(before).select_one(f"#term_end-{membership.id}-error")
    assert client.post(url, data={"csrf_token": token, "term_end": "nope"}).status_code == 422
    other = f"/bodies/{body.slug}/members/99999/end"
    assert (
        client.post(other, data={"csrf_token": token, "term_end": "2026-01-01"}).status_code == 404
    )
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    done = client.post(
        url, data={"csrf_token": token, "term_end": yesterday}, follow_redirects=False
    )
    assert done.status_code == 303
    page = soup(client.get(f"/bodies/{body.slug}"))
    assert page.select_one('#balance-table tr[data-seat="IPAF nominee"]')["class"] == [
        "table-warning",
        "vacancy",
    ]
    assert not page.select("#members-table tbody tr")
