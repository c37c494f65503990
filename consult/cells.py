"""Spreadsheet cells that are safe to open: formula injection neutralised (OWASP's advice)."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text, with a leading apostrophe when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def workbook_cell(value: object) -> str:
    """A cell for an XLSX workbook: the control characters a workbook cannot hold (openpyxl
    refuses them, which would fail the whole download) dropped first, then made safe, so that
    a control character before "=1+1" cannot leave a formula behind once it is dropped."""
    text = "" if value is None else str(value)
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", text))
