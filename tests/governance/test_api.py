"""Governance through the public API: what the public pages show, nothing more."""

import json

from governance import minutes
from governance.decisions import create_decision
from governance.permissions import Standing
from tests.governance.conftest import make_body, make_meeting


def publish_minutes(app, db, meeting, body, text, staff):
    with db.session(write=True) as session:
        minutes.save_text(session, meeting, text)
        minutes.circulate(session, app.state.outbox, meeting, body)
        minutes.approve(session, meeting, staff, Standing(secretariat=True))
        minutes.publish(session, meeting, staff)


def test_bodies_show_composition_and_members_but_no_declarations(client, db, cast):
    listing = client.get("/api/v1/bodies").json()["data"]
    assert [b["slug"] for b in listing] == [cast.body.slug]
    detail = client.get(f"/api/v1/bodies/{cast.body.slug}").json()
    assert {m["name"] for m in detail["members"]} == {"Chair Person", "Member Person"}
    assert "COI of" not in json.dumps(detail)
    assert client.get("/api/v1/bodies/nope").status_code == 404


def test_only_published_public_minutes(app, client, db, cast):
    forum = make_body(db, name="Forum", code="IPAF", minutes_public="")
    private_meeting = make_meeting(db, forum, days=-3, title="Forum meeting")
    publish_minutes(app, db, cast.meeting, cast.body, "Public record of the meeting.", cast.staff)
    publish_minutes(app, db, private_meeting, forum, "Members-only record.", cast.staff)
    draft_meeting = make_meeting(db, cast.body, days=-2, title="Second")
    with db.session(write=True) as session:
        minutes.save_text(session, draft_meeting, "Draft words.")
    body = client.get("/api/v1/minutes").json()
    assert [m["text_markdown"] for m in body["data"]] == ["Public record of the meeting."]


def test_decision_register_filters_and_pages(client, db, cast):
    for day in ("2025-05-01", "2026-02-01", "2026-03-01"):
        with db.session(write=True) as session:
            create_decision(
                session,
                cast.body,
                {
                    "title": f"Decision of {day}",
                    "text": "Text.",
                    "method": "consensus",
                    "decided_on": day,
                    "deliberations": "",
                },
                cast.staff,
            )
    numbers, url = [], "/api/v1/decisions?limit=2"
    while url:
        page = client.get(url).json()
        numbers += [d["number"] for d in page["data"]]
        url = page["next"]
    assert len(numbers) == 3 and len(set(numbers)) == 3
    in_2026 = client.get("/api/v1/decisions", params={"year": "2026"}).json()["data"]
    assert [d["decided_on"] for d in in_2026] == ["2026-02-01", "2026-03-01"]
    assert client.get("/api/v1/decisions", params={"year": "26"}).status_code == 400
