"""The demo: a Standards Committee, IPAF and two working groups with meetings, minutes in every
state, decisions and actions, and every page and feed working on it."""

import re
from xml.etree import ElementTree as ET

from icalendar import Calendar
from sqlmodel import select

from consult.demo import load_demo
from governance.models import ActionItem, Body, Decision, Meeting, Minutes, MinutesVersion
from tests.governance.conftest import soup


def test_demo_has_every_governance_record(client, db):
    with db.session(write=True) as session:
        load_demo(session)
    with db.session() as session:
        bodies = {b.code: b for b in session.exec(select(Body))}
        assert set(bodies) == {"SC", "IPAF", "CCWG", "HRWG"}
        states = {m.status for m in session.exec(select(Minutes))}
        assert states == {"draft", "circulated", "approved", "published"}
        assert len(session.exec(select(MinutesVersion)).all()) >= 3
        methods = {d.method for d in session.exec(select(Decision))}
        assert methods == {"consensus", "vote"}
        assert any(a.status == "open" for a in session.exec(select(ActionItem)))
        meeting_ids = [m.id for m in session.exec(select(Meeting))]
    sc = soup(client.get("/bodies/standards-committee"))
    assert sc.select("#balance-table tr.vacancy")
    assert len(sc.select("#members-table tbody tr")) == 18
    for meeting_id in meeting_ids:
        assert client.get(f"/meetings/{meeting_id}").status_code == 200
    register = soup(client.get("/decisions"))
    numbers = [a.text for a in register.select(".decision-row td:first-child a")]
    assert numbers and all(re.fullmatch(r"SC-\d{4}-\d{3}", n) for n in numbers)
    upcoming = soup(client.get(f"/meetings/{meeting_ids[3]}"))
    assert "Comments on 9.4" in upcoming.select_one("#agenda-items").text
    assert len(Calendar.from_ical(client.get("/meetings.ics").content).walk("VEVENT")) == len(
        meeting_ids
    )
    assert ET.fromstring(client.get("/minutes.atom").content).tag.endswith("feed")
    assert ET.fromstring(client.get("/decisions.atom").content).tag.endswith("feed")
