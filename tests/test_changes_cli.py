"""The after-publication contract on the Innherred example: `check --changes` and `ledger`.

The published plan is the greedy peer's Innherred roster (fast, deterministic, checked here
to break no rule); the changes are picked by the checker itself: a colleague for whom a night
keeps every rule, and one for whom it breaks one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bench.greedy import greedy_roster
from legevakt.cli import app
from roster.changes import Change, apply_changes, new_breaches
from roster.checker import check
from roster.fairness import basis
from roster.formats.changes import CHANGES_HEADER, changes_csv_text
from roster.formats.exchange import Roster, write_roster_csv
from roster.formats.ledger import ledger_header
from roster.formats.yamlio import load as load_yaml
from roster.instance import Instance, load_instance, read_instance_file, save_instance_file
from roster.model import ChangeKind, History, Role

ROOT = Path(__file__).resolve().parent.parent
INNHERRED = ROOT / "examples" / "innherred" / "instance.yaml"
AT = "2027-03-01T09:00:00+01:00"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@dataclass
class Case:
    instance: Instance
    roster: Roster
    roster_csv: Path
    good: Change  # a night given away to a colleague for whom every rule holds
    bad: Change  # the same kind of change to a colleague for whom a rule breaks
    bad_rule: str
    points: int


def _change(shift_id: str, frm: str, to: str, kind: ChangeKind, line: int) -> Change:
    day, type_id = shift_id.split(":")
    return Change.model_validate(
        {
            "line": line,
            "changed_at": AT,
            "date": day,
            "type_id": type_id,
            "role": Role.primary,
            "from_doctor": frm,
            "to_doctor": to,
            "kind": kind,
            "approved_by": "leder",
        }
    )


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    inst = load_instance(INNHERRED)
    roster = greedy_roster(inst)
    assert check(inst, roster).ok  # the published plan breaks no rule
    path = tmp_path_factory.mktemp("innherred") / "roster.csv"
    write_roster_csv(inst, roster, path)
    shifts = {s.id: s for s in inst.shifts}
    compared = set(basis(inst).compared)
    for a in roster.assignments:
        s = shifts[a.shift_id]
        if not (s.is_night and s.role == Role.primary and a.doctor_id in compared):
            continue
        good = bad = None
        rule = ""
        for d in inst.doctors:
            if d.id == a.doctor_id or d.id not in compared:
                continue
            c = _change(a.shift_id, a.doctor_id, d.id, ChangeKind.board, 2)
            found = new_breaches(inst, roster, c)
            if not found and good is None:
                good = c
            elif found and bad is None:
                bad, rule = c, found[0].rule
        if good and bad:
            return Case(inst, roster, path, good, bad, rule, s.points)
    raise AssertionError("no night with both an eligible and an ineligible colleague")


def write_changes(folder: Path, *changes: Change) -> Path:
    path = folder / "changes.csv"
    path.write_text(changes_csv_text(changes), encoding="utf-8")
    return path


def test_check_changes_clean_worked_roster_exits_0(case: Case, tmp_path: Path) -> None:
    changes = write_changes(tmp_path, case.good)
    result = run("check", INNHERRED, case.roster_csv, "--changes", changes)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "0 brudd"
    worked = apply_changes(case.instance, case.roster, [case.good]).roster
    assert check(case.instance, worked).ok


def test_check_changes_names_the_line_and_the_rule(case: Case, tmp_path: Path) -> None:
    # line 2 gives the night to an eligible colleague (fine), line 3 passes it on to one for
    # whom it breaks a rule
    onward = case.bad.model_copy(update={"line": 3, "from_doctor": case.good.to_doctor})
    changes = write_changes(tmp_path, case.good, onward)
    result = run("check", INNHERRED, case.roster_csv, "--changes", changes)
    assert result.exit_code == 1, result.output
    blamed = f"endring linje 3 (vaktbørs {case.good.to_doctor} → {case.bad.to_doctor})"
    lines = [x for x in result.output.splitlines() if blamed in x]
    assert lines and all(f"[{case.bad_rule};" in x or "[" in x for x in lines)
    assert any(f"[{case.bad_rule};" in x for x in lines)
    assert "endring linje 2" not in result.output
    assert result.output.strip().splitlines()[-1].endswith("fra endringene)")


def test_check_changes_malformed_file_exits_2_with_the_line(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "changes.csv"
    good_line = changes_csv_text([case.good]).splitlines()[1]
    path.write_text(
        ",".join(CHANGES_HEADER)
        + "\n"
        + good_line
        + "\n"
        + good_line.replace(",board,", ",vaktbytte,")
        + "\n",
        encoding="utf-8",
    )
    result = run("check", INNHERRED, case.roster_csv, "--changes", path)
    assert result.exit_code == 2
    assert "changes.csv, linje 3, kolonne «kind»: ugyldig type «vaktbytte»" in result.stderr
    # a change that cannot be applied (the doctor does not hold the duty) is malformed too
    path.write_text(changes_csv_text([case.good, case.good.model_copy(update={"line": 3})]))
    result = run("check", INNHERRED, case.roster_csv, "--changes", path)
    assert result.exit_code == 2
    assert "linje 3, kolonne «from_doctor»" in result.stderr


def test_ledger_json_counts_the_board_duty_as_voluntary_extra(case: Case, tmp_path: Path) -> None:
    changes = write_changes(tmp_path, case.good)
    result = run("ledger", INNHERRED, case.roster_csv, "--changes", changes, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {r["id"]: r for r in data["doctors"]}
    giver, taker = rows[case.good.from_doctor], rows[case.good.to_doctor]
    assert giver["worked_duties"] == giver["assigned_duties"] - 1
    assert giver["given_away"] == 1
    assert taker["worked_duties"] == taker["assigned_duties"] + 1
    assert (taker["taken_from_board"], taker["voluntary_duties"]) == (1, 1)
    assert taker["voluntary_points"] == case.points
    munis = {m["id"]: m for m in data["municipalities"]}
    assert sum(m["worked_duties"] for m in munis.values()) == len(case.roster.assignments)
    assert sum(m["voluntary_duties"] for m in munis.values()) == 1


def test_ledger_csv_and_table(case: Case, tmp_path: Path) -> None:
    changes = write_changes(tmp_path, case.good)
    result = run("ledger", INNHERRED, case.roster_csv, "--changes", changes, "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split(",") == ledger_header()
    assert len(lines) == 1 + len(case.instance.doctors) + len(case.instance.legevakt.municipalities)
    table = run("ledger", INNHERRED, case.roster_csv, "--changes", changes)
    assert table.exit_code == 0
    assert "Tildelt og gjort per lege" in table.output and "1 fra vaktbørs" in table.output
    assert run("ledger", INNHERRED, case.roster_csv, "--format", "xml").exit_code == 2
    month = case.good.date.isoformat()[:7]
    result = run("ledger", INNHERRED, case.roster_csv, "--changes", changes, "--month", month)
    assert result.exit_code == 0 and "1 fra vaktbørs" in result.output
    assert run("ledger", INNHERRED, case.roster_csv, "--month", "2027-13").exit_code == 2


def test_ledger_carry_out_moves_points_between_the_two_and_the_next_plan_reads_it(
    case: Case, tmp_path: Path
) -> None:
    before, after = tmp_path / "before.yaml", tmp_path / "after.yaml"
    changes = write_changes(tmp_path, case.good)
    assert run("ledger", INNHERRED, case.roster_csv, "--carry-out", before).exit_code == 0
    result = run("ledger", INNHERRED, case.roster_csv, "--changes", changes, "--carry-out", after)
    assert result.exit_code == 0
    base = History.model_validate(load_yaml(before.read_text())["history"]).carry_points
    carry = History.model_validate(load_yaml(after.read_text())["history"]).carry_points
    giver, taker = case.good.from_doctor, case.good.to_doctor
    assert giver and taker
    assert carry[taker] - base[taker] == pytest.approx(case.points, abs=0.02)
    assert carry[giver] - base[giver] == pytest.approx(-case.points, abs=0.02)
    # the next period: the plan file with the carry-over as its history:
    doc = read_instance_file(INNHERRED)
    nxt = INNHERRED.parent / f"neste-{tmp_path.name}.yaml"
    history = History.model_validate(load_yaml(after.read_text())["history"])
    save_instance_file(doc.model_copy(update={"history": history}), nxt)
    try:
        assert run("validate", nxt).exit_code == 0
        assert basis(load_instance(nxt)).carry[taker] == carry[taker]
        assert set(doc.history.big_holidays) <= set(load_instance(nxt).history.big_holidays)
    finally:
        nxt.unlink()
