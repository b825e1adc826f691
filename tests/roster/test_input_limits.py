"""Input limits where files enter roster: YAML (size, depth, aliases), staff lists (rows,
columns, an Excel file's unpacked size before parsing), dates and plan periods, rule sets by
name only. Every refusal is an InputError in Norwegian; nothing is built from a bad file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from roster.errors import InputError
from roster.formats import yamlio
from roster.formats.staff import parse_staff_bytes
from roster.instance import parse_instance_text, resolve
from roster.limits import LAST_PLAN_DATE, MAX_STAFF_COLUMNS, MAX_STAFF_ROWS
from tests.fuzz.budget import budget
from tests.fuzz.corpus import (
    STAFF_CSV,
    laughs,
    laughs_in_params,
    sheet_xml,
    small_data,
    small_text,
    with_sheet,
    zip_bomb,
)


def _refused(text: str) -> str:
    with pytest.raises(InputError) as err:
        resolve(parse_instance_text(text))
    return err.value.report()


def test_billion_laughs_under_a_rule_is_refused_at_once() -> None:
    """Issue 13: nine levels of aliases under a rule's params took 11 GB and 93 s."""
    with budget("laughs"):
        report = _refused(laughs_in_params(9))
    assert "aliasene (*navn) skrevet ut" in report and "linje" in report


@pytest.mark.parametrize("depth", [6, 7, 8])
def test_shallower_alias_chains_are_refused_too(depth: int) -> None:
    """The shallower chains that hung the CLI (9**6 values) never get built."""
    with budget(f"laughs {depth}"):
        report = _refused(laughs(depth))
    assert "aliasene" in report


def test_a_few_aliases_are_still_fine() -> None:
    text = "a: &a [1, 2]\nb: *a\nc:\n  <<: {x: 1}\n"
    assert yamlio.load(text) == {"a": [1, 2], "b": [1, 2], "c": {"x": 1}}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: &a [1, *a]\n", "peker inn i seg selv"),
        ("name: " + "[" * 500 + "]" * 500, "for dyp nesting"),
        ("".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "x\n", "for dyp nesting"),
        ("# " + "x" * (1024 * 1024 + 1), "filen er for stor"),
        ("a: [" + "1," * 250_000 + "]\n", "for mange verdier"),
        ("a: \x00\n", "ugyldig tegn i filen"),
    ],
    ids=["recursive", "deep-flow", "deep-block", "size", "values", "nul"],
)
def test_yaml_limits(text: str, words: str) -> None:
    with budget(words):
        report = _refused(text)
    assert words in report


def test_own_yaml_output_has_no_aliases() -> None:
    shared = {"x": 1}
    assert "*" not in yamlio.dump({"a": shared, "b": shared})


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("where", ["../../../../etc/passwd", "/etc/hostname", "norge/../norge"])
def test_rule_sets_only_by_name(where: str, tmp_path: Path) -> None:
    data = small_data()
    data["ruleset"] = where
    report = _refused(yamlio.dump(data))
    assert "ukjent regelsett" in report and "finnes: norge" in report


