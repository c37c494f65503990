"""Calendars and feeds parse, and never show what is not public; invitations carry an .ics."""

from xml.etree import ElementTree as ET

from icalendar import Calendar
from sqlmodel import select

from consult.mail.models import OutboxMessage
from consult.mail.sender import SmtpSender, deliver_due, to_email
from governance import decisions, minutes
from governance.models import Body
from tests.conftest import csrf, make_user, outbox, run_async
from tests.governance.conftest import act_as, make_body, make_meeting

ATOM = "{http://www.w3.org/2005/Atom}"


def _events(response):
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return calendar, calendar.walk("VEVENT")


def test_meeting_calendars_parse_with_every_required_property(client, db, cast):
    other = make_body(db, name="Board", code="BD", seats="Independent: 2")
    make_meeting(db, other, title="Board 1", timezone="America/Sao_Paulo")
    calendar, events = _events(client.get("/meetings.ics"))
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert len(events) == 2
    for event in events:
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL", "LOCATION"):
            assert event.get(prop) is not None, prop
    board = next(e for e in events if "Board 1" in str(e["SUMMARY"]))
    assert board["DTSTART"].params["TZID"] == "America/Sao_Paulo"
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {
        "America/Sao_Paulo",
        "Europe/London",
    }
    _, only_sc = _events(client.get(f"/bodies/{cast.body.slug}/meetings.ics"))
    assert [str(e["SUMMARY"]) for e in only_sc] == ["Standards Committee: Meeting 1"]
    assert client.get("/bodies/nope/meetings.ics").status_code == 404


def _publish(db, cast, text: str, public: bool = True):
    with db.session(write=True) as session:
        body = session.get(Body, cast.body.id)
        body.minutes_public = public
        session.add(body)
        minutes.save_text(session, cast.meeting, text)
        record = minutes.minutes_of(session, cast.meeting)
        record.status = "approved"
        session.add(record)
        minutes.publish(session, cast.meeting, cast.staff)


def _atom(response):
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    for entry in feed.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "link", "author", "summary"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
    return feed


def test_minutes_feed_has_published_public_minutes_only(client, db, cast):
    _publish(db, cast, "Published <b>& escaped</b> text.")
    with db.session(write=True) as session:
        minutes.save_text(session, cast.meeting, "A later draft, not for the feed.")
    feed = _atom(client.get("/minutes.atom"))
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}summary").text == "Published <b>& escaped</b> text."
    assert "later draft" not in client.get("/minutes.atom").text


def test_minutes_feed_leaves_out_members_only_bodies(client, db, cast):
    _publish(db, cast, "Members only.", public=False)
    feed = _atom(client.get("/minutes.atom"))
    assert feed.findall(f"{ATOM}entry") == []


def test_decisions_feed_lists_the_register(client, db, cast):
    act_as(client, db, cast, "secretariat")
    url = f"/bodies/{cast.body.slug}/decisions/new"
    client.post(
        url,
        data={
            "csrf_token": csrf(client, url),
            "title": "Tom & Jerry <script>",
            "text": "Text",
            "method": "consensus",
            "decided_on": "2026-05-01",
        },
    )
    feed = _atom(client.get("/decisions.atom"))
    entry = feed.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "SC-2026-001: Tom & Jerry <script>"
    assert entry.find(f"{ATOM}link").get("href").endswith("/decisions/SC-2026-001")
    with db.session() as session:
        assert len(decisions.register(session)) == 1


def test_invitations_carry_an_ics_attachment_through_the_outbox(client, db, cast):
    act_as(client, db, cast, "secretariat")
    url = f"/meetings/{cast.meeting.id}"
    response = client.post(f"{url}/invite", data={"csrf_token": csrf(client, url)})
    assert response.status_code == 200
    mails = [m for m in outbox(db) if m.subject.startswith("Invitation")]
    assert sorted(m.to_address for m in mails) == ["chair@example.org", "member@example.org"]
    row = mails[0]
    assert row.attachment_type == "text/calendar" and row.attachment_name == "meeting.ics"
    assert "(Europe/London)" in row.body_text and url in row.body_text
    message = to_email(row, "Consult <consult@example.org>")
    assert message.is_multipart()
    parts = {part.get_content_type(): part for part in message.iter_attachments()}
    ics = parts["text/calendar"]
    assert ics.get_filename() == "meeting.ics"
    event = Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Standards Committee: Meeting 1"


def test_invitation_is_delivered_over_smtp_with_the_calendar(db, cast, smtp_settings, smtp_server):
    from consult.app import create_app
    from consult.mail.outbox import Outbox
    from consult.web import TEMPLATES_DIR
    from governance import feeds

    app = create_app(smtp_settings, run_worker=False)
    database = app.state.db
    with database.session(write=True) as session:
        body = session.get(Body, cast.body.id)
        feeds.send_invitations(session, Outbox(smtp_settings, TEMPLATES_DIR), cast.meeting, body)
    delivered = run_async(deliver_due(database, SmtpSender(smtp_settings)))
    database.dispose()
    assert delivered == 2
    received = smtp_server.messages[0]
    kinds = [part.get_content_type() for part in received.walk()]
    assert "text/calendar" in kinds and "text/plain" in kinds
    with db.session() as session:
        assert all(m.sent_at for m in session.exec(select(OutboxMessage)))
    assert make_user  # factories stay importable


def test_atom_drops_characters_xml_cannot_carry(client, db, cast):
    _publish(db, cast, "Bell \x07 and form feed \x0c gone; “quotes” stay.")
    feed = _atom(client.get("/minutes.atom"))
    summary = feed.find(f"{ATOM}entry").find(f"{ATOM}summary").text
    assert summary == "Bell  and form feed  gone; “quotes” stay."
