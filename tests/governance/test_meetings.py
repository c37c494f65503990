"""Meetings: scheduling, agenda with clauses, attendance and quorum."""

from sqlmodel import select

from governance import meetings, services
from governance.models import AgendaClause, AgendaItem, Attendance, Body, Meeting
from tests.conftest import csrf, make_consultation, make_user, sign_in
from tests.governance.conftest import add_member, make_body, make_meeting, soup


def _attend(db, meeting, body, statuses: dict, alternates: dict | None = None):
    values = {f"status-{m}": status for m, status in statuses.items()}
    values |= {f"alternate-{m}": str(a) for m, a in (alternates or {}).items()}
    with db.session(write=True) as session:
        meetings.record_attendance(session, meeting, body, values)
        return meetings.quorum(session, meeting, session.get(Body, body.id))


def test_quorum_counts_present_and_represented_voting_members(db):
    body = make_body(db, quorum_minimum=3)
    people = [make_user(db, email=f"p{i}@example.org") for i in range(5)]
    a = add_member(db, body, people[0], role="chair", seat="Upstream value chain").id
    b = add_member(db, body, people[1], seat="Civil society").id
    c = add_member(db, body, people[2], seat="Downstream value chain").id
    alt = add_member(db, body, people[3], role="alternate", seat=None).id
    obs = add_member(db, body, people[4], role="observer", seat=None).id
    meeting = make_meeting(db, body, days=-1)
    with db.session() as session:
        assert not meetings.quorum(session, meeting, body).recorded
    q = _attend(db, meeting, body, {a: "present", b: "apologies", alt: "present", obs: "present"})
    assert (q.present, q.required, q.met) == (1, 3, False)
    q = _attend(db, meeting, body, {b: "represented", c: "present"}, {b: alt})
    assert (q.present, q.met) == (3, True)


def test_quorum_can_require_every_seat_category(db):
    body = make_body(db, quorum_minimum=1, quorum_each_category="on", seats="North: 1\nSouth: 1")
    north = add_member(db, body, make_user(db, email="n@example.org"), seat="North").id
    add_member(db, body, make_user(db, email="s@example.org"), seat="South")
    meeting = make_meeting(db, body, days=-1)
    q = _attend(db, meeting, body, {north: "present"})
    assert q.present == 1 and not q.met and [c.label for c in q.missing] == ["South"]


def test_meeting_page_says_whether_quorum_was_met(client, db, cast):
    sign_in(client, db, cast.staff)
    with db.session() as session:
        rows = services.memberships(session, cast.body)
    url = f"/meetings/{cast.meeting.id}"
    data = {"csrf_token": csrf(client, url)} | {
        f"status-{row.membership.id}": "present" for row in rows
    }
    response = client.post(f"{url}/attendance", data=data, follow_redirects=False)
    assert response.status_code == 303
    page = soup(client.get(url))
    assert page.select_one("#quorum-status")["data-met"] == "yes"
    data[f"status-{rows[0].membership.id}"] = "absent"
    client.post(f"{url}/attendance", data=data)
    assert soup(client.get(url)).select_one("#quorum-status")["data-met"] == "no"


def test_bad_attendance_is_refused_with_nothing_saved(client, db, cast):
    sign_in(client, db, cast.staff)
    with db.session() as session:
        rows = services.memberships(session, cast.body)
    url = f"/meetings/{cast.meeting.id}"
    token = csrf(client, url)
    data = {
        "csrf_token": token,
        f"status-{rows[0].membership.id}": "present",
        f"status-{rows[1].membership.id}": "represented",
        f"alternate-{rows[1].membership.id}": "99999",
    }
    response = client.post(f"{url}/attendance", data=data)
    assert response.status_code == 422
    data[f"status-{rows[1].membership.id}"] = "asleep"
    assert client.post(f"{url}/attendance", data=data).status_code == 422
    with db.session() as session:
        assert session.exec(select(Attendance)).all() == []


def test_secretariat_schedules_a_meeting_in_its_timezone(client, db, cast):
    sign_in(client, db, cast.staff)
    url = f"/bodies/{cast.body.slug}/meetings/new"
    data = {
        "csrf_token": csrf(client, url),
        "title": "SC 12",
        "starts_at": "2027-02-03T14:00",
        "ends_at": "2027-02-03T16:00",
        "timezone": "America/Sao_Paulo",
        "place": "São Paulo",
        "online_url": "https://meet.example.org/12",
        "languages": "English, Portuguese",
    }
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == 303
    with db.session() as session:
        meeting = session.exec(select(Meeting).where(Meeting.title == "SC 12")).one()
    assert meeting.starts_at.isoformat() == "2027-02-03T17:00:00+00:00"
    page = soup(client.get(response.headers["location"]))
    assert page.select_one("#meeting-title").text == "SC 12"


