"""The secretariat's work on a consultation: assignments, dispositions, themes, groups and
campaigns, with the history rows `apply_changes` would have written for each change."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from consult.benchdata.comments import BATCH, SeededComment
from consult.benchdata.text import TextMaker
from consult.consultations.models import Consultation
from consult.responses.models import (
    TRACKED_FIELDS,
    CommentGroup,
    CommentTheme,
    Response,
    ResponseHistory,
    Theme,
)

DISPOSITIONS = {
    "accepted": 15,
    "partially_accepted": 20,
    "not_accepted": 20,
    "noted": 35,
    "out_of_scope": 10,
}
REFERRALS = [
    "Human Rights Working Group",
    "Climate Change Working Group",
    "Standards Committee",
    "Indigenous Peoples Advisory Forum",
]
THEMES = [
    "Consent",
    "Grievance mechanisms",
    "Scope 3",
    "Renewable electricity",
    "Tailings",
    "Water",
    "Biodiversity offsets",
    "Recycling",
    "Living wage",
    "Gender",
    "Security forces",
    "Audit burden",
    "Small enterprises",
    "Definitions",
    "Transparency",
    "Resettlement",
    "Child labour",
    "Closure",
    "Traceability",
    "Alignment with other standards",
]
OPENINGS = {
    "accepted": "The revised draft takes this up.",
    "partially_accepted": "The revised draft takes up part of this.",
    "not_accepted": "The committee did not take this up.",
    "noted": "Thank you: the working group noted this for the guidance.",
    "out_of_scope": "This is outside the scope of the Performance Standard.",
}


@dataclass
class State:
    """A comment's response as it stands, mirroring the Response row."""

    comment: SeededComment
    fields: dict[str, Any] = field(
        default_factory=lambda: {
            "disposition": "pending",
            "response_markdown": "",
            "referred_to": "",
            "assignee_id": None,
            "group_id": None,
            "confidential_summary": "",
        }
    )
    themes: list[str] = field(default_factory=list)
    version: int = 0
    updated_at: datetime | None = None
    updated_by_id: int | None = None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass
class Ledger:
    """Collects the rows; `change` follows `apply_changes` field by field."""

    states: dict[int, State] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)

    def change(self, comment: SeededComment, changes: dict, user_id: int, at, via="web") -> None:
        state = self.states.setdefault(comment.id, State(comment))
        if state.updated_at is not None and at <= state.updated_at:
            at = state.updated_at + timedelta(seconds=1)  # one change after another
        changed = False
        for name in TRACKED_FIELDS:
            if name not in changes or state.fields[name] == changes[name]:
                continue
            self._history(comment, user_id, at, name, state.fields[name], changes[name], via)
            state.fields[name] = changes[name]
            changed = True
        if "themes" in changes and sorted(n.lower() for n in state.themes) != sorted(
            n.lower() for n in changes["themes"]
        ):
            before, after = "; ".join(state.themes), "; ".join(changes["themes"])
            self._history(comment, user_id, at, "themes", before, after, via)
            state.themes = list(changes["themes"])
            changed = True
        if changed or state.version == 0:
            state.version += 1
            state.updated_at, state.updated_by_id = at, user_id

    def last(self, comment: SeededComment) -> datetime:
        state = self.states.get(comment.id)
        return state.updated_at if state else comment.recorded_at

    def _history(self, comment, user_id, at, name, before, after, via) -> None:
        self.history.append(
            {
                "comment_id": comment.id,
                "changed_by_id": user_id,
                "changed_at": at,
                "field": name,
                "before": _text(before),
                "after": _text(after),
                "via": via,
            }
        )


