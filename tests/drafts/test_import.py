import pytest
from sqlmodel import select

from consult.drafts.models import Clause, Draft, Standard
from consult.drafts.parser import DraftParseError
from consult.drafts.services import (
    clauses_of,
    decode_draft,
    import_draft,
    standard_code,
    version_code,
)
from consult.errors import ValidationError
from tests.conftest import SAMPLE_DRAFT, make_draft

V2 = """# Introduction

Why this standard exists.

# Principle 9: Human Rights

Respect human rights.

## 9.1 Due diligence

Carry out human rights due diligence.

## 9.2 Indigenous Peoples

A brand new criterion on the rights of Indigenous Peoples under UNDRIP.

## 9.5 Free, prior and informed consent

Obtain the free, prior and informed consent of affected Indigenous Peoples.

# Glossary

**FPIC**: free, prior and informed consent.
"""


def test_codes_for_references():
    assert standard_code("Performance Standard") == "PS"
    assert standard_code("Chain of Custody Standard") == "COCS"
    assert version_code("V4 draft 1") == "V4D1"
    assert version_code("v3") == "V3"


def test_import_stores_the_clause_tree_in_order(db):
    draft = make_draft(db)
    with db.session() as session:
        clauses = clauses_of(session, draft.id)
        assert [c.key for c in clauses] == ["introduction", "9", "9.1", "9.4", "glossary"]
        assert [c.position for c in clauses] == [0, 1, 2, 3, 4]
        standard = session.get(Standard, draft.standard_id)
    assert (standard.code, draft.version_code) == ("PS", "V4D1")


def test_second_version_links_clauses_by_key_and_by_similarity(db):
    first = make_draft(db, version="V1")
    second = make_draft(db, V2, version="V2")
    assert second.previous_draft_id == first.id
    with db.session() as session:
        old = {c.id: c.key for c in clauses_of(session, first.id)}
        links = {
            c.key: (old.get(c.predecessor_id), c.link_method)
            for c in clauses_of(session, second.id)
        }
    assert links["9.1"] == ("9.1", "key")
    assert links["introduction"] == ("introduction", "key")
    # 9.4 was renumbered 9.5 with the same text: found by similarity.
    assert links["9.5"] == ("9.4", "similarity")
    # 9.2 is new.
    assert links["9.2"] == (None, None)


def test_duplicate_key_imports_nothing(db):
    bad = SAMPLE_DRAFT + "\n## 9.1 Again\n\nDuplicate.\n"
    with pytest.raises(DraftParseError) as caught, db.session(write=True) as session:
        import_draft(session, bad, "Performance Standard", "V9")
    assert caught.value.line is not None
    with db.session() as session:
        assert session.exec(select(Standard)).all() == []
        assert session.exec(select(Draft)).all() == []
        assert session.exec(select(Clause)).all() == []


def test_the_same_version_twice_is_refused(db):
    make_draft(db)
    with pytest.raises(ValidationError) as caught, db.session(write=True) as session:
        import_draft(session, SAMPLE_DRAFT, "Performance Standard", "V4 draft 1")
    assert "version" in caught.value.errors


def test_missing_names_are_refused(db):
    with pytest.raises(ValidationError) as caught, db.session(write=True) as session:
        import_draft(session, SAMPLE_DRAFT, " ", "")
    assert set(caught.value.errors) == {"standard", "version"}


def test_decoding_refuses_non_utf8_and_strips_bom():
    assert decode_draft("\ufeff# 1 A".encode()) == "# 1 A"
    with pytest.raises(DraftParseError, match="UTF-8"):
        decode_draft("# 1 Été".encode("latin-1"))
