"""Five bodies with their members over several terms, meetings with agendas and attendance,
minutes in every state, decisions numbered per body and year, and action items. Everything
goes through the governance services, so each record passes the checks a form would."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from consult.accounts.models import User
from consult.benchdata.people import Person
from consult.benchdata.text import TextMaker
from governance import decisions, meetings, minutes, services
from governance.models import Body, Meeting
from governance.permissions import Standing

# (name, code, kind, seats with the categories that fill them, quorum, public minutes,
#  timezone, share of the meetings)
BODIES = [
    (
        "Standards Committee",
        "SC",
        "committee",
        [
            ("Upstream value chain", 6, ["production_transformation"]),
            ("Downstream value chain", 6, ["industrial_users", "downstream_supporters"]),
            ("Civil society", 10, ["civil_society"]),
            ("IPAF nominee", 2, ["indigenous_peoples"]),
        ],
        12,
        True,
        "Europe/London",
        60,
    ),
    (
        "Indigenous Peoples Advisory Forum",
        "IPAF",
        "advisory_forum",
        [("Indigenous Peoples' representatives", 8, ["indigenous_peoples"])],
        3,
        False,
        "America/Sao_Paulo",
        35,
    ),
    (
        "Climate Change Working Group",
        "CCWG",
        "working_group",
        [
            ("Industry", 4, ["production_transformation", "industrial_users"]),
            ("Civil society", 4, ["civil_society", "academia"]),
        ],
        3,
        True,
        "Asia/Shanghai",
        35,
    ),
    (
        "Human Rights Working Group",
        "HRWG",
        "working_group",
        [
            ("Industry", 3, ["production_transformation", "associations"]),
            ("Civil society", 3, ["civil_society"]),
            ("Indigenous Peoples", 2, ["indigenous_peoples"]),
        ],
        3,
        True,
        "Africa/Conakry",
        30,
    ),
    (
        "Board of Directors",
        "BOARD",
        "board",
        [
            ("Industry", 6, ["production_transformation", "industrial_users", "associations"]),
            ("Civil society", 4, ["civil_society"]),
            ("Independent", 2, ["academia", "other", "general_supporters"]),
        ],
        7,
        False,
        "Australia/Sydney",
        40,
    ),
]
AGENDA = [
    "Welcome, apologies and conflicts of interest",
    "Minutes of the last meeting",
    "Revision of the Performance Standard",
    "Comments received in the consultation",
    "Work plan and budget",
    "Reports from the working groups",
    "Any other business",
]
HISTORY_DAYS = 4 * 365
ATTENDANCE = {"present": 78, "apologies": 12, "absent": 5, "represented": 5}


@dataclass(frozen=True)
class RoundRef:
    """What decisions and agendas may point at in a consultation round."""

    opens_at: datetime
    closes_at: datetime
    consultation_id: int
    clause_ids: list[int]
    references: list[str]


@dataclass
class Context:
    session: Session
    text: TextMaker
    rng: random.Random
    now: datetime
    staff: list[User]
    people: list[Person]
    standard_id: int
    rounds: list[RoundRef]  # oldest first

    def between(self, start: datetime, days: float) -> datetime:
        return min(start + timedelta(days=self.rng.uniform(0, days)), self.now)


def seed_governance(ctx: Context, meeting_total: int, decision_total: int) -> None:
    shares = [b[-1] for b in BODIES]
    meeting_counts = _split(meeting_total, shares, ctx.rng)
    decision_counts = _split(decision_total, meeting_counts, ctx.rng)
    taken: set[int] = set()
    for spec, n_meetings, n_decisions in zip(BODIES, meeting_counts, decision_counts, strict=True):
        body = _body(ctx, spec, taken)
        held = _meetings(ctx, body, spec[6], n_meetings)
        _decisions(ctx, body, held, n_decisions)
        for meeting in held:
            _minutes(ctx, body, meeting, held)


def _split(total: int, weights: list[int], rng: random.Random) -> list[int]:
    shares = [total * w // sum(weights) for w in weights]
    for index in rng.sample(range(len(shares)), total - sum(shares)):
        shares[index] += 1
    return shares


# --- bodies and members -----------------------------------------------------------------------


def _body(ctx: Context, spec, taken: set[int]) -> Body:
    name, code, kind, seats, quorum, public, _zone, _share = spec
    founded = (ctx.now - timedelta(days=HISTORY_DAYS + 200)).date()
    values = {
        "name": name,
        "code": code,
        "kind": kind,
        "seats": "\n".join(f"{label}: {n}" for label, n, _cats in seats),
        "quorum_minimum": str(quorum),
        "quorum_each_category": "on" if code == "SC" else "",
        "minutes_public": "on" if public else "",
        "terms": f"{ctx.text.paragraph(sentences=(2, 4))}\n\n- {ctx.text.sentence()}",
        "terms_from": founded.isoformat(),
        "description": ctx.text.sentence(),
    }
    body = services.create_body(ctx.session, values, ctx.staff[0])
    body.created_at = datetime.combine(founded, datetime.min.time(), ctx.now.tzinfo)
    revised = ctx.now - timedelta(days=ctx.rng.randint(100, 600))
    services.add_terms(
        ctx.session, body, ctx.text.paragraph(sentences=(3, 5)), revised.date().isoformat(), None
    )
    categories = {c.label: c.id for c in services.seat_categories(ctx.session, body)}
    change = (ctx.now - timedelta(days=HISTORY_DAYS // 2)).date()
    for label, count, cats in seats:
        for seat in range(count):
            if ctx.rng.random() < 0.08:
                continue  # a vacancy
            role = "member"
            if seat == 0 and (
                label in ("Upstream value chain", "Civil society") or len(seats) == 1
            ):
                role = "co_chair" if code == "SC" else "chair"
            if ctx.rng.random() < 0.4:  # the seat changed hands half-way
                _member(ctx, body, taken, cats, categories[label], "member", founded, change)
                _member(ctx, body, taken, cats, categories[label], role, change + timedelta(1))
            else:
                _member(ctx, body, taken, cats, categories[label], role, founded)
    for role, n in (("alternate", 3 if code == "SC" else 1), ("observer", 2)):
        for _ in range(n):
            _member(ctx, body, taken, ["other", "academia", "individual"], None, role, founded)
    staff = ctx.rng.choice(ctx.staff[1:])
    services.add_member(
        ctx.session,
        body,
        {"email": staff.email, "role": "secretariat", "term_start": founded.isoformat()},
    )
    return body


def _member(ctx, body, taken, categories, seat_id, role, start: date, end: date | None = None):
    """A commenter of the right category; when they run out (at small scales), someone new
    whom the secretariat adds by email, as the members form allows."""
    pool = [p for p in ctx.people if p.category in categories and p.id not in taken]
    pool = pool or [p for p in ctx.people if p.id not in taken]
    if pool:
        person = ctx.rng.choice(pool)
        taken.add(person.id)
        email, name = person.email, person.name
    else:
        email, name = f"member-{len(taken) + 1}@{body.code.lower()}.example.org", "New member"
        taken.add(-len(taken) - 1)
    membership = services.add_member(
        ctx.session,
        body,
        {
            "email": email,
            "name": name,
            "role": role,
            "seat": str(seat_id or ""),
            "term_start": start.isoformat(),
            "term_end": end.isoformat() if end else "",
            "conflict_of_interest": ctx.text.sentence() if ctx.rng.random() < 0.2 else "",
        },
    )
    membership.created_at = datetime.combine(start, datetime.min.time(), ctx.now.tzinfo)


# --- meetings ---------------------------------------------------------------------------------


def _meetings(ctx: Context, body: Body, zone: str, count: int) -> list[Meeting]:
    """Spread over the last four years, the last one or two still to come."""
    first = ctx.now - timedelta(days=HISTORY_DAYS)
    step = (HISTORY_DAYS + 60) / max(count, 1)
    held = []
    for number in range(count):
        day = first + timedelta(days=step * number + ctx.rng.uniform(0, step * 0.6))
        local = day.replace(hour=ctx.rng.choice([9, 10, 13, 14]), minute=0, tzinfo=None)
        hours = 6 if body.kind == "advisory_forum" else ctx.rng.choice([2, 2, 3])
        title = f"{body.code} meeting {number + 1}: {ctx.text.title(3).lower()}"
        meeting = meetings.create_meeting(
            ctx.session,
            body,
            {
                "title": title,
                "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (local + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M"),
                "timezone": zone,
                "place": ctx.rng.choice(["Online", "London", "Brisbane", "Boké", "Online"]),
                "online_url": "https://meet.example.org/asi",
                "languages": ctx.rng.choice(["English", "English, French", "English, Portuguese"]),
            },
        )
        meeting.created_at = min(meeting.starts_at - timedelta(days=30), ctx.now)
        _agenda(ctx, meeting)
        if meeting.starts_at < ctx.now:
            _attendance(ctx, body, meeting)
        held.append(meeting)
    return held


def _round_at(ctx: Context, when: datetime) -> RoundRef:
    """The newest consultation round opened by then (or the first)."""
    current = ctx.rounds[0]
    for entry in ctx.rounds:
        if entry.opens_at <= when:
            current = entry
    return current


def _agenda(ctx: Context, meeting: Meeting) -> None:
    clause_ids = _round_at(ctx, meeting.starts_at).clause_ids
    items = [AGENDA[0], AGENDA[1], *ctx.rng.sample(AGENDA[2:-1], ctx.rng.randint(1, 3)), AGENDA[-1]]
    for title in items:
        clauses = []
        if title.startswith(("Revision", "Comments")):
            clauses = [str(c) for c in ctx.rng.sample(clause_ids, min(3, len(clause_ids)))]
        meetings.add_agenda_item(ctx.session, meeting, title, ctx.text.paragraph(), clauses)


def _attendance(ctx: Context, body: Body, meeting: Meeting) -> None:
    rows = meetings.expected(ctx.session, meeting, body)
    alternates = [r.membership.id for r in rows if r.membership.role == "alternate"]
    values = {}
    for row in rows:
        status = ctx.rng.choices(list(ATTENDANCE), weights=list(ATTENDANCE.values()))[0]
        if row.membership.role == "alternate" or (status == "represented" and not alternates):
            status = "present"
        values[f"status-{row.membership.id}"] = status
        if status == "represented":
            values[f"alternate-{row.membership.id}"] = str(ctx.rng.choice(alternates))
    meetings.record_attendance(ctx.session, meeting, body, values)


# --- decisions --------------------------------------------------------------------------------


def _decisions(ctx: Context, body: Body, held: list[Meeting], total: int) -> None:
    """Most decisions at meetings, some by written procedure; created in date order so each
    body's numbers go up through the year."""
    past = [m for m in held if m.starts_at < ctx.now]
    plans: list[tuple[date, Meeting | None]] = []
    for _ in range(total):
        if past and ctx.rng.random() < 0.92:
            meeting = ctx.rng.choice(past)
            plans.append((meeting.starts_at.date(), meeting))
        else:
            day = ctx.now - timedelta(days=ctx.rng.uniform(1, HISTORY_DAYS))
            plans.append((day.date(), None))
    present: dict[int, int] = {}
    for decided_on, meeting in sorted(plans, key=lambda p: (p[0], p[1].id if p[1] else 0)):
        if meeting is not None and meeting.id not in present:
            present[meeting.id] = meetings.quorum(ctx.session, meeting, body).present
        _decision(ctx, body, decided_on, meeting, present.get(meeting.id if meeting else 0, 0))


