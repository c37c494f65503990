"""The decision register: numbering, votes, links and filters; action items."""

from datetime import timedelta

from sqlmodel import select

from consult.sqltypes import utcnow
from governance import decisions, meetings
from governance.models import ActionItem, Body, Decision, DecisionCounter
from tests.conftest import csrf, make_consultation, make_user, sign_in
from tests.governance.conftest import act_as, make_body, soup


def _decide(client, body, **fields):
    url = f"/bodies/{body.slug}/decisions/new"
    data = {
        "csrf_token": csrf(client, url),
        "title": "Adopt the draft",
        "text": "The committee adopts draft 1 for consultation.",
        "deliberations": "Civil society asked for a longer round.",
        "method": "consensus",
        "decided_on": "2026-03-04",
    } | fields
    return client.post(url, data=data, follow_redirects=False)


def test_decisions_are_numbered_per_body_and_year(client, db, cast):
    act_as(client, db, cast, "secretariat")
    other = make_body(db, name="Board", code="BD", seats="Independent: 2")
    numbers = [
        _decide(client, cast.body).headers["location"].rsplit("/", 1)[1],
        _decide(client, cast.body).headers["location"].rsplit("/", 1)[1],
        _decide(client, other).headers["location"].rsplit("/", 1)[1],
        _decide(client, cast.body, decided_on="2027-01-10").headers["location"].rsplit("/", 1)[1],
        _decide(client, cast.body, decided_on="2026-12-01").headers["location"].rsplit("/", 1)[1],
    ]
    assert numbers == ["SC-2026-001", "SC-2026-002", "BD-2026-001", "SC-2027-001", "SC-2026-003"]


def test_the_counter_is_atomic_and_restarts_each_year(db):
    body = make_body(db)
    with db.session(write=True) as session:
        fresh = session.get(Body, body.id)
        assert decisions._next_number(session, fresh, 2026) == "SC-2026-001"
        assert decisions._next_number(session, fresh, 2026) == "SC-2026-002"
        assert decisions._next_number(session, fresh, 2027) == "SC-2027-001"


def test_decision_page_shows_the_record(client, db, cast):
    consultation = make_consultation(db)
    act_as(client, db, cast, "secretariat")
    location = _decide(
        client,
        cast.body,
        method="vote",
        meeting=str(cast.meeting.id),
        votes_for="0",
        votes_against="0",
        votes_abstain="0",
        consultation=str(consultation.id),
        review_on="2028-03-04",
    ).headers["location"]
    client.cookies.clear()
    page = soup(client.get(location))
    assert page.select_one("#decision-number").text == "SC-2026-001"
    assert "longer round" in page.select_one("#deliberations").text
    assert "Vote: 0 for, 0 against, 0 abstaining" in page.select_one("#decision-method").text


def test_vote_counts_may_not_exceed_those_present(client, db, cast):
    with db.session(write=True) as session:
        body = session.get(Body, cast.body.id)
        rows = meetings.expected(session, cast.meeting, body)
        meetings.record_attendance(
            session, cast.meeting, body, {f"status-{r.membership.id}": "present" for r in rows}
        )
    act_as(client, db, cast, "secretariat")
    votes = {"method": "vote", "meeting": str(cast.meeting.id)}
    too_many = _decide(
        client, cast.body, **votes, votes_for="2", votes_against="1", votes_abstain="0"
    )
    assert too_many.status_code == 422
    assert "only 2 voting members" in soup(too_many).select_one("#votes_for-error").text
    no_meeting = _decide(
        client, cast.body, method="vote", votes_for="1", votes_against="0", votes_abstain="0"
    )
    assert no_meeting.status_code == 422 and soup(no_meeting).select_one("#meeting-error")
    negative = _decide(
        client, cast.body, **votes, votes_for="-1", votes_against="0", votes_abstain="0"
    )
    assert negative.status_code == 422
    with db.session() as session:
        assert session.exec(select(Decision)).all() == []
        assert session.exec(select(DecisionCounter)).all() == []
    ok = _decide(client, cast.body, **votes, votes_for="1", votes_against="1", votes_abstain="0")
    assert ok.status_code == 303


