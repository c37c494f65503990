"""Factories for the response log and synopsis tests."""

from __future__ import annotations

import itertools

from bs4 import BeautifulSoup
from sqlmodel import select

from consult.consultations.models import Comment
from consult.drafts.models import Clause
from consult.responses.models import Response

_numbers = itertools.count(1)


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def make_comment(
    db,
    consultation,
    key="9.4",
    *,
    body="Consent must be sought through the community's own institutions.",
    publication="named",
    name="Ana Silva",
    organisation="Rede Terra",
    email="ana@example.org",
    category="civil_society",
    country="BR",
    kind="technical",
    **fields,
) -> Comment:
    with db.session(write=True) as session:
        clause = session.exec(
            select(Clause).where(Clause.draft_id == consultation.draft_id, Clause.key == key)
        ).one()
        comment = Comment(
            reference=f"{consultation.reference_prefix}-{next(_numbers):06d}",
            consultation_id=consultation.id,
            clause_id=clause.id,
            kind=kind,
            body=body,
            publication=publication,
            author_name=name,
            author_organisation=organisation,
            author_email=email,
            stakeholder_category=category,
            country=country,
            **fields,
        )
        session.add(comment)
    return comment


def response_of(db, comment) -> Response | None:
    with db.session() as session:
        return session.exec(select(Response).where(Response.comment_id == comment.id)).first()


# The columns of the ISO commenting template, as stakeholders send it.
ISO_HEADER = [
    "MB/NC (commenter or organisation)",
    "Line number",
    "Clause/subclause",
    "Paragraph/figure/table",
    "Type of comment",
    "Comments",
    "Proposed change",
    "Observations of the secretariat",
]
