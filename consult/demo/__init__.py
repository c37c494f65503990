"""Demonstration data: a standard in two versions, consultations in every state, comments."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from consult.accounts.models import User
from consult.consultations.models import Comment
from consult.consultations.services import ConsultationInput, create_consultation, get_clause
from consult.drafts.models import Standard
from consult.drafts.services import import_draft
from consult.sqltypes import utcnow

HERE = Path(__file__).parent
STAFF_EMAIL = "secretariat@example.org"

PEOPLE = [
    (
        "amara@example.org",
        "Amara Lopes",
        "Conselho Indígena de Roraima",
        "indigenous_peoples",
        "BR",
        "en",
    ),
    ("claire@example.org", "Claire Dubois", "Forêts et Droits", "civil_society", "FR", "fr"),
    ("jun@example.org", "Li Jun", "Yunnan Smelting Co.", "production_transformation", "CN", "en"),
    ("sam@example.org", "Sam Carter", "", "individual", "AU", "en"),
]

COMMENTS = [
    # (person, clause, kind, publication, body, proposed change)
    (
        0,
        "9.4",
        "technical",
        "named",
        "Consent must be sought through the community's own institutions, not through a committee the company sets up.",
        "Add: “The entity shall not create or fund the bodies through which consent is given.”",
    ),
    (
        1,
        "9.4",
        "technical",
        "unattributed",
        "Le texte devrait préciser que le consentement peut être refusé, et ce qui se passe alors.",
        "",
    ),
    (
        2,
        "5.1",
        "technical",
        "named",
        "Material Scope 3 needs a definition: smelters cannot measure downstream use.",
        "Define “material” as over 10% of total emissions.",
    ),
    (
        3,
        "glossary",
        "editorial",
        "unattributed",
        "“Affected community” should also mention downstream water users.",
        "",
    ),
    (
        0,
        "9.2",
        "general",
        "confidential",
        "We can share evidence of a case on our territory with the secretariat only.",
        "",
    ),
]


def _comment(
    session, consultation, number, author, key, kind, publication, body, received, change=""
):
    """A demo comment with its receipt number, as if the author had sent it then."""
    session.add(
        Comment(
            reference=f"{consultation.reference_prefix}-{number:06d}",
            consultation_id=consultation.id,
            clause_id=get_clause(session, consultation, key).id,
            author_id=author.id,
            kind=kind,
            body=body,
            proposed_change=change,
            publication=publication,
            author_name=author.name,
            author_organisation=author.organisation,
            author_email=author.email,
            stakeholder_category=author.stakeholder_category,
            country=author.country,
            received_at=received,
        )
    )


def load_demo(session: Session) -> str:
    """Load the demo once; a second call changes nothing."""
    if session.exec(select(Standard).where(Standard.name == "Performance Standard")).first():
        return "the demo data is already loaded"
    now = utcnow()
    staff = User(
        email=STAFF_EMAIL,
        name="ASI Secretariat",
        organisation="Secretariat",
        is_secretariat=True,
        profile_completed_at=now,
        stakeholder_category="other",
        country="AU",
    )
    session.add(staff)
    people = []
    for email, name, organisation, category, country, language in PEOPLE:
        person = User(
            email=email,
            name=name,
            organisation=organisation,
            stakeholder_category=category,
            country=country,
            language=language,
            profile_completed_at=now,
        )
        session.add(person)
        people.append(person)
    session.flush()

    v3 = import_draft(
        session, (HERE / "ps-v3.md").read_text(), "Performance Standard", "V3", "ps-v3.md"
    )
    v4 = import_draft(
        session,
        (HERE / "ps-v4-draft1.md").read_text(),
        "Performance Standard",
        "V4 draft 1",
        "ps-v4-draft1.md",
    )
    closed = create_consultation(
        session,
        ConsultationInput(
            draft_id=v3.id,
            title="Performance Standard V3: second round",
            opens_at=now - timedelta(days=400),
            closes_at=now - timedelta(days=370),
            round_number=2,
            summary="The second round on V3 closed; its comments are published.",
        ),
    )
    current = create_consultation(
        session,
        ConsultationInput(
            draft_id=v4.id,
            title="Performance Standard V4: first public consultation",
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=50),
            round_number=1,
            summary=(
                "The first 60-day round on the revised Performance Standard.\n\n"
                "- Comment online on any clause, or send comments by email or letter to the secretariat.\n"
                "- Webinars in English, French and Portuguese; IPAF community consultations run alongside."
            ),
        ),
    )
    create_consultation(
        session,
        ConsultationInput(
            draft_id=v4.id,
            title="Performance Standard V4: second round",
            opens_at=now + timedelta(days=90),
            closes_at=now + timedelta(days=111),
            round_number=2,
            justification="No substantive issue is unresolved after round 1 and the Standards Committee "
            "decided a 21-day round is enough to confirm the editorial changes.",
        ),
    )
    for index, (person, key, kind, publication, body, change) in enumerate(COMMENTS, start=1):
        received = now - timedelta(days=9 - index)
        _comment(
            session, current, index, people[person], key, kind, publication, body, received, change
        )
    current.next_receipt = len(COMMENTS) + 1
    session.add(current)
    body = "Le consentement libre, préalable et éclairé doit s'appliquer à tous les projets."
    _comment(
        session, closed, 1, people[1], "9.3", "general", "named", body, now - timedelta(days=380)
    )
    closed.next_receipt = 2
    session.add(closed)
    _load_responses(session, staff, people, current, closed)
    from governance.demo import load_governance_demo

    load_governance_demo(session, staff)
    return (
        f"demo loaded: sign in as {STAFF_EMAIL} (secretariat) or {PEOPLE[0][0]} (commenter); "
        "with no SMTP server configured, the sign-in link is printed in this terminal"
    )


def _load_responses(session: Session, staff: User, people: list[User], current, closed) -> None:
    """A few answered comments on the open round, and a published synopsis on the closed one."""
    from consult.responses.models import Synopsis
    from consult.responses.services import apply_changes

    session.flush()
    extra = [
        (2, "5.1", "technical", "unattributed", "Reporting should follow the GHG Protocol."),
        (0, "9.4", "general", "confidential", "A security contractor intimidated our leaders."),
    ]
    for number, (person, key, kind, publication, body) in enumerate(extra, start=2):
        received = utcnow() - timedelta(days=375)
        _comment(session, closed, number, people[person], key, kind, publication, body, received)
    closed.next_receipt = 2 + len(extra)
    session.add(closed)
    session.flush()
    answers = {
        f"{closed.reference_prefix}-000001": {
            "disposition": "partially_accepted",
            "response_markdown": "Version 4 extends FPIC to every new project and major expansion.",
            "themes": ["Consent"],
        },
        f"{closed.reference_prefix}-000002": {
            "disposition": "accepted",
            "response_markdown": "Criterion 5.1 now refers to the GHG Protocol.",
        },
        f"{closed.reference_prefix}-000003": {
            "disposition": "noted",
            "response_markdown": "Referred to the complaints mechanism; guidance on security "
            "providers is strengthened.",
            "referred_to": "Human Rights Working Group",
            "confidential_summary": "Reports intimidation of community leaders by security "
            "contractors.",
        },
        f"{current.reference_prefix}-000001": {"disposition": "accepted", "assignee_id": staff.id},
        f"{current.reference_prefix}-000003": {
            "disposition": "not_accepted",
            "response_markdown": "A fixed 10% threshold would not fit small smelters.",
            "referred_to": "Climate Change Working Group",
            "themes": ["Scope 3"],
        },
    }
    for reference, changes in answers.items():
        comment = session.exec(select(Comment).where(Comment.reference == reference)).one()
        apply_changes(session, comment, changes, staff)
    session.add(
        Synopsis(
            consultation_id=closed.id,
            published_by_id=staff.id,
            published_at=closed.closes_at + timedelta(days=60),
        )
    )