def test_bad_decision_input_names_each_field(client, db, cast):
    act_as(client, db, cast, "secretariat")
    response = _decide(
        client,
        cast.body,
        title="",
        method="coin toss",
        decided_on="yesterday",
        review_on="2026-02-30",
        clauses="abc",
        comments="NOPE-1",
        meeting="424242",
    )
    assert response.status_code == 422
    page = soup(response)
    for name in ("title", "method", "decided_on", "review_on", "clauses", "comments", "meeting"):
        assert page.select_one(f"#{name}-error"), name
    with db.session() as session:
        assert session.exec(select(Decision)).all() == []


def test_register_filters_by_body_year_and_standard(client, db, cast):
    consultation = make_consultation(db)
    other = make_body(db, name="Board", code="BD", seats="Independent: 2")
    act_as(client, db, cast, "secretariat")
    _decide(client, cast.body, title="A", consultation=str(consultation.id))
    _decide(client, cast.body, title="B", decided_on="2025-06-01")
    _decide(client, other, title="C")
    client.cookies.clear()

    def titles(query=""):
        page = soup(client.get(f"/decisions{query}"))
        return sorted(row.select("td")[1].text.strip()[:1] for row in page.select(".decision-row"))

    assert titles() == ["A", "B", "C"]
    assert titles(f"?body={cast.body.slug}") == ["A", "B"]
    assert titles("?year=2025") == ["B"]
    assert titles("?standard=performance-standard") == ["A"]
    assert titles(f"?body={other.slug}&year=2026") == ["C"]
    assert client.get("/decisions?year=twenty").status_code == 400
    fragment = client.get("/decisions?year=2025", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="decision-table"' in fragment.text


def test_unknown_decision_is_404(client, db):
    assert client.get("/decisions/XX-2026-001").status_code == 404


def test_actions_per_body_and_person_with_overdue_highlighted(client, db, cast):
    act_as(client, db, cast, "secretariat")
    url = f"/bodies/{cast.body.slug}/actions/new"
    token = csrf(client, url)
    today = utcnow().date()
    for title, due in [
        ("Late one", today - timedelta(days=3)),
        ("Later", today + timedelta(days=9)),
    ]:
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "title": title,
                "owner": str(cast.member.id),
                "due_on": due.isoformat(),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
    bad = client.post(url, data={"csrf_token": token, "title": "X", "owner": "", "due_on": "31/12"})
    assert bad.status_code == 422
    page = soup(bad)
    assert page.select_one("#owner-error") and page.select_one("#due_on-error")
    body_page = soup(client.get(f"/bodies/{cast.body.slug}"))
    overdue = body_page.select("#actions-table tr.overdue")
    assert len(overdue) == 1 and "Late one" in overdue[0].text
    act_as(client, db, cast, "member")
    mine = soup(client.get("/actions"))
    assert len(mine.select("#actions-table tbody tr")) == 2
    with db.session() as session:
        late = session.exec(select(ActionItem).where(ActionItem.title == "Late one")).one()
    done = client.post(
        f"/actions/{late.id}/status",
        data={"csrf_token": csrf(client, "/actions"), "status": "done", "next": "/actions"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert not soup(client.get("/actions")).select("tr.overdue")
    act_as(client, db, cast, "outsider")
    refused = client.post(
        f"/actions/{late.id}/status",
        data={"csrf_token": csrf(client, "/actions"), "status": "open"},
    )
    assert refused.status_code == 403
    with db.session() as session:
        assert session.get(ActionItem, late.id).status == "done"


def test_my_actions_asks_a_visitor_to_sign_in(client, db):
    response = client.get("/actions", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/auth/login")
    sign_in(client, db, make_user(db))
    assert client.get("/actions").status_code == 200