def test_a_rule_set_path_never_echoes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: `ruleset: ../../x` loaded any .yaml on the server and the error showed it."""
    secret = tmp_path / "hemmelig.yaml"
    secret.write_text("passord: hemmelig-innhold-123\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    data = small_data()
    for where in (str(secret.with_suffix("")), "../" * 12 + str(secret.with_suffix(""))[1:]):
        data["ruleset"] = where
        report = _refused(yamlio.dump(data))
        assert "hemmelig-innhold" not in report and "ukjent regelsett" in report


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("9999-01-01", "9999-12-31", "utenfor det som godtas (1900–2199)"),
        ("2100-01-01", "2100-03-31", "mellom 1901 og 2099"),
        ("1900-01-01", "1900-03-01", "mellom 1901 og 2099"),
    ],
)
def test_periods_only_where_the_holiday_calendar_reaches(start: str, end: str, words: str) -> None:
    """Issue 13: 9999 gave OverflowError; 2100 was saved and every solve then failed."""
    data = small_data()
    data["period"] = {"start": start, "end": end}
    assert words in _refused(yamlio.dump(data))


def test_the_last_supported_period_expands() -> None:
    data = small_data()
    data["period"] = {"start": "2099-11-01", "end": LAST_PLAN_DATE.isoformat()}
    instance = resolve(parse_instance_text(yamlio.dump(data)))
    assert instance.shifts[-1].date == dt.date(2099, 12, 31)


@pytest.mark.parametrize("field", ["birth_date", "absence"])
def test_dates_far_out_are_refused_with_the_field(field: str) -> None:
    data = small_data()
    if field == "birth_date":
        data["doctors"][0]["birth_date"] = "0001-01-01"
    else:
        data["absences"] = [
            {"doctor": "fv-01", "kind": "holiday", "start": "2027-01-10", "end": "9999-12-31"}
        ]
    report = _refused(yamlio.dump(data))
    assert "utenfor det som godtas" in report


def test_names_are_one_line() -> None:
    text = small_text().replace(
        "name: Fjellvik legevakt\n", 'name: "Fjellvik\\nlegevakt\\t\\u0007 2"\n', 1
    )
    instance = resolve(parse_instance_text(text))
    assert instance.legevakt.name == "Fjellvik legevakt 2"


# --------------------------------------------------------------------------- staff lists


def _staff_refused(data: bytes, name: str) -> str:
    with budget(name), pytest.raises(InputError) as err:
        parse_staff_bytes(data, name)
    return err.value.report()


def test_excel_cell_far_right_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: 27 KB, 5,000 rows with a cell in column XFD: 15 s and 620 MB."""
    data = with_sheet(
        sheet_xml("".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, 5001)))
    )
    assert len(data) < 60_000
    monkeypatch.setattr("openpyxl.load_workbook", _never)
    report = _staff_refused(data, "ansatte.xlsx")
    assert f"kolonne XFD (rad 1); en legeliste kan ha høyst {MAX_STAFF_COLUMNS} kolonner" in report


def test_excel_row_far_down_is_refused() -> None:
    data = with_sheet(sheet_xml('<row r="1048576"><c r="A1048576"><v>1</v></c></row>'))
    assert f"rad 1048576; en legeliste kan ha høyst {MAX_STAFF_ROWS} rader" in _staff_refused(
        data, "ansatte.xlsx"
    )


def test_zip_bomb_is_refused_from_its_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: a 3.3 MB zip bomb (689 MB of sheet XML) took 56 s before a 422."""
    data = zip_bomb(200)
    assert len(data) < 1024 * 1024
    monkeypatch.setattr("openpyxl.load_workbook", _never)
    assert "blir 200 MB pakket ut" in _staff_refused(data, "ansatte.xlsx")


def test_excel_entities_are_refused() -> None:
    data = with_sheet(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    assert "kan ikke lese innholdet i Excel-filen" in _staff_refused(data, "ansatte.xlsx")


def test_csv_rows_and_columns_are_limited() -> None:
    lines = STAFF_CSV.read_text(encoding="utf-8-sig").splitlines()
    many = (lines[0] + "\n" + "\n".join([lines[1]] * MAX_STAFF_ROWS)).encode()
    assert f"mer enn {MAX_STAFF_ROWS} rader" in _staff_refused(many, "ansatte.csv")
    blank = (lines[0] + "\n" * 2_000_000).encode()
    assert "rader" in _staff_refused(blank, "ansatte.csv")
    wide = (lines[0] + ";x" * 100_000 + "\n" + lines[1]).encode()
    assert f"høyst {MAX_STAFF_COLUMNS} godtas" in _staff_refused(wide, "ansatte.csv")


def test_a_staff_list_at_the_limits_is_read() -> None:
    lines = STAFF_CSV.read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0]] + [
        lines[1].replace("fv-01", f"fv-{i:04d}", 1) for i in range(1, MAX_STAFF_ROWS)
    ]
    assert len(parse_staff_bytes("\n".join(rows).encode(), "ansatte.csv")) == MAX_STAFF_ROWS - 1


def _never(*args: object, **kw: object) -> None:
    raise AssertionError("openpyxl was asked to parse a file the guard should have refused")


@pytest.mark.parametrize("name", ["roster.csv", "roster.json"])
def test_roster_files_are_limited(tmp_path: Path, name: str) -> None:
    from roster.formats.exchange import read_roster_csv, read_roster_json
    from roster.limits import MAX_ROSTER_FILE_BYTES

    path = tmp_path / name
    with path.open("wb") as f:
        f.truncate(MAX_ROSTER_FILE_BYTES + 1)  # sparse: no disk is used
    instance = resolve(parse_instance_text(small_text()))
    reader = read_roster_csv if name.endswith(".csv") else read_roster_json
    with budget(name), pytest.raises(InputError) as err:
        reader(instance, path)
    assert "filen er for stor" in err.value.report()