def _decision(ctx: Context, body: Body, decided_on: date, meeting, present: int) -> None:
    rng = ctx.rng
    values = {
        "title": ctx.text.title(rng.randint(3, 7)),
        "text": ctx.text.paragraph(sentences=(1, 3)),
        "deliberations": ctx.text.paragraph() if rng.random() < 0.6 else "",
        "method": "consensus",
        "decided_on": decided_on.isoformat(),
        "meeting": str(meeting.id) if meeting else "",
        "review_on": (decided_on + timedelta(days=rng.randint(365, 1100))).isoformat()
        if rng.random() < 0.3
        else "",
    }
    if meeting is not None and present and rng.random() < 0.25:
        yes = rng.randint((present + 1) // 2, present)
        no = rng.randint(0, present - yes)
        values |= {
            "method": "vote",
            "votes_for": str(yes),
            "votes_against": str(no),
            "votes_abstain": str(rng.randint(0, present - yes - no)),
        }
    when = datetime.combine(decided_on, datetime.min.time(), ctx.now.tzinfo)
    rnd = _round_at(ctx, when)
    if rng.random() < 0.7:
        values["standard"] = str(ctx.standard_id)
    if rnd.opens_at <= when and rng.random() < 0.4:
        values["consultation"] = str(rnd.consultation_id)
        if rng.random() < 0.5:
            values["clauses"] = " ".join(str(c) for c in rng.sample(rnd.clause_ids, 2))
        if rnd.closes_at <= when and rnd.references and rng.random() < 0.3:
            picked = rng.sample(rnd.references, min(3, len(rnd.references)))
            values["comments"] = " ".join(picked)
    decision = decisions.create_decision(ctx.session, body, values, ctx.staff[0])
    decision.created_at = min(when + timedelta(days=rng.uniform(0, 3)), ctx.now)
    if meeting is not None and rng.random() < 0.4:
        _action(ctx, body, meeting)


def _action(ctx: Context, body: Body, meeting: Meeting) -> None:
    members = meetings.expected(ctx.session, meeting, body)
    owner = ctx.rng.choice(members).user if members else ctx.staff[1]
    due = meeting.starts_at + timedelta(days=ctx.rng.randint(14, 120))
    action = decisions.create_action(
        ctx.session,
        body,
        {
            "title": ctx.text.title(ctx.rng.randint(3, 6)),
            "owner": str(owner.id),
            "due_on": due.date().isoformat(),
            "meeting": str(meeting.id),
        },
    )
    action.created_at = meeting.ends_at
    if due < ctx.now - timedelta(days=30):
        status = ctx.rng.choices(["done", "cancelled", "open"], weights=[80, 10, 10])[0]
        decisions.set_action_status(ctx.session, action, status)


# --- minutes ----------------------------------------------------------------------------------


def _minutes(ctx: Context, body: Body, meeting: Meeting, held: list[Meeting]) -> None:
    """Published when the meeting is over two months old (some corrected once since), approved
    after a month, circulated after ten days, a draft before that."""
    age = (ctx.now - meeting.ends_at).days
    if age < 1:
        return
    state = "published" if age > 60 else "approved" if age > 30 else "circulated"
    if age < 10:
        state = "draft"
    done = _write(ctx, body, meeting, held, state, meeting.ends_at)
    if state == "published" and ctx.rng.random() < 0.1:
        _write(ctx, body, meeting, held, state, done)  # a correction: version 2


def _write(ctx: Context, body, meeting: Meeting, held, state: str, since: datetime) -> datetime:
    """Minutes taken to `state` the way the secretariat does it; returns when that was."""
    text = "\n\n".join(
        [f"## Present\n\n{ctx.text.sentence()}"]
        + [
            f"## {n}. {ctx.text.title(3)}\n\n{ctx.text.paragraph(sentences=(1, 5))}"
            for n in range(1, 5)
        ]
    )
    record = minutes.save_text(ctx.session, meeting, text)
    record.updated_at = ctx.between(since, 5)
    if state == "draft":
        return record.updated_at
    record.status, record.circulated_at = "circulated", ctx.between(record.updated_at, 3)
    ctx.session.add(record)
    if state == "circulated":
        members = meetings.expected(ctx.session, meeting, body)
        for row in ctx.rng.sample(members, min(len(members), ctx.rng.randint(0, 2))):
            comment = minutes.add_comment(
                ctx.session, meeting, row.user, Standing(member=True), ctx.text.sentence()
            )
            comment.created_at = ctx.between(record.circulated_at, 7)
        return record.circulated_at
    later = [m for m in held if meeting.starts_at < m.starts_at < ctx.now]
    at_meeting = later[0] if later and ctx.rng.random() < 0.5 else None
    minutes.approve(
        ctx.session,
        meeting,
        ctx.staff[0],
        Standing(secretariat=True),
        str(at_meeting.id) if at_meeting else "",
    )
    record.approved_at = at_meeting.ends_at if at_meeting else ctx.between(record.circulated_at, 20)
    if state != "published":
        return record.approved_at
    version = minutes.publish(ctx.session, meeting, ctx.staff[0])
    version.published_at = ctx.between(record.approved_at, 5)
    return version.published_at
