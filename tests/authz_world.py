"""One small world in which every route of the app has something real to point at, and the
five people the authorisation matrix tries each route as.

Built through the same factories and services as the other tests: a draft with an open
consultation (commented on, with a response group) and a closed one whose synopsis is
published; a body with a chair and a member, a past meeting with an agenda and draft minutes,
a decision and an action owned by the member."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from consult.accounts.models import SignInToken, User
from consult.accounts.services import hash_token
from consult.consultations.models import Consultation
from consult.responses import campaigns, synopsis
from consult.sqltypes import utcnow
from governance import minutes
from governance.decisions import create_action, create_decision
from governance.models import AgendaItem, Body, Meeting
from tests.conftest import make_consultation, make_draft, make_user
from tests.governance.conftest import add_member, make_body, make_meeting
from tests.responses.conftest import make_comment

ROLES = ("anonymous", "commenter", "member", "chair", "secretariat")


def router_entries(app: Starlette) -> list[str]:
    """Every "METHOD /path/template" the router answers (HEAD goes with GET). A mount other
    than the static files is listed as "MOUNT /path", so that it too needs a decision."""
    entries = []
    for route in app.routes:
        if isinstance(route, Route):
            entries += [f"{m} {route.path}" for m in sorted(route.methods or ()) if m != "HEAD"]
        elif not (isinstance(route, Mount) and route.name == "static"):
            entries.append(f"MOUNT {getattr(route, 'path', route)!r}")
    return entries


@dataclass
class World:
    app: Starlette
    users: dict[str, User]  # by role; no entry for anonymous
    draft_id: int
    consultations: dict[str, Consultation]  # "open" (the default) and "published"
    reference: str  # the commenter's own comment, in the open consultation
    group_id: int
    body: Body
    membership_id: int  # the member's
    meeting: Meeting
    agenda_item_id: int
    decision_number: str
    action_id: int

    def user(self, role: str) -> User | None:
        return self.users.get(role)

    def path(self, template: str, role: str, variant: tuple[str, str] | None = None) -> str:
        """The template with every parameter filled. `variant` is (parameter, label): for
        `slug` the label names a consultation ("open", "published"); otherwise it is the value."""
        values = {
            "slug": self.body.slug
            if template.startswith(("/bodies/", "/api/v1/bodies/"))
            else self.consultations["open"].slug,
            "key": "9.4",
            "reference": self.reference,
            "draft_id": str(self.draft_id),
            "group_id": str(self.group_id),
            "membership_id": str(self.membership_id),
            "meeting_id": str(self.meeting.id),
            "item_id": str(self.agenda_item_id),
            "number": self.decision_number,
            "action_id": str(self.action_id),
        }
        if "{token}" in template:
            values["token"] = self.sign_in_token(role)
        if variant is not None:
            name, label = variant
            values[name] = self.consultations[label].slug if name == "slug" else label
        missing = [n for n in _params(template) if n not in values]
        assert not missing, f"the world has no value for {missing} in {template}: add one"
        return template.format(**values)

    def sign_in_token(self, role: str) -> str:
        """A fresh, unused sign-in link for this role's own address."""
        user = self.user(role)
        token = f"matrix-{role}-{os.urandom(6).hex()}"
        with self.app.state.db.session(write=True) as session:
            session.add(
                SignInToken(
                    email=user.email if user else "visitor@example.org",
                    token_hash=hash_token(token),
                    expires_at=utcnow() + timedelta(minutes=30),
                )
            )
        return token

    def set_minutes(self, status: str) -> None:
        with self.app.state.db.session(write=True) as session:
            record = minutes.minutes_of(session, self.meeting)
            record.status = status
            session.add(record)


def _params(template: str) -> list[str]:
    return [part.split("}")[0] for part in template.split("{")[1:]]


def build_world(app: Starlette) -> World:
    db = app.state.db
    users = {
        "commenter": make_user(db, email="commenter@example.org", name="Ana Commenter"),
        "member": make_user(db, email="member@example.org", name="Member Person"),
        "chair": make_user(db, email="chair@example.org", name="Chair Person"),
        "secretariat": make_user(db, email="staff@example.org", name="Staff", staff=True),
    }
    draft = make_draft(db)
    published = make_consultation(db, draft, opens_days=-100, closes_days=-30)
    current = make_consultation(db, draft, round_number=2, title="Second round")
    make_comment(db, published, email="old@example.org")
    own = make_comment(
        db,
        current,
        name="Ana Commenter",
        email="commenter@example.org",
        author_id=users["commenter"].id,
    )
    other = make_comment(db, current, email="other@example.org", name="Other Person")
    body = make_body(db)
    add_member(db, body, users["chair"], role="chair", seat="Upstream value chain")
    membership = add_member(db, body, users["member"], seat="Civil society")
    meeting = make_meeting(db, body, days=-1)
    staff = users["secretariat"]
    with db.session(write=True) as session:
        synopsis.publish(session, app.state.outbox, published, staff, "Published for the tests.")
        group = campaigns.create_group(
            session, current, "Consent", [own.reference, other.reference], staff
        )
        minutes.save_text(session, meeting, "Draft minutes.")
        first = AgendaItem(meeting_id=meeting.id, position=1, title="First")
        session.add_all([first, AgendaItem(meeting_id=meeting.id, position=2, title="Second")])
        decision = create_decision(
            session,
            body,
            {"title": "D0", "text": "Agreed.", "method": "consensus", "decided_on": "2026-01-05"},
            staff,
        )
        due = (utcnow().date() - timedelta(days=1)).isoformat()
        action = create_action(
            session,
            body,
            {"title": "Send the draft", "owner": str(users["member"].id), "due_on": due},
        )
        session.flush()
    return World(
        app=app,
        users=users,
        draft_id=draft.id,
        consultations={"open": current, "published": published},
        reference=own.reference,
        group_id=group.id,
        body=body,
        membership_id=membership.id,
        meeting=meeting,
        agenda_item_id=first.id,
        decision_number=decision.number,
        action_id=action.id,
    )
