"""Comments received offline in the ISO commenting template (CSV or XLSX): commenter or
organisation, line number, clause, paragraph/figure/table, type (ge/te/ed), comment, proposed
change, observations of the secretariat. Every row is checked before anything is written; one
bad row refuses the whole file with a report naming each bad row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from consult.accounts.models import STAKEHOLDER_CATEGORIES, User
from consult.consultations.models import COMMENT_SOURCES, PUBLICATION_CHOICES, Comment, Consultation
from consult.consultations.services import MAX_COMMENT
from consult.drafts.models import Clause
from consult.errors import ValidationError
from consult.i18n import lazy_gettext as _l
from consult.responses.spreadsheets import BadFile, InvalidRows, RowError, unprotect
from consult.sqltypes import utcnow

KINDS = {
    "ge": "general",
    "te": "technical",
    "ed": "editorial",
    "general": "general",
    "technical": "technical",
    "editorial": "editorial",
}
# Words that identify each column in the header row, checked in this order.
HEADER_WORDS = (
    ("proposed_change", ("proposed",)),
    ("observations", ("observation", "secretariat")),
    ("commenter", ("commenter", "organisation", "organization", "mb/nc", "name")),
    ("line", ("line",)),
    ("clause", ("clause",)),
    ("paragraph", ("paragraph", "figure", "table")),
    ("kind", ("type",)),
    ("body", ("comment",)),
    ("category", ("category",)),
    ("country", ("country",)),
    ("email", ("email", "e-mail")),
)
POSITIONAL = (
    "commenter",
    "line",
    "clause",
    "paragraph",
    "kind",
    "body",
    "proposed_change",
    "observations",
)


@dataclass
class ImportOptions:
    source: str
    publication: str
    note: str = ""


def check_options(values: dict[str, str]) -> ImportOptions:
    errors: dict = {}
    if values.get("source") not in COMMENT_SOURCES or values.get("source") == "online":
        errors["source"] = _l("Say how the comments reached the secretariat.")
    if values.get("publication") not in PUBLICATION_CHOICES:
        errors["publication"] = _l("Choose how these comments may be published.")
    if errors:
        raise ValidationError(errors)
    return ImportOptions(values["source"], values["publication"], values.get("note", "").strip())


def _columns(header: list[str]) -> tuple[dict[str, int], bool]:
    """Map column names to positions from the header; (positional map, False) without one."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = cell.strip().lower()
        for name, words in HEADER_WORDS:
            if name not in found and any(word in text for word in words):
                found[name] = index
                break
    if "body" in found and "clause" in found:
        return found, True
    return {name: index for index, name in enumerate(POSITIONAL)}, False


def _clauses(session: Session, consultation: Consultation) -> dict[str, Clause]:
    found = {}
    for clause in session.exec(select(Clause).where(Clause.draft_id == consultation.draft_id)):
        found[clause.key.lower()] = clause
        if clause.number:
            found[clause.number.lower()] = clause
        found.setdefault(clause.title.strip().lower(), clause)
    return found


def _clause_key(text: str) -> str:
    key = text.strip().lower().removeprefix("clause ").strip()
    if key.endswith(".0") and key[:-2].isdigit():
        key = key[:-2]  # a spreadsheet turned "9" into 9.0
    return key


def _check(cells: dict[str, str], clauses: dict[str, Clause]) -> list[str]:
    problems = []
    if _clause_key(cells.get("clause", "")) not in clauses:
        problems.append(str(_l("unknown clause “%(value)s”", value=cells.get("clause", "")[:40])))
    if not cells.get("body", "").strip():
        problems.append(str(_l("the comment is missing")))
    elif len(cells["body"]) > MAX_COMMENT:
        problems.append(str(_l("the comment is longer than %(n)s characters", n=MAX_COMMENT)))
    if cells.get("kind", "").strip().lower() not in KINDS:
        problems.append(
            str(_l("unknown type “%(value)s”: use ge, te or ed", value=cells.get("kind", "")[:20]))
        )
    if not cells.get("commenter", "").strip():
        problems.append(str(_l("the commenter or organisation is missing")))
    category = cells.get("category", "").strip()
    if category and _category(category) is None:
        problems.append(str(_l("unknown stakeholder category “%(value)s”", value=category[:40])))
    return problems


def _category(text: str) -> str | None:
    if not text:
        return None
    lowered = text.strip().lower()
    for key, label in STAKEHOLDER_CATEGORIES.items():
        if lowered in (key, str(label).lower()):
            return key
    return None


def import_comments(
    session: Session,
    consultation: Consultation,
    rows: list[list[str]],
    options: ImportOptions,
    staff: User,
) -> list[Comment]:
    """Check every row, then record them all. Raises InvalidRows (nothing written)."""
    columns, has_header = _columns(rows[0])
    data_rows = rows[1:] if has_header else rows
    first_number = 2 if has_header else 1
    if not data_rows:
        raise BadFile(_l("The file has no comment rows."))
    clauses = _clauses(session, consultation)
    parsed, errors = [], []
    for number, row in enumerate(data_rows, start=first_number):
        cells = {
            name: unprotect(row[index].strip()) if index < len(row) else ""
            for name, index in columns.items()
        }
        problems = _check(cells, clauses)
        if problems:
            errors.append(RowError(number, cells.get("commenter", "")[:80], "; ".join(problems)))
        else:
            parsed.append(cells)
    if errors:
        raise InvalidRows(errors)
    references = _allocate(session, consultation, len(parsed))
    now = utcnow()
    comments = []
    for reference, cells in zip(references, parsed, strict=True):
        clause = clauses[_clause_key(cells["clause"])]
        notes = [options.note] if options.note else []
        for name, label in (
            ("line", _l("Line")),
            ("paragraph", _l("Paragraph/figure/table")),
            ("observations", _l("Observations of the secretariat")),
        ):
            if cells.get(name, "").strip():
                notes.append(f"{label}: {cells[name].strip()}")
        comment = Comment(
            reference=reference,
            consultation_id=consultation.id,
            clause_id=clause.id,
            kind=KINDS[cells["kind"].strip().lower()],
            body=cells["body"].strip(),
            proposed_change=cells.get("proposed_change", "").strip()[:MAX_COMMENT],
            publication=options.publication,
            author_name=cells["commenter"].strip()[:200],
            author_email=cells.get("email", "").strip().lower()[:320],
            stakeholder_category=_category(cells.get("category", "")),
            country=(cells.get("country", "").strip().upper()[:2] or None),
            source=options.source,
            source_note="\n".join(notes)[:2000],
            recorded_by_id=staff.id,
            is_late=now >= consultation.closes_at,
            received_at=now,
        )
        session.add(comment)
        comments.append(comment)
    session.flush()
    return comments


def _allocate(session: Session, consultation: Consultation, count: int) -> list[str]:
    """`count` receipt references from the consultation's counter in one atomic step."""
    last = session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id)
        .values(next_receipt=Consultation.next_receipt + count)
        .returning(Consultation.next_receipt)
    ).scalar_one()
    return [f"{consultation.reference_prefix}-{n:06d}" for n in range(last - count, last)]
