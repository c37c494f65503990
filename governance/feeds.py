"""Calendars and feeds: iCalendar for meetings (feeds and emailed invitations), Atom for
published minutes and decisions."""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText
from sqlmodel import Session

from consult.sqltypes import utcnow
from governance.meetings import local_time
from governance.models import Body, Meeting
from governance.services import memberships, today

ATOM = "http://www.w3.org/2005/Atom"
PRODID = "-//Consult//Governance//EN"


def _event(meeting: Meeting, body: Body, base_url: str, members: bool) -> Event:
    zone = ZoneInfo(meeting.timezone)
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{base_url.split('://')[-1]}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", f"{body.name}: {meeting.title}")
    link = f"{base_url}/meetings/{meeting.id}"
    event.add("url", link)
    # The online link is for members: only their invitations may carry it.
    location = meeting.place or (meeting.online_url if members else "")
    if location:
        event.add("location", location)
    description = link
    if meeting.languages:
        description += f"\n{meeting.languages}"
    event.add("description", description)
    return event


def calendar(
    rows: list[tuple[Meeting, Body]],
    base_url: str,
    name: str,
    method: str = "",
    members: bool = False,
) -> bytes:
    """The meetings as iCalendar; `members` for an invitation, which may give the online link."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    # An X- property is not escaped unless typed as text: a newline in a body name would
    # otherwise end the line and start a property of its own.
    cal.add("x-wr-calname", vText(name))
    if method:
        cal.add("method", method)
    for meeting, body in rows:
        cal.add_component(_event(meeting, body, base_url, members))
    cal.add_missing_timezones()
    return cal.to_ical()


def send_invitations(session: Session, outbox, meeting: Meeting, body: Body) -> int:
    base = outbox.settings.base_url
    ics = calendar([(meeting, body)], base, body.name, method="PUBLISH", members=True).decode()
    rows = memberships(session, body, today())
    for row in rows:
        outbox.queue(
            session,
            row.user.email,
            "governance_invitation",
            {
                "meeting": meeting,
                "body": body,
                "link": f"{base}/meetings/{meeting.id}",
                "name": row.user.display_name,
                "when": local_time(meeting),
            },
            language=row.user.language,
            attachment=("meeting.ics", "text/calendar", ics),
        )
    return len(rows)


# --- Atom -------------------------------------------------------------------------------------


# Characters XML 1.0 cannot carry at all, even escaped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = NOT_XML.sub("", text)
    return element


def _stamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def atom(title: str, self_url: str, site_url: str, entries: list[dict]) -> bytes:
    """`entries` carry id, title, updated (aware datetime), link, author, summary."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    updated = max((e["updated"] for e in entries), default=utcnow())
    _text(feed, "updated", _stamp(updated))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": site_url})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "Consult")
    for item in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", item["id"])
        _text(entry, "title", item["title"])
        _text(entry, "updated", _stamp(item["updated"]))
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": item["link"]})
        entry_author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(entry_author, "name", item["author"])
        _text(entry, "summary", item["summary"], type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
