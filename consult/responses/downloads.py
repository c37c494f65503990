"""The synopsis as CSV, XLSX (the ISO commenting template plus disposition and stakeholder
category) and Markdown. Built from `PublicEntry` only, so publication choices hold here too.
Every cell is protected against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from consult.cells import FORMULA_STARTS, safe_cell, workbook_cell  # noqa: F401 - re-exported
from consult.i18n import lazy_gettext as _l
from consult.responses.models import DISPOSITIONS
from consult.responses.synopsis import PublicEntry, sections


# OWASP: a cell starting with one of these is read as a formula by spreadsheet programs.
def iso_header() -> list[str]:
    return [
        str(label)
        for label in (
            _l("ID"),
            _l("Commenter or organisation"),
            _l("Line number"),
            _l("Clause/subclause"),
            _l("Paragraph/figure/table"),
            _l("Type of comment"),
            _l("Comments"),
            _l("Proposed change"),
            _l("Observations of the secretariat"),
            _l("Disposition"),
            _l("Referred to"),
            _l("Stakeholder category"),
            _l("Country"),
        )
    ]


def iso_row(entry: PublicEntry) -> list[str]:
    text = entry.text
    if entry.is_summary:
        text = f"{_l('Confidential comment; summary by the secretariat:')} {text}".strip()
    return [
        safe_cell(value)
        for value in (
            entry.reference,
            entry.attribution,
            entry.source_line,
            entry.clause_number,
            "",
            entry.iso_kind,
            text,
            entry.proposed_change,
            entry.response_markdown,
            DISPOSITIONS.get(entry.disposition, entry.disposition),
            entry.referred_to,
            entry.category_label,
            entry.country_label,
        )
    ]


def to_csv(entries: list[PublicEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(iso_header())
    for entry in entries:
        writer.writerow(iso_row(entry))
    return buffer.getvalue()


def to_xlsx(entries: list[PublicEntry], title: str) -> bytes:
    return workbook_bytes(title, iso_header(), [iso_row(entry) for entry in entries])


def workbook_bytes(title: str, header: list[str], rows: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(safe_sheet_title(title))
    sheet.append(header)
    for row in rows:
        sheet.append([workbook_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def safe_sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31].strip()
    return cleaned or "Sheet"


def to_markdown(entries: list[PublicEntry], title: str, published: str) -> str:
    lines = [f"# {title}", "", published, ""]
    for section in sections(entries):
        lines += [f"## {section.heading}", ""]
        for group_title, members in section.groups:
            if group_title:
                lines += [f"### {group_title}", ""]
            for entry in members:
                lines += _markdown_entry(entry)
    return "\n".join(lines).rstrip() + "\n"


def _markdown_entry(entry: PublicEntry) -> list[str]:
    who = entry.attribution or ", ".join(
        part for part in (entry.category_label, entry.country_label) if part
    )
    head = f"**{entry.reference}** ({entry.iso_kind})"
    if who:
        head += f" · {who}"
    lines = [head, ""]
    if entry.is_summary:
        lines += [f"_{_l('Confidential comment; summary by the secretariat:')}_ {entry.text}", ""]
    else:
        lines += [_quote(entry.text), ""]
        if entry.proposed_change:
            lines += [f"_{_l('Proposed change:')}_", "", _quote(entry.proposed_change), ""]
    lines += [f"**{_l('Disposition:')}** {DISPOSITIONS.get(entry.disposition, '')}", ""]
    if entry.response_markdown:
        lines += [entry.response_markdown, ""]
    if entry.referred_to:
        lines += [f"_{_l('Referred to %(body)s', body=entry.referred_to)}_", ""]
    return lines


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
