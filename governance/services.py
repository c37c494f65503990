"""Bodies, their terms of reference and composition rule, members, balance and standing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from consult.accounts.models import STAKEHOLDER_CATEGORIES, User
from consult.accounts.services import normalize_email
from consult.drafts.parser import slugify
from consult.errors import NotFound, ValidationError
from consult.i18n import lazy_gettext as _l
from governance.models import (
    BODY_KINDS,
    CHAIR_ROLES,
    ROLES,
    VOTING_ROLES,
    Body,
    Membership,
    SeatCategory,
    TermsOfReference,
)
from governance.parsing import as_id, collect, parse_count, parse_date, parse_id
from governance.permissions import Standing

SEAT_LINE = re.compile(r"^(?P<label>.+?)\s*:\s*(?P<seats>\d+)\s*$")


def today() -> date:
    from consult.sqltypes import utcnow

    return utcnow().date()


# --- bodies -----------------------------------------------------------------------------------


def parse_seats(text: str) -> list[tuple[str, int]]:
    """One seat category a line, "Civil society: 10"."""
    seats: list[tuple[str, int]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = SEAT_LINE.match(line.strip())
        if not match or len(match["label"]) > 120 or len(match["seats"]) > 4:
            raise ValidationError(
                {
                    "seats": _l(
                        "Line %(n)s: write one category a line as “Civil society: 10”.", n=number
                    )
                }
            )
        if match["label"].lower() in {label.lower() for label, _ in seats}:
            raise ValidationError(
                {
                    "seats": _l(
                        "Line %(n)s repeats the category “%(label)s”.",
                        n=number,
                        label=match["label"],
                    )
                }
            )
        seats.append((match["label"], int(match["seats"])))
    return seats


def create_body(session: Session, values: dict[str, str], user: User | None) -> Body:
    """Raises ValidationError naming each wrong field."""
    errors: dict = {}
    name = values.get("name", "").strip()
    code = values.get("code", "").strip().upper()
    if not name or len(name) > 200:
        errors["name"] = _l("Give the body a name of at most 200 characters.")
    elif session.exec(select(Body).where(Body.name == name)).first():
        errors["name"] = _l("There is already a body with this name.")
    if not re.fullmatch(r"[A-Z][A-Z0-9]{0,9}", code):
        errors["code"] = _l("The code is 1 to 10 letters or digits, such as SC.")
    elif session.exec(select(Body).where(Body.code == code)).first():
        errors["code"] = _l("Another body uses this code.")
    if values.get("kind") not in BODY_KINDS:
        errors["kind"] = _l("Choose the kind of body.")
    quorum = collect(errors, parse_count, values.get("quorum_minimum", ""), "quorum_minimum")
    seats = collect(errors, parse_seats, values.get("seats", "")) or []
    effective = collect(errors, parse_date, values.get("terms_from", ""), "terms_from", False)
    if errors:
        raise ValidationError(errors)
    body = Body(
        slug=_unique_slug(session, name),
        name=name,
        code=code,
        kind=values["kind"],
        description=values.get("description", "").strip(),
        minutes_public=bool(values.get("minutes_public")),
        quorum_minimum=quorum,
        quorum_each_category=bool(values.get("quorum_each_category")),
    )
    session.add(body)
    session.flush()
    for position, (label, count) in enumerate(seats):
        session.add(SeatCategory(body_id=body.id, label=label, seats=count, position=position))
    terms = values.get("terms", "").strip()
    if terms:
        session.add(
            TermsOfReference(
                body_id=body.id,
                text=terms,
                effective_from=effective or today(),
                created_by_id=user.id if user else None,
            )
        )
    session.flush()
    return body


def _unique_slug(session: Session, name: str) -> str:
    base = slugify(name)[:100] or "body"
    taken = set(session.exec(select(Body.slug).where(col(Body.slug).startswith(base))))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def list_bodies(session: Session) -> list[Body]:
    return list(session.exec(select(Body).order_by(Body.name)))


def get_body(session: Session, slug: str) -> Body:
    body = session.exec(select(Body).where(Body.slug == slug)).first()
    if body is None:
        raise NotFound(_l("There is no body at this address. See the list of bodies."))
    return body


def add_terms(
    session: Session, body: Body, text: str, effective_from: str, user: User | None
) -> TermsOfReference:
    errors: dict = {}
    day = collect(errors, parse_date, effective_from, "effective_from")
    if not text.strip():
        errors["terms"] = _l("Write the terms of reference.")
    if errors:
        raise ValidationError(errors)
    terms = TermsOfReference(
        body_id=body.id,
        text=text.strip(),
        effective_from=day,
        created_by_id=user.id if user else None,
    )
    session.add(terms)
    session.flush()
    return terms


def terms_history(session: Session, body: Body) -> list[TermsOfReference]:
    """Newest first: the first one in force on or before today is current."""
    return list(
        session.exec(
            select(TermsOfReference)
            .where(TermsOfReference.body_id == body.id)
            .order_by(col(TermsOfReference.effective_from).desc(), col(TermsOfReference.id).desc())
        )
    )


def current_terms(history: list[TermsOfReference], day: date) -> TermsOfReference | None:
    return next((t for t in history if t.effective_from <= day), None)


def seat_categories(session: Session, body: Body) -> list[SeatCategory]:
    return list(
        session.exec(
            select(SeatCategory)
            .where(SeatCategory.body_id == body.id)
            .order_by(SeatCategory.position, SeatCategory.id)
        )
    )


# --- members ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    user: User
    seat: SeatCategory | None


def memberships(session: Session, body: Body, on: date | None = None) -> list[MemberRow]:
    """Every membership of the body, or only those current on `on`."""
    rows = session.exec(
        select(Membership, User, SeatCategory)
        .join(User, User.id == Membership.user_id)
        .outerjoin(SeatCategory, SeatCategory.id == Membership.seat_category_id)
        .where(Membership.body_id == body.id)
        .order_by(SeatCategory.position, User.name, Membership.term_start)
    )
    result = [MemberRow(*row) for row in rows]
    if on is not None:
        result = [row for row in result if row.membership.current_on(on)]
    return result


def add_member(session: Session, body: Body, values: dict[str, str]) -> Membership:
    """Raises ValidationError, among others when the person already holds an overlapping term
    on this body."""
    errors: dict = {}
    email = normalize_email(values.get("email", ""))
    if "@" not in email or len(email) > 320:
        errors["email"] = _l("Enter the member's email address, such as name@example.org.")
    role = values.get("role", "")
    if role not in ROLES:
        errors["role"] = _l("Choose the member's role.")
    seat_id = collect(errors, parse_id, values.get("seat", ""), "seat")
    seat = session.get(SeatCategory, seat_id) if seat_id else None
    if seat_id and (seat is None or seat.body_id != body.id):
        errors["seat"] = _l("Choose one of this body's seat categories.")
    if role in VOTING_ROLES and seat is None and seat_categories(session, body):
        errors["seat"] = _l("A voting member holds a seat: choose its category.")
    category = values.get("stakeholder_category", "") or None
    if category and category not in STAKEHOLDER_CATEGORIES:
        errors["stakeholder_category"] = _l("Choose a stakeholder category from the list.")
    start = collect(errors, parse_date, values.get("term_start", ""), "term_start")
    end = collect(errors, parse_date, values.get("term_end", ""), "term_end", False)
    if start and end and end < start:
        errors["term_end"] = _l("The term must end after it starts.")
    if errors:
        raise ValidationError(errors)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, name=values.get("name", "").strip())
        session.add(user)
        session.flush()
    _refuse_overlap(session, body, user, start, end)
    membership = Membership(
        body_id=body.id,
        user_id=user.id,
        seat_category_id=seat.id if seat else None,
        role=role,
        stakeholder_category=category or user.stakeholder_category,
        term_start=start,
        term_end=end,
        conflict_of_interest=values.get("conflict_of_interest", "").strip()[:5000],
    )
    session.add(membership)
    session.flush()
    return membership


def _refuse_overlap(session: Session, body: Body, user: User, start: date, end: date | None):
    for other in session.exec(
        select(Membership).where(Membership.body_id == body.id, Membership.user_id == user.id)
    ):
        other_end = other.term_end or date.max
        if other.term_start <= (end or date.max) and start <= other_end:
            raise ValidationError(
                {
                    "term_start": _l(
                        "%(name)s already holds a term on this body from %(start)s to %(end)s; terms of one person cannot overlap.",
                        name=user.display_name,
                        start=other.term_start.isoformat(),
                        end=other.term_end.isoformat() if other.term_end else "…",
                    )
                }
            )


def end_term(session: Session, body: Body, membership_id: str, term_end: str) -> Membership:
    """End a membership on a date; its seat then counts as vacant after that day."""
    number = as_id(membership_id)
    membership = session.get(Membership, number) if number else None
    if membership is None or membership.body_id != body.id:
        raise NotFound(_l("This body has no such membership."))
    end = parse_date(term_end, f"term_end-{membership.id}")
    if end < membership.term_start:
        raise ValidationError(
            {f"term_end-{membership.id}": _l("The term must end after it starts.")}
        )
    membership.term_end = end
    session.add(membership)
    session.flush()
    return membership


def standing(session: Session, user: User | None, body: Body, on: date | None = None) -> Standing:
    if user is None:
        return Standing()
    day = on or today()
    mine = [
        m
        for m in session.exec(
            select(Membership).where(Membership.body_id == body.id, Membership.user_id == user.id)
        )
        if m.current_on(day)
    ]
    return Standing(
        member=bool(mine),
        chair=any(m.role in CHAIR_ROLES for m in mine),
        secretariat=user.is_secretariat,
    )


# --- balance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatBalance:
    category: SeatCategory
    filled: int

    @property
    def vacancies(self) -> int:
        return max(self.category.seats - self.filled, 0)

    @property
    def over(self) -> int:
        return max(self.filled - self.category.seats, 0)


@dataclass(frozen=True)
class Balance:
    seats: list[SeatBalance]

    @property
    def total_seats(self) -> int:
        return sum(s.category.seats for s in self.seats)

    @property
    def total_filled(self) -> int:
        return sum(min(s.filled, s.category.seats) for s in self.seats)

    @property
    def vacancies(self) -> int:
        return sum(s.vacancies for s in self.seats)

    @property
    def imbalanced(self) -> list[SeatBalance]:
        """Categories holding more seats than the rule gives them."""
        return [s for s in self.seats if s.over]

    @property
    def balanced(self) -> bool:
        return not self.vacancies and not self.imbalanced


def balance(session: Session, body: Body, on: date | None = None) -> Balance:
    current = memberships(session, body, on or today())
    filled: dict[int, int] = {}
    for row in current:
        if row.membership.votes and row.seat is not None:
            filled[row.seat.id] = filled.get(row.seat.id, 0) + 1
    return Balance([SeatBalance(c, filled.get(c.id, 0)) for c in seat_categories(session, body)])
