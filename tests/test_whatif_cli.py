"""`legevakt whatif`: tables in Norwegian, CSV and JSON for machines, a chart, and clear
messages (with lines) for bad scenario files. Runs on the small example."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from legevakt.cli import app
from roster.comparison import CSV_COLUMNS
from roster.instance import load_instance

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "examples" / "small" / "instance.yaml"

SCENARIOS = """scenarios:
  - name: Fv-02 fritatt for netter
    changes:
      - {exempt: fv-02, scope: nights}
  - name: To nye leger
    changes:
      - {add_doctors: 2, municipality: fjellvik}
"""


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def baseline(tmp_path: Path) -> Path:
    code, out, _ = run("solve", SMALL, "--out", tmp_path / "plan", "--time-limit", "10")
    assert code == 0, out
    return tmp_path / "plan" / "roster.csv"


def test_whatif_table_answers_in_norwegian_and_draws_a_chart(tmp_path: Path) -> None:
    file = tmp_path / "hva.yaml"
    file.write_text(SCENARIOS, encoding="utf-8")
    chart = tmp_path / "belastning.png"
    code, out, err = run(
        "whatif", SMALL, "--scenario", file, "--baseline", baseline(tmp_path), "--chart", chart
    )
    assert code == 0, out + err
    assert "Grunnlag: gjeldende plan fra fil." in out
    assert "Scenario: Fv-02 fritatt for netter" in out
    assert "Rettf. andel" in out and "Kommuner" in out
    answers = out.split("Svar:")[1].strip().splitlines()
    assert answers[0].strip().startswith("Fv-02 fritatt for netter: ")
    assert "2 nye leger tar" in answers[1]
    assert "Traceback" not in out + err
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_whatif_csv_and_json_for_machines(tmp_path: Path) -> None:
    base = baseline(tmp_path)
    code, out, _ = run(
        "whatif", SMALL, "--baseline", base, "--exempt", "fv-03", "--from", "01.02.2027",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    fv03 = next(r for r in rows if r["id"] == "fv-03" and r["level"] == "doctor")
    assert int(fv03["shifts_after"]) < int(fv03["shifts_before"])
    name = load_instance(SMALL).doctor("fv-03").name
    assert {r["scenario"] for r in rows} == {f"{name} fritatt fra 01.02.2027"}
    code, out, _ = run(
        "whatif", SMALL, "--baseline", base, "--remove-doctor", "fv-05", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    (s,) = data["scenarios"]
    assert s["status"] in ("optimal", "feasible")
    assert s["comparison"]["uncovered_after"]["total"] == 0
    assert s["verdict"].startswith(f"uten {load_instance(SMALL).doctor('fv-05').name}: ")


def test_whatif_bad_scenario_file_names_the_line_and_exits_2(tmp_path: Path) -> None:
    file = tmp_path / "hva.yaml"
    file.write_text("scenarios:\n  - name: X\n    changes:\n      - {exemt: fv-02}\n", "utf-8")
    code, out, err = run("whatif", SMALL, "--scenario", file)
    assert code == 2
    assert "hva.yaml, linje 4" in err and "ingen kjent endring" in err
    assert "Traceback" not in out + err


def test_whatif_unknown_doctor_in_quick_flag_exits_2_with_message(tmp_path: Path) -> None:
    code, out, err = run("whatif", SMALL, "--baseline", baseline(tmp_path), "--exempt", "nn")
    assert code == 2
    assert "ukjent lege «nn»" in out
    assert "kan ikke beregnes" in out


def test_whatif_needs_a_question() -> None:
    code, _, err = run("whatif", SMALL)
    assert code == 2 and "oppgi en scenariofil" in err


def test_whatif_scope_takes_norwegian_words_and_the_old_english_ones() -> None:
    from legevakt.whatif_cmd import quick_scenarios
    from roster.errors import InputError
    from roster.model import Scope

    def scope_of(word: str) -> Scope:
        (scenario,) = quick_scenarios("fv-02", None, None, word, None, [], 0, None)
        return scenario.changes[0].scope  # type: ignore[union-attr]

    assert scope_of("natt") == Scope.nights == scope_of("nights")
    assert scope_of("helg") == Scope.weekends == scope_of("weekends")
    assert scope_of("utenfor-kontortid") == Scope.outside_hours == scope_of("outside_hours")
    assert scope_of("alle") == Scope.all == scope_of("all")
    try:
        quick_scenarios("fv-02", None, None, "tull", None, [], 0, None)
    except InputError as err:
        assert "alle, utenfor-kontortid, natt, helg" in err.report()
    else:
        raise AssertionError("an unknown scope must be refused")


def test_whatif_says_when_its_holes_are_not_proven_the_fewest() -> None:
    """Shifts left without a doctor are a what-if's most important number: when the time
    limit ended the search before the fewest was proven, the answer says so and how to get a
    surer one; a proven count stands alone."""
    from rich.console import Console

    from legevakt.whatif_cmd import print_whatif
    from roster.comparison import compare
    from roster.formats.exchange import Roster
    from solver.whatif import Outcome, WhatIfResult
    from tests.factories import D, make_instance, make_shift_type

    night = make_shift_type("natt", period="night", start="23:00", end="08:00", points=3)
    inst = make_instance(shift_types=(night,), start=D(2027, 1, 4), end=D(2027, 1, 5))
    c = compare((inst, Roster()), (inst, Roster()))
    assert c.uncovered_after.total == 2
    for proven in (False, True):
        outcome = Outcome(name="Uten leger", comparison=c, status="feasible", holes_proven=proven)
        console = Console(record=True, width=120)
        print_whatif(console, WhatIfResult(Roster(), "given", 0, [outcome], 1.0), False)
        text = console.export_text()
        assert "Vakter uten lege: 2 → 2" in text
        assert ("Kanskje flere hull enn nødvendig" in text) is not proven
        assert ("--time-limit 10" in text) is not proven
