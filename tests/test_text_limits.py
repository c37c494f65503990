"""Text longer than its column: refused with a 422 that keeps the text, on SQLite (which would
store it) exactly as on PostgreSQL (which would fail the request)."""

import pytest
from sqlmodel import func, select

from consult.drafts.models import Standard
from consult.drafts.parser import DraftParseError
from consult.errors import ValidationError
from tests.conftest import SAMPLE_DRAFT, make_draft


def test_every_column_refuses_text_longer_than_it_holds(db):
    with pytest.raises(ValidationError) as refused, db.session(write=True) as session:
        session.add(Standard(name="N" * 201, slug="n", code="N"))
    assert "at most 200 characters" in str(refused.value.errors["name"])
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(Standard)).one() == 0


def test_an_over_long_heading_or_version_is_refused_by_name(db):
    with pytest.raises(DraftParseError) as refused:
        make_draft(db, source=SAMPLE_DRAFT.replace("Due diligence", "D" * 501))
    assert refused.value.line == SAMPLE_DRAFT.splitlines().index("## 9.1 Due diligence") + 1
    with pytest.raises(ValidationError) as refused:
        make_draft(db, version="V" * 101)
    assert "version" in refused.value.errors


def test_standards_whose_names_share_an_address_stay_apart(db):
    make_draft(db, standard="Performance Standard")
    make_draft(db, standard="Performance standard!")
    make_draft(db, standard="铝标准")
    make_draft(db, standard="铝规范")
    with db.session() as session:
        slugs = sorted(session.exec(select(Standard.slug)))
    assert slugs == ["performance-standard", "performance-standard-2", "section", "section-2"]
