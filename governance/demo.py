"""Demonstration governance records: the Standards Committee, IPAF and two working groups,
with members, meetings, minutes in every state, decisions and actions."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlmodel import Session, select

from consult.accounts.models import User
from consult.consultations.models import Consultation
from consult.errors import ValidationError
from consult.sqltypes import utcnow
from governance import decisions, meetings, minutes, services
from governance.models import Body, Meeting, Minutes, TermsOfReference
from governance.permissions import Standing

SC_TERMS = """The Standards Committee oversees the development and revision of ASI standards.

- It **decides** by consensus: the absence of sustained opposition to substantial issues by
  any important stakeholder group. Where consensus cannot be reached, it votes.
- It has 24 seats: 12 for the value chain (6 upstream, 6 downstream), 10 for civil society and
  2 nominated by the Indigenous Peoples Advisory Forum.
- Two co-chairs, one from each half.
"""
BODIES = [
    {
        "name": "Standards Committee",
        "code": "SC",
        "kind": "committee",
        "seats": "Upstream value chain: 6\nDownstream value chain: 6\nCivil society: 10\nIPAF nominee: 2",
        "quorum_minimum": "12",
        "quorum_each_category": "on",
        "minutes_public": "on",
        "terms": SC_TERMS,
        "description": "Decides on the content of ASI standards.",
    },
    {
        "name": "Indigenous Peoples Advisory Forum",
        "code": "IPAF",
        "kind": "advisory_forum",
        "seats": "Indigenous Peoples' representatives: 8",
        "quorum_minimum": "3",
        "terms": "A standing forum of Indigenous Peoples' representatives, created in 2016.",
        "description": "Advises ASI and nominates two members of the Standards Committee.",
    },
    {
        "name": "Climate Change Working Group",
        "code": "CCWG",
        "kind": "working_group",
        "seats": "Industry: 4\nCivil society: 4",
        "quorum_minimum": "3",
        "minutes_public": "on",
        "terms": "Advises the Standards Committee on Principle 5 (greenhouse gas emissions).",
    },
    {
        "name": "Human Rights Working Group",
        "code": "HRWG",
        "kind": "working_group",
        "seats": "Industry: 3\nCivil society: 3\nIndigenous Peoples: 2",
        "quorum_minimum": "3",
        "minutes_public": "on",
        "terms": "Advises the Standards Committee on Principle 9 (human rights).",
    },
]
# (email, name, organisation, category, body code, seat, role)
MEMBERS = [
    ("jun@example.org", None, None, None, "SC", "Upstream value chain", "co_chair"),
    ("claire@example.org", None, None, None, "SC", "Civil society", "co_chair"),
    ("amara@example.org", None, None, None, "SC", "IPAF nominee", "member"),
    ("amara@example.org", None, None, None, "IPAF", "Indigenous Peoples' representatives", "chair"),
    ("sam@example.org", None, None, None, "CCWG", None, "observer"),
    ("jun@example.org", None, None, None, "CCWG", "Industry", "chair"),
    ("claire@example.org", None, None, None, "HRWG", "Civil society", "chair"),
]
EXTRA = [
    ("SC", "Upstream value chain", 3, "production_transformation"),
    ("SC", "Downstream value chain", 5, "industrial_users"),
    ("SC", "Civil society", 6, "civil_society"),
    ("SC", "IPAF nominee", 1, "indigenous_peoples"),
    ("IPAF", "Indigenous Peoples' representatives", 4, "indigenous_peoples"),
    ("CCWG", "Industry", 3, "production_transformation"),
    ("CCWG", "Civil society", 2, "civil_society"),
    ("HRWG", "Civil society", 2, "civil_society"),
    ("HRWG", "Industry", 2, "industrial_users"),
]


def load_governance_demo(session: Session, staff: User | None = None) -> None:
    """Load once; a second call changes nothing."""
    if session.exec(select(Body).where(Body.code == "SC")).first():
        return
    staff = staff or session.exec(select(User).where(User.is_secretariat)).first()
    now = utcnow()
    start = (now - timedelta(days=400)).date().isoformat()
    bodies = {b["code"]: services.create_body(session, b, staff) for b in BODIES}
    session.add(
        TermsOfReference(
            body_id=bodies["SC"].id,
            text="The Standards Committee oversees ASI standards (2019 terms).",
            effective_from=(now - timedelta(days=2000)).date(),
        )
    )
    for email, *_rest, code, seat, role in MEMBERS:
        _member(session, bodies[code], email, role, seat, start)
    for code, seat, count, category in EXTRA:
        for number in range(1, count + 1):
            slug = f"{code.lower()}-{seat.split()[0].lower().strip(chr(39))}-{number}"
            email = f"{slug}@example.org"
            if session.exec(select(User).where(User.email == email)).first() is None:
                session.add(
                    User(
                        email=email,
                        name=f"{seat} member {number} ({code})",
                        organisation=f"{seat} organisation {number}",
                        stakeholder_category=category,
                        profile_completed_at=now,
                    )
                )
                session.flush()
            _member(session, bodies[code], email, "member", seat, start)
    _standards_committee(session, bodies["SC"], staff, now)
    _ipaf(session, bodies["IPAF"], now)
    _working_group(session, bodies["CCWG"], staff, now)
    meeting = _meeting(session, bodies["HRWG"], "HRWG call on FPIC", now + timedelta(days=12))
    meetings.add_agenda_item(session, meeting, "Clause 9.4: consent", "Prepare advice.", [])


def _member(session, body, email, role, seat, start) -> None:
    seats = {s.label: s.id for s in services.seat_categories(session, body)}
    services.add_member(
        session,
        body,
        {
            "email": email,
            "role": role,
            "seat": str(seats[seat]) if seat else "",
            "term_start": start,
        },
    )


def _meeting(session, body, title, when, place="Online") -> Meeting:
    when = when.replace(hour=13, minute=0, second=0, microsecond=0)
    return meetings.create_meeting(
        session,
        body,
        {
            "title": title,
            "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (when + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "timezone": "UTC",
            "place": place,
            "online_url": "https://meet.example.org/asi",
            "languages": "English, French, Portuguese",
        },
    )


def _attend_all(session, meeting, body, absent: int = 0) -> None:
    rows = meetings.expected(session, meeting, body)
    values = {
        f"status-{row.membership.id}": "apologies" if index < absent else "present"
        for index, row in enumerate(rows)
    }
    meetings.record_attendance(session, meeting, body, values)


def _minutes(session, meeting, text, state, staff, approved_at=None) -> None:
    minutes.save_text(session, meeting, text)
    record = session.exec(select(Minutes).where(Minutes.meeting_id == meeting.id)).one()
    if state == "draft":
        return
    record.status, record.circulated_at = "circulated", utcnow()
    session.add(record)
    if state == "circulated":
        return
    minutes.approve(session, meeting, staff, Standing(secretariat=True), approved_at or "")
    if state == "published":
        minutes.publish(session, meeting, staff)


def _standards_committee(session, body, staff, now) -> None:
    first = _meeting(
        session, body, "SC meeting 1: launch of the revision", now - timedelta(days=90), "London"
    )
    meetings.add_agenda_item(session, first, "Welcome and conflicts of interest", "", [])
    meetings.add_agenda_item(session, first, "Revision plan", "Approve the **timeline**.", [])
    _attend_all(session, first, body, absent=3)
    consensus = decisions.create_decision(
        session,
        body,
        {
            "title": "Launch the revision of the Performance Standard",
            "text": "The committee launches the revision with a 60-day first round.",
            "deliberations": "Civil society members asked for webinars in French and Portuguese; agreed.",
            "method": "consensus",
            "decided_on": first.starts_at.date().isoformat(),
            "meeting": str(first.id),
            "standard": _standard_id(session),
            "review_on": (now + timedelta(days=365)).date().isoformat(),
        },
        staff,
    )
    _minutes(
        session,
        first,
        "Present: see attendance.\n\nThe committee agreed the timeline.",
        "published",
        staff,
    )
    # A correction republished: version 2 is kept beside version 1.
    _minutes(
        session,
        first,
        f"Present: see attendance.\n\nThe committee agreed the timeline ({consensus.number}).",
        "published",
        staff,
    )
    second = _meeting(session, body, "SC meeting 2: scope 3 emissions", now - timedelta(days=30))
    _attend_all(session, second, body)
    consultation = session.exec(
        select(Consultation).where(Consultation.title.contains("V4: first"))
    ).first()
    if consultation is not None:
        with contextlib.suppress(ValidationError):  # no comments there: no agenda item
            meetings.agenda_from_comments(session, second, str(consultation.id), ["5.1"])
    decisions.create_decision(
        session,
        body,
        {
            "title": "Define material Scope 3 emissions",
            "text": "Scope 3 emissions over 10% of the total are material.",
            "deliberations": "Two upstream members opposed a fixed threshold; a vote was held.",
            "method": "vote",
            "votes_for": "13",
            "votes_against": "3",
            "votes_abstain": "2",
            "decided_on": second.starts_at.date().isoformat(),
            "meeting": str(second.id),
            "standard": _standard_id(session),
        },
        staff,
    )
    third = _meeting(session, body, "SC meeting 3: FPIC", now - timedelta(days=5))
    _attend_all(session, third, body, absent=10)
    _minutes(session, second, "The committee voted on Scope 3.", "approved", staff, str(third.id))
    _minutes(session, third, "Quorum was not met; discussion only.", "circulated", staff)
    upcoming = _meeting(session, body, "SC meeting 4: round 1 comments", now + timedelta(days=20))
    if consultation is not None:
        with contextlib.suppress(ValidationError):
            meetings.agenda_from_comments(session, upcoming, str(consultation.id), ["9.4"])
    members = services.memberships(session, body)
    owner = next(r.user for r in members if r.membership.role == "co_chair")
    for title, days, status in [
        ("Circulate the FPIC briefing", -7, "open"),
        ("Book interpreters for round 1 webinars", 14, "open"),
        ("Publish the revision timeline", -60, "done"),
    ]:
        action = decisions.create_action(
            session,
            body,
            {
                "title": title,
                "owner": str(owner.id),
                "due_on": (now + timedelta(days=days)).date().isoformat(),
            },
        )
        action.status = status
        session.add(action)


def _ipaf(session, body, now) -> None:
    meeting = _meeting(session, body, "IPAF gathering", now - timedelta(days=3), "Boa Vista")
    _attend_all(session, meeting, body)
    staff = session.exec(select(User).where(User.is_secretariat)).first()
    _minutes(session, meeting, "Community consultation plan for the revision.", "draft", staff)


def _working_group(session, body, staff, now) -> None:
    meeting = _meeting(session, body, "CCWG: advice on Scope 3", now - timedelta(days=45))
    _attend_all(session, meeting, body)
    _minutes(session, meeting, "The working group advises a 10% threshold.", "published", staff)


def _standard_id(session) -> str:
    from consult.drafts.models import Standard

    standard = session.exec(select(Standard).order_by(Standard.id)).first()
    return str(standard.id) if standard else ""
