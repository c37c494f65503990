"""Every governance route, walked as an anonymous visitor, a signed-in non-member, a member,
a chair and the secretariat: what each may see and do."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, select

from consult.sqltypes import utcnow
from governance import minutes
from governance.decisions import create_decision
from governance.models import ActionItem, AgendaItem, Membership, Minutes
from governance.services import memberships
from tests.conftest import csrf, make_consultation, sign_in
from tests.consultations.test_pages import post_comment
from tests.governance.conftest import act_as, soup

WHO = ["anonymous", "outsider", "member", "chair", "secretariat"]
EVERYONE = set(WHO)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = {"secretariat"}

GETS = [
    ("/bodies", EVERYONE),
    ("/bodies/new", STAFF),
    ("/bodies/{slug}", EVERYONE),
    ("/bodies/{slug}/members/new", STAFF),
    ("/bodies/{slug}/meetings/new", STAFF),
    ("/bodies/{slug}/decisions/new", STAFF),
    ("/bodies/{slug}/actions/new", STAFF),
    ("/bodies/{slug}/meetings.ics", EVERYONE),
    ("/meetings.ics", EVERYONE),
    ("/meetings/{meeting}", EVERYONE),
    ("/decisions", EVERYONE),
    ("/decisions/{number}", EVERYONE),
    ("/decisions.atom", EVERYONE),
    ("/minutes.atom", EVERYONE),
    ("/actions", SIGNED_IN),
]


def _posts(cast, ids):
    today = utcnow().date().isoformat()
    return [
        (
            "/bodies/new",
            STAFF,
            {"name": "WG", "code": "WG", "kind": "working_group", "quorum_minimum": "1"},
        ),
        ("/bodies/{slug}/terms", STAFF, {"terms": "New terms.", "effective_from": today}),
        (
            "/bodies/{slug}/members/new",
            STAFF,
            {"email": "new@example.org", "role": "observer", "term_start": today},
        ),
        (
            "/bodies/{slug}/meetings/new",
            STAFF,
            {
                "title": "M",
                "starts_at": "2027-01-01T10:00",
                "ends_at": "2027-01-01T11:00",
                "timezone": "UTC",
            },
        ),
        (
            "/bodies/{slug}/decisions/new",
            STAFF,
            {"title": "D", "text": "T", "method": "consensus", "decided_on": today},
        ),
        (
            "/bodies/{slug}/actions/new",
            STAFF,
            {"title": "A", "owner": str(cast.member.id), "due_on": today},
        ),
        ("/meetings/{meeting}/agenda", STAFF, {"title": "Item"}),
        ("/meetings/{meeting}/agenda/{item}/move", STAFF, {"direction": "down"}),
        (
            "/meetings/{meeting}/agenda/from-comments",
            STAFF,
            {"consultation": str(ids["consultation"]), "clause_keys": "9.4"},
        ),
        ("/meetings/{meeting}/attendance", STAFF, {f"status-{ids['member_ship']}": "present"}),
        ("/meetings/{meeting}/minutes", STAFF, {"text": "Minutes text."}),
        (
            "/meetings/{meeting}/minutes/comments",
            {"member", "chair", "secretariat"},
            {"comment": "A correction."},
        ),
        ("/meetings/{meeting}/minutes/circulate", STAFF, {}),
        ("/meetings/{meeting}/minutes/approve", {"chair", "secretariat"}, {}),
        ("/meetings/{meeting}/minutes/publish", STAFF, {}),
        ("/meetings/{meeting}/invite", STAFF, {}),
        ("/actions/{action}/status", {"member", "secretariat"}, {"status": "done"}),
        ("/bodies/{slug}/members/{member_ship}/end", STAFF, {"term_end": today}),
    ]


# The state each minutes step starts from, so that only permission decides the answer.
BEFORE = {
    "comments": "circulated",
    "circulate": "draft",
    "approve": "circulated",
    "publish": "approved",
}


def _snapshot(db) -> dict:
    with db.session() as session:
        return {
            name: session.exec(select(func.count()).select_from(table)).one()
            for name, table in SQLModel.metadata.tables.items()
            if name.startswith("gov_") or name in ("outbox", "users")
        } | {
            "minutes": [(m.status, m.text) for m in session.exec(select(Minutes))],
            "action_status": [a.status for a in session.exec(select(ActionItem))],
            "agenda": sorted((i.id, i.position) for i in session.exec(select(AgendaItem))),
            "terms": sorted((m.id, m.term_end) for m in session.exec(select(Membership))),
        }


def _set_minutes(db, cast, status: str) -> None:
    with db.session(write=True) as session:
        record = minutes.minutes_of(session, cast.meeting)
        record.status = status
        session.add(record)


@pytest.fixture
def ids(db, cast):
    consultation = make_consultation(db)
    with db.session(write=True) as session:
        minutes.save_text(session, cast.meeting, "Draft minutes.")
        action = ActionItem(
            body_id=cast.body.id,
            title="Send the draft",
            owner_id=cast.member.id,
            due_on=utcnow().date() - timedelta(days=1),
        )
        session.add(action)
        session.flush()
        decision = create_decision(
            session,
            cast.body,
            {"title": "D0", "text": "T", "method": "consensus", "decided_on": "2026-01-05"},
            cast.staff,
        )
        first = AgendaItem(meeting_id=cast.meeting.id, position=1, title="First")
        second = AgendaItem(meeting_id=cast.meeting.id, position=2, title="Second")
        session.add_all([first, second])
        session.flush()
        member_ship = next(
            r.membership.id for r in memberships(session, cast.body) if r.user.id == cast.member.id
        )
    return {
        "consultation": consultation.id,
        "action": action.id,
        "number": decision.number,
        "member_ship": member_ship,
        "item": first.id,
        "slug": consultation.slug,
    }


def _fill(path: str, cast, ids) -> str:
    return path.format(
        slug=cast.body.slug,
        meeting=cast.meeting.id,
        number=ids["number"],
        action=ids["action"],
        item=ids["item"],
        member_ship=ids["member_ship"],
    )


@pytest.mark.parametrize("who", WHO)
def test_every_get_route(client, db, cast, ids, who):
    act_as(client, db, cast, who)
    for template, allowed in GETS:
        response = client.get(_fill(template, cast, ids), follow_redirects=False)
        if who in allowed:
            assert response.status_code == 200, (template, who)
        elif who == "anonymous" and template == "/actions":
            assert response.status_code == 303
        else:
            assert response.status_code == 403, (template, who, response.status_code)


@pytest.mark.parametrize("who", WHO)
def test_every_post_route(client, db, cast, ids, who):
    # A comment on 9.4 so that agenda items can be built from it.
    sign_in(client, db, cast.outsider)
    post_comment(client, SimpleNamespace(slug=ids["slug"]), key="9.4")
    act_as(client, db, cast, who)
    token = csrf(client, "/auth/login")
    for template, allowed, data in _posts(cast, ids):
        step = template.rsplit("/", 1)[1]
        if step in BEFORE:
            _set_minutes(db, cast, BEFORE[step])
        before = _snapshot(db)
        response = client.post(
            _fill(template, cast, ids), data={"csrf_token": token, **data}, follow_redirects=False
        )
        if who in allowed:
            assert response.status_code in (200, 303), (template, who, response.text[:500])
            assert _snapshot(db) != before, (template, who)
        else:
            assert response.status_code == 403, (template, who, response.status_code)
            assert _snapshot(db) == before, (template, who)


@pytest.mark.parametrize("who", WHO)
def test_members_only_content(client, db, cast, ids, who):
    act_as(client, db, cast, who)
    insider = who in ("member", "chair", "secretariat")
    body_page = soup(client.get(f"/bodies/{cast.body.slug}"))
    assert bool(body_page.select_one("#actions-table")) is insider
    assert bool(body_page.select(".coi")) is insider
    assert bool(body_page.select_one("#secretariat-actions")) is (who == "secretariat")
    meeting_page = soup(client.get(f"/meetings/{cast.meeting.id}"))
    assert ("meet.example.org" in str(meeting_page.select_one("#meeting-facts"))) is insider
    assert bool(meeting_page.select_one("#attendance-table")) is insider
    # Draft minutes: the chair and the secretariat only.
    assert bool(meeting_page.select_one("#minutes-text")) is (who in ("chair", "secretariat"))