def test_malformed_meeting_dates_are_refused(client, db, cast):
    sign_in(client, db, cast.staff)
    url = f"/bodies/{cast.body.slug}/meetings/new"
    base = {"csrf_token": csrf(client, url), "title": "SC 12", "timezone": "UTC"}
    bad_date = client.post(url, data=base | {"starts_at": "3 Feb", "ends_at": "2027-02-03T16:00"})
    assert bad_date.status_code == 422 and soup(bad_date).select_one("#starts_at-error")
    backwards = client.post(
        url, data=base | {"starts_at": "2027-02-03T16:00", "ends_at": "2027-02-03T14:00"}
    )
    assert backwards.status_code == 422 and soup(backwards).select_one("#ends_at-error")
    zone = client.post(
        url,
        data=base
        | {
            "timezone": "Mars/Olympus",
            "starts_at": "2027-02-03T14:00",
            "ends_at": "2027-02-03T16:00",
        },
    )
    assert zone.status_code == 422 and soup(zone).select_one("#timezone-error")
    with db.session() as session:
        assert len(session.exec(select(Meeting)).all()) == 1


def test_agenda_items_are_ordered_and_link_clauses(client, db, cast):
    consultation = make_consultation(db)
    sign_in(client, db, cast.staff)
    url = f"/meetings/{cast.meeting.id}"
    token = csrf(client, url)
    page = soup(client.get(url))
    clause_options = {
        o.text.split(" · ")[-1]: o["value"] for o in page.select("#field-clauses option")
    }
    client.post(f"{url}/agenda", data={"csrf_token": token, "title": "Welcome", "text": ""})
    client.post(
        f"{url}/agenda",
        data={
            "csrf_token": token,
            "title": "FPIC",
            "text": "Discuss *consent*.",
            "clauses": [clause_options["9.4 Free, prior and informed consent"]],
        },
    )
    empty = client.post(f"{url}/agenda", data={"csrf_token": token, "title": " "})
    assert empty.status_code == 422
    bad_clause = client.post(
        f"{url}/agenda", data={"csrf_token": token, "title": "X", "clauses": ["999999"]}
    )
    assert bad_clause.status_code == 422
    page = soup(client.get(url))
    items = page.select("#agenda-items > li")
    assert [li.select_one("strong").text for li in items] == ["Welcome", "FPIC"]
    assert items[1].select_one("em").text == "consent"
    assert "9.4" in items[1].select_one(".agenda-clause").text
    assert consultation.id


