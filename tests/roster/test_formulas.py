"""Spreadsheet formula injection (OWASP): CSV fields and XLSX cells from people are text,
never formulas, in every export; changes.csv reads its own quoting back."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from roster.formats.changes import CHANGES_HEADER, changes_csv_text, parse_changes_text
from roster.formats.formulas import csv_field, csv_unfield, neutralise_workbook

AT = "2027-01-04T10:00:00+01:00"


@pytest.mark.parametrize("text", ["=1+1", "+47 900", "-2+3", "@SUM(A1)", "\tx", "\rx", "＝1"])
def test_formula_starts_get_a_quote_and_come_back(text: str) -> None:
    assert csv_field(text) == "'" + text
    assert csv_unfield(csv_field(text)) == text


@pytest.mark.parametrize("value", ["Kari", "2027-01-04", "fv-01", "'sitat", "", 3, -1.5, None])
def test_other_values_are_left_alone(value: object) -> None:
    assert csv_field(value) == value


def test_workbook_formulas_become_quoted_text() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(['=HYPERLINK("http://example.invalid","Klikk")', "Kari", -3, "=1+1"])
    assert ws["A1"].data_type == "f"
    assert neutralise_workbook(wb) == 2
    for cell in (ws["A1"], ws["D1"]):
        assert cell.data_type == "s" and cell.quotePrefix
    assert ws["C1"].value == -3 and ws["C1"].data_type == "n"


def test_changes_csv_quotes_a_formula_note_and_reads_it_back() -> None:
    text = (
        ",".join(CHANGES_HEADER) + f"\n{AT},2027-01-04,kveld,primary,d1,d2,giveaway,leder,'=1+1\n"
    )
    changes = parse_changes_text(text)
    assert changes[0].note == "=1+1"
    assert changes_csv_text(changes) == text


def test_ledger_csv_and_workbook_write_a_formula_name_as_text() -> None:
    """The ledger goes to payroll and the municipalities' settlement in a spreadsheet: a name
    from the staff list that starts like a formula stays text, in CSV and in XLSX."""
    import csv
    import io

    from openpyxl import load_workbook

    from roster.formats.ledger import ledger_csv_text, ledger_xlsx_bytes
    from roster.ledger import ledger
    from tests.factories import make_doctor, make_instance, roster_of

    evil = '=HYPERLINK("http://example.invalid","Klikk")'
    inst = make_instance(doctors=(make_doctor("d1", name=evil), make_doctor("d2", name="@SUM(A1)")))
    led = ledger(inst, roster_of(("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d2")))
    rows = list(csv.DictReader(io.StringIO(ledger_csv_text(led))))
    names = {r["id"]: r["name"] for r in rows if r["level"] == "doctor"}
    assert names == {"d1": "'" + evil, "d2": "'@SUM(A1)"}
    wb = load_workbook(io.BytesIO(ledger_xlsx_bytes(led, "=1+1")))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert evil in texts and "=1+1" in texts  # kept as text, not run
    assert all(c.quotePrefix for c in cells if c.value in (evil, "@SUM(A1)", "=1+1"))
