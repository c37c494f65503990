"""Working offline: the response log as CSV or XLSX, filled in with colleagues and uploaded
again. Each row carries its response's version; a row changed online since the download is a
conflict and is not applied. The whole file is checked first: one bad row refuses it all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from openpyxl import load_workbook
from sqlmodel import Session, select

from consult.accounts.models import User
from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause
from consult.errors import DomainError
from consult.i18n import lazy_gettext as _l
from consult.responses.downloads import FORMULA_STARTS, safe_cell, workbook_bytes
from consult.responses.models import DISPOSITIONS, Response
from consult.responses.services import apply_changes, themes_of
from consult.responses.themes import parse_themes

COLUMNS = (
    "reference",
    "clause",
    "type",
    "commenter",
    "stakeholder_category",
    "country",
    "publication",
    "comment",
    "proposed_change",
    "disposition",
    "response",
    "referred_to",
    "themes",
    "confidential_summary",
    "version",
)
EDITABLE = ("disposition", "response", "referred_to", "themes", "confidential_summary")
MAX_ROWS = 50_000


class BadFile(DomainError):
    """The file cannot be read as a spreadsheet at all."""

    status_code = 400


@dataclass
class RowError:
    row: int
    reference: str
    message: str


class InvalidRows(DomainError):
    """At least one row is wrong; nothing was applied."""

    status_code = 422

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(_l("%(n)s rows have errors; nothing was changed.", n=len(errors)))


@dataclass
class ImportReport:
    applied: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)


# --- export -----------------------------------------------------------------------------------


def export_rows(session: Session, consultation: Consultation):
    rows = session.exec(
        select(Comment, Clause, Response)
        .join(Clause, Clause.id == Comment.clause_id)
        .outerjoin(Response, Response.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id)
        .order_by(Clause.position, Comment.id)
    ).all()
    themes = themes_of(session, [row[0].id for row in rows])
    for comment, clause, response in rows:
        commenter = ", ".join(p for p in (comment.author_name, comment.author_organisation) if p)
        yield [
            comment.reference,
            clause.number or clause.key,
            comment.kind,
            commenter,
            comment.stakeholder_category or "",
            comment.country or "",
            comment.publication,
            comment.body,
            comment.proposed_change,
            response.disposition if response else "pending",
            response.response_markdown if response else "",
            response.referred_to if response else "",
            "; ".join(themes.get(comment.id, [])),
            response.confidential_summary if response else "",
            str(response.version if response else 0),
        ]


def export_csv(session: Session, consultation: Consultation) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in export_rows(session, consultation):
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(session: Session, consultation: Consultation) -> bytes:
    return workbook_bytes("Responses", list(COLUMNS), list(export_rows(session, consultation)))


# --- reading a file ---------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The rows of a CSV or XLSX file as text. Raises BadFile."""
    if filename.lower().endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = [
                ["" if value is None else str(value) for value in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            workbook.close()
        except Exception:  # openpyxl raises many kinds for a broken file
            raise BadFile(_l("This file cannot be read as an XLSX workbook.")) from None
    elif filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadFile(_l("A CSV file must be encoded in UTF-8.")) from None
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            raise BadFile(_l("This file cannot be read as CSV.")) from None
    else:
        raise BadFile(_l("Upload a .csv or .xlsx file."))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise BadFile(_l("The file is empty."))
    if len(rows) > MAX_ROWS:
        raise BadFile(_l("A file can have at most %(n)s rows.", n=MAX_ROWS))
    return rows


def unprotect(text: str) -> str:
    """Undo the apostrophe that export put before a formula-like cell."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


# --- import -----------------------------------------------------------------------------------


def _header_map(header: list[str]) -> dict[str, int]:
    names = [cell.strip().lower() for cell in header]
    missing = [name for name in ("reference", "version", *EDITABLE) if name not in names]
    if missing:
        raise BadFile(
            _l(
                "The first row must name the columns of the downloaded log; missing: %(names)s.",
                names=", ".join(missing),
            )
        )
    return {name: names.index(name) for name in COLUMNS if name in names}


def import_log(
    session: Session, consultation: Consultation, rows: list[list[str]], user: User
) -> ImportReport:
    """Apply a filled-in log. Raises BadFile or InvalidRows (nothing applied)."""
    columns = _header_map(rows[0])
    comments = {
        c.reference: c
        for c in session.exec(select(Comment).where(Comment.consultation_id == consultation.id))
    }
    responses = {
        r.comment_id: r
        for r in session.exec(select(Response).where(Response.consultation_id == consultation.id))
    }
    parsed, errors = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = {
            name: unprotect(row[index].strip()) if index < len(row) else ""
            for name, index in columns.items()
        }
        try:
            parsed.append(_check_row(cells, comments))
        except ValueError as error:
            errors.append(RowError(number, cells["reference"][:80], str(error)))
    if errors:
        raise InvalidRows(errors)
    themes = themes_of(session, [comment.id for comment, _v, _c in parsed])
    report = ImportReport()
    for comment, version, changes in parsed:
        response = responses.get(comment.id)
        current = _current(response, themes.get(comment.id, []))
        changed = {k: v for k, v in changes.items() if not _same(k, current[k], v)}
        if not changed:
            report.unchanged += 1
        elif version != (response.version if response else 0):
            report.conflicts.append(comment.reference)
        else:
            apply_changes(
                session, comment, changed, user, "spreadsheet", response, lookup=False, flush=False
            )
            report.applied.append(comment.reference)
    session.flush()
    return report


def _current(response: Response | None, themes: list[str]) -> dict:
    return {
        "disposition": response.disposition if response else "pending",
        "response_markdown": response.response_markdown if response else "",
        "referred_to": response.referred_to if response else "",
        "confidential_summary": response.confidential_summary if response else "",
        "themes": themes,
    }


def _same(name: str, current, value) -> bool:
    if name == "themes":
        return sorted(t.lower() for t in current) == sorted(t.lower() for t in value)
    return current == value


def _check_row(cells: dict[str, str], comments: dict[str, Comment]):
    comment = comments.get(cells["reference"])
    if comment is None:
        raise ValueError(str(_l("No comment of this consultation has this reference.")))
    disposition = cells["disposition"].lower().replace(" ", "_")
    if disposition not in DISPOSITIONS:
        raise ValueError(
            str(
                _l(
                    "Unknown disposition “%(value)s”; use one of %(codes)s.",
                    value=cells["disposition"][:40],
                    codes=", ".join(DISPOSITIONS),
                )
            )
        )
    if disposition not in ("accepted", "pending") and not cells["response"]:
        raise ValueError(str(_l("Every disposition other than accepted needs a response.")))
    try:
        version = int(float(cells["version"] or "0"))
    except ValueError:
        raise ValueError(str(_l("The version column must be the number downloaded."))) from None
    changes = {
        "disposition": disposition,
        "response_markdown": cells["response"],
        "referred_to": cells["referred_to"][:200],
        "themes": parse_themes(cells["themes"]),
    }
    if comment.publication == "confidential":
        changes["confidential_summary"] = cells["confidential_summary"]
    return comment, version, changes