class Secretariat:
    """Answers a consultation's comments the way the secretariat works: assign, answer,
    group near-identical letters and answer each group once."""

    def __init__(self, text: TextMaker, rng: random.Random, staff_ids: list[int], now):
        self.text, self.rng, self.staff_ids, self.now = text, rng, staff_ids, now

    def answer(self, comment: SeededComment, french: bool = False) -> dict:
        rng = self.rng
        disposition = rng.choices(list(DISPOSITIONS), weights=list(DISPOSITIONS.values()))[0]
        text = ""
        if disposition != "accepted" or rng.random() < 0.5:
            text = f"{OPENINGS[disposition]} {self.text.paragraph(sentences=(1, 3))}"
            if rng.random() < 0.2:
                points = "\n".join(
                    f"- **{self.text.title(2)}**: {self.text.sentence()}" for _ in range(3)
                )
                text = f"{text}\n\n{points}"
        return {
            "disposition": disposition,
            "response_markdown": text,
            "referred_to": rng.choice(REFERRALS) if rng.random() < 0.15 else "",
            "confidential_summary": self.text.sentence()
            if comment.publication == "confidential"
            else "",
        }

    def themes(self, comment: SeededComment) -> list[str]:
        if self.rng.random() >= 0.55:
            return []
        # Themes follow the draft: neighbouring clauses share their likeliest themes.
        home = comment.clause_position * len(THEMES) // 400
        picks = {THEMES[(home + self.rng.randint(0, 2)) % len(THEMES)]}
        if self.rng.random() < 0.3:
            picks.add(self.rng.choice(THEMES))
        return sorted(picks, key=str.lower)

    def work(
        self,
        consultation: Consultation,
        comments: list[SeededComment],
        answered: float,
        assigned: float,
        answer_by: datetime,
    ) -> tuple[Ledger, list[tuple[str, bool, list[SeededComment], datetime]]]:
        """Assign and answer `answered` of the comments (and assign another `assigned`) before
        `answer_by`; group campaigns and some comments that raise the same point."""
        rng, ledger = self.rng, Ledger()
        groups = self._groups(comments, consultation, answer_by)
        grouped = {c.id for _title, _campaign, members, _at in groups for c in members}
        for comment in comments:
            roll = rng.random()
            assignee = rng.choice(self.staff_ids)
            assigned_at = self._between(comment.recorded_at + timedelta(hours=6), answer_by)
            if roll < answered + assigned or comment.id in grouped:
                ledger.change(comment, {"assignee_id": assignee}, assignee, assigned_at)
            if roll < answered and comment.id not in grouped:
                changes = self.answer(comment) | {
                    "assignee_id": assignee,
                    "themes": self.themes(comment),
                }
                ledger.change(comment, changes, assignee, self._between(assigned_at, answer_by))
        # A group is made after its members' own last change.
        groups = [
            (title, campaign, members, max([at] + [ledger.last(c) for c in members]))
            for title, campaign, members, at in groups
        ]
        return ledger, groups

    def answer_groups(self, ledger: Ledger, groups, group_ids: list[int], answered: float):
        """One response for each group, recorded on every member with its own history, the
        way "answer the group" does; the group's own summary is never copied."""
        for (_title, _campaign, members, created_at), group_id in zip(
            groups, group_ids, strict=True
        ):
            user = self.rng.choice(self.staff_ids)
            for comment in members:
                ledger.change(comment, {"group_id": group_id}, user, created_at, via="group")
            if self.rng.random() >= answered:
                continue
            changes = self.answer(members[0]) | {"themes": self.themes(members[0])}
            changes.pop("confidential_summary")
            changes["assignee_id"] = user
            answered_at = self._between(created_at, created_at + timedelta(days=20))
            for comment in members:
                ledger.change(comment, changes, user, answered_at, via="group")

    def _groups(self, comments: list[SeededComment], consultation: Consultation, answer_by):
        """Campaigns (their letters are near-identical) and small groups on one clause."""
        rng = self.rng
        start = min(consultation.closes_at, answer_by - timedelta(days=2))
        made = []
        by_campaign: dict[int, list[SeededComment]] = {}
        by_clause: dict[int, list[SeededComment]] = {}
        for comment in comments:
            if comment.campaign is not None:
                by_campaign.setdefault(comment.campaign, []).append(comment)
            else:
                by_clause.setdefault(comment.clause_id, []).append(comment)
        for number, members in sorted(by_campaign.items()):
            title = f"Campaign {number + 1}: {members[0].reference} and {len(members) - 1} alike"
            made.append((title, True, members, self._between(start, answer_by)))
        crowded = [members for members in by_clause.values() if len(members) >= 8]
        for members in rng.sample(crowded, min(len(crowded), len(comments) // 400)):
            chosen = rng.sample(members, rng.randint(2, 6))
            title = f"{self.text.title(3)} ({chosen[0].reference})"
            made.append((title, False, chosen, self._between(start, answer_by)))
        return made

    def _between(self, start: datetime, end: datetime) -> datetime:
        end = min(end, self.now - timedelta(minutes=1))
        if end <= start:
            return end
        return start + (end - start) * self.rng.random()


def store(
    session: Session,
    consultation: Consultation,
    secretariat: Secretariat,
    comments: list[SeededComment],
    answered: float,
    assigned: float,
    answer_by: datetime,
) -> dict[str, int]:
    """Work through the comments and insert responses, history, themes and groups."""
    ledger, groups = secretariat.work(consultation, comments, answered, assigned, answer_by)
    group_rows = [
        CommentGroup(consultation_id=consultation.id, title=t[:300], is_campaign=c, created_at=at)
        for t, c, _members, at in groups
    ]
    session.add_all(group_rows)
    session.flush()
    secretariat.answer_groups(ledger, groups, [g.id for g in group_rows], answered)
    connection = session.connection()
    responses = [
        {
            "comment_id": state.comment.id,
            "consultation_id": consultation.id,
            **state.fields,
            "version": state.version,
            "updated_at": state.updated_at,
            "updated_by_id": state.updated_by_id,
        }
        for state in ledger.states.values()
    ]
    for rows in (responses, ledger.history):
        table = Response if rows is responses else ResponseHistory
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start : start + BATCH])
    links = _themes(session, consultation, ledger)
    return {
        "responses": len(responses),
        "answered": sum(s.fields["disposition"] != "pending" for s in ledger.states.values()),
        "history": len(ledger.history),
        "groups": len(group_rows),
        "campaigns": sum(1 for g in group_rows if g.is_campaign),
        "theme_links": links,
    }


def _themes(session: Session, consultation: Consultation, ledger: Ledger) -> int:
    """The consultation's themes, created when first used, and each comment's links."""
    names = sorted({n for s in ledger.states.values() for n in s.themes}, key=str.lower)
    if not names:
        return 0
    session.connection().execute(
        insert(Theme), [{"consultation_id": consultation.id, "name": n} for n in names]
    )
    ids = dict(
        session.exec(
            select(Theme.name, Theme.id).where(Theme.consultation_id == consultation.id)
        ).all()
    )
    links = [
        {"comment_id": s.comment.id, "theme_id": ids[name]}
        for s in ledger.states.values()
        for name in s.themes
    ]
    for start in range(0, len(links), BATCH):
        session.connection().execute(insert(CommentTheme), links[start : start + BATCH])
    return len(links)
