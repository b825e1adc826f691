"""Spreadsheet formula injection ("CSV injection", OWASP): text that came from people (a
doctor's name, a municipality, a shift type's label) must never run as a formula when an
export is opened in Excel, LibreOffice or Google Sheets.

OWASP's guidance, applied in one place per format:
- CSV: a field that begins with =, +, -, @, a tab or a carriage return gets a leading single
  quote, so the spreadsheet shows it as text (the csv module quotes the field when needed).
- XLSX: such a cell is written as text, never as a formula, and marked "quote prefix" (the
  apostrophe Excel itself uses), so it stays text when someone edits it.
Readers of roster.csv ignore the name columns (doctor_id is the key); changes.csv reads its
free-text fields back through `csv_unfield`. Ids, dates and times never begin with these
characters.
"""

from __future__ import annotations

from typing import Any

#: What makes a spreadsheet read a cell as a formula (also the full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def csv_field(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_unfield(value: str) -> str:
    """A field as written before `csv_field` (for the files Vaktplan reads back)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def neutralise_workbook(workbook: Any) -> int:
    """Make every formula-like text cell of an openpyxl workbook plain text. Returns how many
    cells it changed."""
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (
                    cell.data_type == "f" or cell.value.startswith(FORMULA_START)
                ):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed
