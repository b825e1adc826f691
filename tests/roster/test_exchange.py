"""The roster exchange format: exact CSV header, round trips, holes, precise reader errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roster.errors import InputError
from roster.formats.exchange import (
    CSV_HEADER,
    read_roster_csv,
    read_roster_json,
    roster_csv_text,
    write_roster_csv,
    write_roster_json,
)
from roster.model import Municipality
from tests.factories import D, make_doctor, make_instance, make_legevakt, make_shift_type, roster_of

NIGHT = make_shift_type(
    "natt", period="night", start="23:00", end="08:00", mode="standby", response_minutes=15
)


def test_csv_header_is_exactly_the_contract() -> None:
    text = roster_csv_text(make_instance(), roster_of())
    assert (
        text.splitlines()[0]
        == "date,shift_id,start,end,role,mode,doctor_id,doctor_name,municipality"
    )
    assert ",".join(CSV_HEADER) == text.splitlines()[0]


def test_csv_round_trip_with_norwegian_names_and_dst(tmp_path: Path) -> None:
    munis = (Municipality(id="inderoy", name="Inderøy", population=7000),)
    doc = make_doctor("d1", name="Åse Bjørnstad Ødegård", municipality="inderoy")
    inst = make_instance(
        doctors=(doc,),
        shift_types=(NIGHT,),
        start=D(2027, 3, 27),
        end=D(2027, 3, 27),
        legevakt=make_legevakt(munis),
    )
    roster = roster_of(("2027-03-27:natt", "d1"))
    path = tmp_path / "roster.csv"
    write_roster_csv(inst, roster, path)
    text = path.read_text(encoding="utf-8")
    assert "Åse Bjørnstad Ødegård" in text
    assert "2027-03-27T23:00:00+01:00,2027-03-28T08:00:00+02:00,primary,standby,d1" in text
    assert read_roster_csv(inst, path) == roster


def test_csv_holes_are_rows_without_doctor(tmp_path: Path) -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5))
    text = roster_csv_text(inst, roster_of(("2027-01-04:kveld", "d1")))
    assert text.splitlines()[2].endswith(",primary,onsite,,,")
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    assert len(read_roster_csv(inst, path).assignments) == 1


def test_json_round_trip_records_rules(tmp_path: Path) -> None:
    inst = make_instance()
    roster = roster_of(("2027-01-04:kveld", "d1"))
    path = tmp_path / "roster.json"
    write_roster_json(inst, roster, path, created_by="test")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["rules"]["ruleset"] == "norge" and data["rules"]["version"]
    assert read_roster_json(inst, path) == roster


def test_reader_reports_every_problem_with_row_and_column(tmp_path: Path) -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5))
    lines = roster_csv_text(
        inst, roster_of(("2027-01-04:kveld", "d1"), ("2027-01-05:kveld", "d2"))
    ).splitlines()
    lines[1] = lines[1].replace(",d1,", ",ukjent,")
    lines[2] = lines[2].replace("2027-01-05,kveld", "2027-01-05,natt")
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_roster_csv(inst, path)
    where = [(p.row, p.column) for p in err.value.problems]
    assert where == [(2, "doctor_id"), (3, "shift_id")]
    assert "ukjent lege «ukjent»" in str(err.value)


def test_reader_rejects_wrong_header(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("dato,vakt\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_roster_csv(make_instance(), path)
    assert "overskriftsrad" in str(err.value)


def test_reader_rejects_times_that_do_not_match(tmp_path: Path) -> None:
    inst = make_instance(start=D(2027, 1, 4), end=D(2027, 1, 4))
    text = roster_csv_text(inst, roster_of(("2027-01-04:kveld", "d1"))).replace(
        "T16:00:00+01:00", "T15:00:00+01:00"
    )
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_roster_csv(inst, path)
    assert err.value.problems[0].column == "start"