def test_agenda_built_from_comments_on_chosen_clauses(client, db, cast):
    from tests.consultations.test_pages import post_comment

    consultation = make_consultation(db)
    sign_in(client, db, make_user(db, email="commenter@example.org"))
    post_comment(client, consultation, key="9.4")
    post_comment(client, consultation, key="9.4")
    client.cookies.clear()
    sign_in(client, db, cast.staff)
    url = f"/meetings/{cast.meeting.id}"
    token = csrf(client, url)
    none = client.post(
        f"{url}/agenda/from-comments",
        data={"csrf_token": token, "consultation": str(consultation.id), "clause_keys": "9.1"},
    )
    assert none.status_code == 422
    response = client.post(
        f"{url}/agenda/from-comments",
        data={"csrf_token": token, "consultation": str(consultation.id), "clause_keys": "9.4 9.1"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with db.session() as session:
        items = session.exec(select(AgendaItem)).all()
        assert len(items) == 1 and "(2)" in items[0].title
        assert items[0].text.count("PS-V4D1-R1-") == 2
        assert len(session.exec(select(AgendaClause)).all()) == 1


def test_agenda_lists_only_pending_comments_and_each_group_once(client, db, cast):
    from consult.responses.models import CommentGroup, Response
    from tests.responses.conftest import make_comment

    consultation = make_consultation(db)
    settled, grouped_a, grouped_b, alone = (
        make_comment(db, consultation, body=f"Point {n}") for n in range(4)
    )
    with db.session(write=True) as session:
        group = CommentGroup(consultation_id=consultation.id, title="Campaign on consent")
        session.add(group)
        session.flush()
        session.add(
            Response(comment_id=settled.id, consultation_id=consultation.id, disposition="accepted")
        )
        for comment in (grouped_a, grouped_b):
            session.add(
                Response(comment_id=comment.id, consultation_id=consultation.id, group_id=group.id)
            )
    with db.session(write=True) as session:
        from governance.meetings import agenda_from_comments

        [item] = agenda_from_comments(session, cast.meeting, str(consultation.id), ["9.4"])
    assert "(3)" in item.title
    assert settled.reference not in item.text
    assert f"- Campaign on consent: {grouped_a.reference}, {grouped_b.reference}" in item.text
    assert f"- {alone.reference}" in item.text


def test_unknown_meeting_is_404(client, db):
    assert client.get("/meetings/12345").status_code == 404
    assert client.get("/meetings/abc").status_code == 404


def test_out_of_range_ids_are_404_or_422_never_500(client, db, cast):
    for path in ("/meetings/99999999999999", "/meetings/٣"):
        assert client.get(path).status_code == 404, path
    # A NUL byte in the address is refused before any view runs.
    assert client.get("/decisions/%00").status_code == 400
    sign_in(client, db, cast.staff)
    token = csrf(client, "/bodies")
    huge = "99999999999999999999"
    assert client.post(f"/actions/{huge}/status", data={"csrf_token": token}).status_code == 404
    response = client.post(
        f"/bodies/{cast.body.slug}/decisions/new",
        data={
            "csrf_token": token,
            "title": "T",
            "text": "T",
            "method": "vote",
            "decided_on": "2026-01-01",
            "meeting": huge,
            "votes_for": huge,
            "votes_against": "0",
            "votes_abstain": "0",
            "clauses": huge,
        },
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#meeting-error") and page.select_one("#votes_for-error")


def test_agenda_items_move_up_and_down(client, db, cast):
    sign_in(client, db, cast.staff)
    url = f"/meetings/{cast.meeting.id}"
    token = csrf(client, url)
    for title in ("One", "Two", "Three"):
        client.post(f"{url}/agenda", data={"csrf_token": token, "title": title})
    with db.session() as session:
        ids = {i.title: i.id for i in session.exec(select(AgendaItem))}
    moved = client.post(
        f"{url}/agenda/{ids['Three']}/move",
        data={"csrf_token": token, "direction": "up"},
        headers={"HX-Request": "true"},
    )
    assert moved.status_code == 200 and "<html" not in moved.text
    order = [li.select_one("strong").text for li in soup(moved).select("#agenda-items > li")]
    assert order == ["One", "Three", "Two"]
    client.post(f"{url}/agenda/{ids['One']}/move", data={"csrf_token": token, "direction": "up"})
    bad = client.post(
        f"{url}/agenda/{ids['One']}/move", data={"csrf_token": token, "direction": "sideways"}
    )
    assert bad.status_code == 422
    assert (
        client.post(
            f"{url}/agenda/99999/move", data={"csrf_token": token, "direction": "up"}
        ).status_code
        == 404
    )
    page = soup(client.get(url))
    assert [li.select_one("strong").text for li in page.select("#agenda-items > li")] == [
        "One",
        "Three",
        "Two",
    ]


def test_a_form_field_without_its_own_check_gets_422_with_the_text_kept(client, db, cast):
    sign_in(client, db, cast.staff)
    url = f"/bodies/{cast.body.slug}/meetings/new"
    place = "Salle des fêtes, " * 30  # 510 characters; the column holds 300
    data = {
        "csrf_token": csrf(client, url),
        "title": "SC 13",
        "starts_at": "2027-02-03T14:00",
        "ends_at": "2027-02-03T16:00",
        "timezone": "UTC",
        "place": place,
    }
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == 422
    assert soup(response).select_one("[name=place]")["value"] == place  # as typed
    assert "at most 300 characters" in response.text
    with db.session() as session:
        assert session.exec(select(Meeting).where(Meeting.title == "SC 13")).first() is None


def test_a_long_title_shortens_an_invitation_subject_instead_of_stopping_it(db, cast):
    from consult.mail.outbox import MAX_SUBJECT, Outbox
    from consult.web import TEMPLATES_DIR
    from governance.feeds import send_invitations
    from tests.conftest import outbox

    meeting = make_meeting(db, cast.body, title="T" * 300)
    with db.session(write=True) as session:
        mail = Outbox(db.settings, TEMPLATES_DIR)
        send_invitations(session, mail, session.get(Meeting, meeting.id), cast.body)
    subjects = [message.subject for message in outbox(db)]
    assert subjects and all(len(s) <= MAX_SUBJECT and s.endswith("…") for s in subjects)
