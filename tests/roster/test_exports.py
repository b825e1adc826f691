"""Exports for people: the XLSX workbook, the exchange CSV and the print HTML month view."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from legevakt.cli import app
from roster.fairness import evaluate
from roster.formats.exchange import CSV_HEADER, Roster, roster_csv_text
from roster.formats.exports import (
    MUNICIPALITY_HEADER,
    UNSTAFFED,
    doctor_header,
    month_html,
    write_csv,
    write_xlsx,
)
from roster.instance import Instance, load_instance
from roster.model import Municipality
from tests.factories import (
    D,
    make_doctor,
    make_instance,
    make_legevakt,
    make_shift_type,
    roster_of,
)

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "examples" / "small" / "instance.yaml"
NORWEGIAN = "Åse Bjørnstad Ødegård"


def norwegian_instance() -> Instance:
    legevakt = make_legevakt(
        municipalities=(Municipality(id="inderoy", name="Inderøy", population=6800),),
        name="Innherred legevakt",
    )
    doctors = (
        make_doctor("d1", name=NORWEGIAN, municipality="inderoy"),
        make_doctor("d2", name="Per <b>Fet</b> Hansen", municipality="inderoy"),
    )
    types = (
        make_shift_type("kveld"),
        make_shift_type(
            "bakvakt",
            label="Kompetansebakvakt",
            role="backup_competence",
            covers=("kveld",),
            mode="standby",
            response_minutes=30,
            points=1,
        ),
    )
    return make_instance(
        doctors=doctors,
        shift_types=types,
        legevakt=legevakt,
        start=D(2027, 1, 25),
        end=D(2027, 2, 3),
    )


def sample_roster() -> Roster:
    return roster_of(
        ("2027-01-25:kveld", "d1"),
        ("2027-01-26:kveld", "d2"),
        ("2027-01-27:kveld", "d1"),
        ("2027-01-27:bakvakt", "d2"),
    )


def test_xlsx_has_three_sheets_with_headers(tmp_path: Path) -> None:
    inst = norwegian_instance()
    path = tmp_path / "plan.xlsx"
    write_xlsx(inst, sample_roster(), path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Kalender", "Leger", "Kommuner"]
    cal = [c.value for c in wb["Kalender"][1]]
    assert cal == ["Dato", "Kveld", "Kompetansebakvakt"]
    assert tuple(c.value for c in wb["Leger"][1]) == doctor_header(inst)
    assert tuple(c.value for c in wb["Kommuner"][1]) == MUNICIPALITY_HEADER
    assert all(wb[name].freeze_panes == "B2" for name in wb.sheetnames)
    assert wb["Kalender"]["A2"].value == "25.01.2027 mandag"


def test_xlsx_hole_is_red_and_unstaffed_and_empty_backup_stays_empty(tmp_path: Path) -> None:
    inst = norwegian_instance()
    path = tmp_path / "plan.xlsx"
    write_xlsx(inst, sample_roster(), path)
    ws = load_workbook(path)["Kalender"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    hole = rows["28.01.2027 torsdag"][1]
    assert hole.value == UNSTAFFED
    assert hole.fill.fill_type == "solid"
    assert hole.fill.start_color.rgb == "FFFF9999"
    assert rows["28.01.2027 torsdag"][2].value is None  # back-up nobody needed
    assert rows["27.01.2027 onsdag"][2].value == "Per <b>Fet</b> Hansen"
    assert rows["25.01.2027 mandag"][1].value == NORWEGIAN
    assert rows["25.01.2027 mandag"][1].fill.fill_type is None


def test_xlsx_doctor_points_and_target_match_fairness(tmp_path: Path) -> None:
    inst = norwegian_instance()
    roster = sample_roster()
    path = tmp_path / "plan.xlsx"
    write_xlsx(inst, roster, path)
    ws = load_workbook(path)["Leger"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    for load in evaluate(inst, roster).doctors:
        row = rows[load.name]
        assert row[1] == "Inderøy"
        assert row[2] == load.shifts
        assert row[3] == load.points
        assert load.target is not None
        assert row[4] == pytest.approx(load.target, abs=0.05)
    muni = list(load_workbook(path)["Kommuner"].iter_rows(min_row=2, values_only=True))
    assert [m[0] for m in muni] == ["Inderøy"]
    assert muni[0][4] == evaluate(inst, roster).total_points


def test_xlsx_example_small(tmp_path: Path) -> None:
    inst = load_instance(SMALL)
    roster = roster_of(("2027-01-04:kveld", "fv-01"), ("2027-01-04:natt", "fv-01"))
    path = tmp_path / "small.xlsx"
    write_xlsx(inst, roster, path)
    ws = load_workbook(path)["Kalender"]
    assert ws.max_row == len(inst.period.dates()) + 1
    assert ws["B2"].value == "Svein Åsheim"
    assert ws["B3"].value == UNSTAFFED


def test_csv_is_exchange_format_with_norwegian_characters(tmp_path: Path) -> None:
    inst = norwegian_instance()
    path = tmp_path / "plan.csv"
    write_csv(inst, sample_roster(), path)
    text = path.read_text(encoding="utf-8")
    assert text == roster_csv_text(inst, sample_roster())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[0]["doctor_name"] == NORWEGIAN


def test_html_one_section_per_month_a4_landscape_and_escaped() -> None:
    inst = norwegian_instance()
    html = month_html(inst, sample_roster())
    assert html.count('<section class="month">') == 2  # January and February
    assert "size: A4 landscape" in html
    assert "Januar 2027" in html and "Februar 2027" in html
    assert "Innherred legevakt" in html and "25.01.2027–03.02.2027" in html
    assert NORWEGIAN in html
    assert "<b>Fet</b>" not in html
    assert "Per &lt;b&gt;Fet&lt;/b&gt; Hansen" in html
    assert f'<strong class="unstaffed">{UNSTAFFED}</strong>' in html
    assert "(B, H)" in html  # kompetansebakvakt in hjemmevakt, marked in text
    assert "Tegnforklaring" in html and "Mandag" in html and "Søndag" in html


def test_html_has_week_numbers_holidays_days_outside_the_period_and_the_edition() -> None:
    inst = load_instance(SMALL)  # 4 January to 4 April 2027
    html = month_html(inst, roster_of(), "Versjon 2, publisert 3. desember 2026")
    assert html.count("Versjon 2, publisert 3. desember 2026") == 4  # on every page
    assert '<th scope="col" class="week">Uke</th>' in html
    assert '<td class="week">1</td>' in html and '<td class="week">13</td>' in html
    assert "Skjærtorsdag" in html and "Første påskedag" in html
    april = html.split("April 2027")[1]
    assert april.count("utenfor perioden") == 26  # 5 to 30 April, greyed and said in words
    assert 'class="notplan"' in april


def test_html_example_small_has_one_section_per_month() -> None:
    inst = load_instance(SMALL)
    html = month_html(inst, roster_of(("2027-01-04:kveld", "fv-01")))
    assert html.count('<section class="month">') == 4  # January to April 2027
    assert "Svein Åsheim (H)" in html


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "html"])
def test_cli_export_writes_each_format(tmp_path: Path, fmt: str) -> None:
    inst = load_instance(SMALL)
    roster_path = tmp_path / "roster.csv"
    roster_path.write_text(
        roster_csv_text(inst, roster_of(("2027-01-04:kveld", "fv-01"))), encoding="utf-8"
    )
    out = tmp_path / f"plan.{fmt}"
    result = CliRunner().invoke(
        app, ["export", str(SMALL), str(roster_path), "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 0


def test_cli_export_unknown_format_exits_2(tmp_path: Path) -> None:
    inst = load_instance(SMALL)
    roster_path = tmp_path / "roster.csv"
    roster_path.write_text(roster_csv_text(inst, roster_of()), encoding="utf-8")
    out = tmp_path / "plan.pdf"
    result = CliRunner().invoke(
        app, ["export", str(SMALL), str(roster_path), "--format", "pdf", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "Ukjent format" in result.output
    assert not out.exists()


def test_cli_export_bad_roster_exits_2(tmp_path: Path) -> None:
    roster_path = tmp_path / "roster.csv"
    roster_path.write_text("date,shift_id\n2027-01-04:nope,x\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["export", str(SMALL), str(roster_path), "--format", "csv", "--out", str(tmp_path / "x")],
    )
    assert result.exit_code == 2
