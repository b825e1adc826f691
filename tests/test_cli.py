"""The `legevakt` command: exit codes, Norwegian output, the files `solve` writes.

Tiny instances are written as YAML with the factories; solves stay small (a few days, a few
doctors) except one run on examples/small, shared by the tests that need it.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

import legevakt.check_cmd as check_cmd
import legevakt.cli as cli
import legevakt.solve_cmd as solve_cmd
from legevakt.cli import app
from roster.formats import yamlio
from roster.formats.exchange import CSV_HEADER, roster_csv_text
from roster.formats.staff import import_staff
from roster.instance import Instance, load_instance
from roster.model import Absence, Doctor, Exemption, RuleOverride
from solver.solve import SolveOptions, SolveResult
from tests.factories import (
    D,
    make_doctor,
    make_instance,
    make_night,
    make_shift_type,
    override,
    roster_of,
    write_instance,
)

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "examples" / "small" / "instance.yaml"
INNHERRED = ROOT / "examples" / "innherred" / "instance.yaml"

#: 16:00 to 01:00: a fastlege on it before a practice day gets only 7 hours of rest.
LATE_EVENING = make_shift_type("kveld", label="Kveld", start="16:00", end="01:00")
NIGHT_STANDBY = make_night()


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1].strip()


def exempt_all(start: str, end: str) -> Exemption:
    return Exemption(
        kind="health",
        scope="all",
        granted=True,
        start=D.fromisoformat(start),
        end=D.fromisoformat(end),
    )


# --------------------------------------------------------------------------- version, errors


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("vaktplan ")


def test_python_dash_m_runs_the_same_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "legevakt", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("vaktplan ")


def test_unexpected_error_is_one_norwegian_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(path: object) -> Instance:
        raise RuntimeError("noe gikk i stykker")

    monkeypatch.setattr(check_cmd, "load_instance", broken)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    result = run("validate", SMALL)
    assert result.exit_code == 2
    assert "Uventet feil: RuntimeError: noe gikk i stykker" in result.stderr
    assert "Traceback" not in result.output


def test_unexpected_error_shows_traceback_with_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: object) -> Instance:
        raise RuntimeError("noe gikk i stykker")

    monkeypatch.setattr(check_cmd, "load_instance", broken)
    assert "Traceback" in run("--debug", "validate", SMALL).stderr
    assert "Traceback" in run("validate", SMALL, env={cli.DEBUG_ENV: "1"}).stderr


def test_error_mapping_leaves_exit_codes_of_commands_alone() -> None:
    assert issubclass(typer.Exit, cli._FRAMEWORK_EXCEPTIONS)


# --------------------------------------------------------------------------- validate


@pytest.mark.parametrize("path", [SMALL, INNHERRED], ids=["small", "innherred"])
def test_validate_examples(path: Path) -> None:
    result = run("validate", path)
    assert result.exit_code == 0, result.output
    inst = load_instance(path)
    assert inst.legevakt.name in result.stdout
    assert "er gyldig" in result.stdout
    assert f"Leger: {len(inst.doctors)}" in result.stdout
    for t in inst.shift_types:
        n = sum(1 for s in inst.shifts if s.type_id == t.id)
        assert f"{t.id}" in result.stdout and f"{n} vakter" in result.stdout
    assert f"Regelsett: norge versjon {inst.ruleset.version}" in result.stdout
    for o in inst.rule_overrides:
        assert f"[{o.rule}]" in result.stdout


def test_validate_broken_yaml_names_file_line_and_field(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace("cost_key: population", "cost_key: folketall")
    line_no = text.splitlines().index("  cost_key: folketall") + 1
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "ansatte.csv").write_bytes((SMALL.parent / "ansatte.csv").read_bytes())
    result = run("validate", path)
    assert result.exit_code == 2
    assert result.stderr.startswith("1 feil i inndata:")
    assert f"plan.yaml, linje {line_no}, felt legevakt.cost_key: ugyldig verdi" in result.stderr
    assert result.stdout == ""


def test_validate_bad_yaml_syntax(tmp_path: Path) -> None:
    path = tmp_path / "instance.yaml"
    path.write_text("name: x\nlegevakt: [\n", encoding="utf-8")
    result = run("validate", path)
    assert result.exit_code == 2
    assert "instance.yaml, linje 3: ugyldig YAML" in result.stderr


def test_validate_missing_file() -> None:
    result = run("validate", "finnes/ikke.yaml")
    assert result.exit_code == 2
    assert "filen finnes ikke" in result.stderr


# --------------------------------------------------------------------------- import-staff


def test_import_staff_prints_doctors_and_writes_yaml(tmp_path: Path) -> None:
    out = tmp_path / "leger.yaml"
    result = run("import-staff", SMALL.parent / "ansatte.csv", "--instance", SMALL, "--out", out)
    assert result.exit_code == 0, result.output
    for name in ("Svein Åsheim", "Lene Fjærli", "Ahmed Rahimi"):
        assert name in result.stdout
    assert "ALIS" in result.stdout and "vikar" in result.stdout
    assert "5 leger lest" in result.stdout
    data = yamlio.load(out.read_text(encoding="utf-8"))["doctors"]
    assert "share" not in data[0]  # defaults left out
    doctors = [Doctor.model_validate(d) for d in data]  # usable as `doctors:` in a plan file
    assert [d.id for d in doctors] == ["fv-01", "fv-02", "fv-03", "fv-04", "fv-05"]
    assert doctors == import_staff(SMALL.parent / "ansatte.csv", load_instance(SMALL).legevakt)


def test_import_staff_writes_json_by_extension(tmp_path: Path) -> None:
    out = tmp_path / "leger.json"
    result = run("import-staff", INNHERRED.parent / "ansatte.csv", "--out", out)
    assert result.exit_code == 0, result.output
    doctors = json.loads(out.read_text(encoding="utf-8"))["doctors"]
    assert len(doctors) == len(load_instance(INNHERRED).doctors)
    assert "alder (utenfor kontortid)" in result.stdout


def test_import_staff_broken_file_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    staff = tmp_path / "ansatte.csv"
    staff.write_text(
        "Ansattnr;Navn;Fødselsdato;Kommune;Type\n"
        "x1;Ola Nordmann;31.02.1970;Fjellvik;fastlege\n"
        "x2;Kari Nordmann;01.01.1980;Fjellvik;kirurg\n",
        encoding="utf-8",
    )
    out = tmp_path / "leger.yaml"
    result = run("import-staff", staff, "--instance", SMALL, "--out", out)
    assert result.exit_code == 2
    assert "2 feil i inndata" in result.stderr
    assert "ansatte.csv, rad 2, kolonne «Fødselsdato»" in result.stderr
    assert "ansatte.csv, rad 3, kolonne «Type»" in result.stderr
    assert not out.exists()


def test_import_staff_unknown_out_type_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "leger.txt"
    result = run("import-staff", SMALL.parent / "ansatte.csv", "--out", out)
    assert result.exit_code == 2
    assert "ukjent filtype" in result.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- check


def check_instance() -> Instance:
    """Mon 4 to Sun 10 Jan 2027, one late evening a day; d4 is a fastlege, d5 exempt."""
    return make_instance(
        doctors=(
            make_doctor("d1", kind="legevaktlege"),
            make_doctor("d2", kind="legevaktlege"),
            make_doctor("d3", kind="legevaktlege"),
            make_doctor("d4", kind="fastlege"),
            make_doctor("d5", exemptions=(exempt_all("2027-01-01", "2027-12-31"),)),
        ),
        shift_types=(LATE_EVENING,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 10),
    )


def write_roster(folder: Path, inst: Instance, *pairs: tuple[str, str]) -> Path:
    path = folder / "roster.csv"
    path.write_text(roster_csv_text(inst, roster_of(*pairs)), encoding="utf-8")
    return path


def test_check_clean_roster_exits_0(tmp_path: Path) -> None:
    inst = check_instance()
    path = write_instance(tmp_path, inst)
    doctor_on = {4: "d1", 5: "d2", 6: "d3", 7: "d1", 8: "d2", 9: "d3", 10: "d1"}
    pairs = [(f"2027-01-{day:02d}:kveld", doc) for day, doc in doctor_on.items()]
    roster = write_roster(tmp_path, inst, *pairs)
    result = run("check", path, roster)
    assert result.exit_code == 0, result.output
    assert last_line(result.stdout) == "0 brudd"


def test_check_planted_breaches_exit_1(tmp_path: Path) -> None:
    inst = check_instance()
    path = write_instance(tmp_path, inst)
    roster = write_roster(
        tmp_path,
        inst,
        # 4 Jan: nobody (a hole)
        ("2027-01-05:kveld", "d4"),  # fastlege, 7 h before Wednesday's practice day
        ("2027-01-06:kveld", "d1"),
        ("2027-01-07:kveld", "d1"),  # the day after the previous duty
        ("2027-01-08:kveld", "d2"),
        ("2027-01-09:kveld", "d5"),  # exempt
        ("2027-01-10:kveld", "d3"),
    )
    result = run("check", path, roster)
    assert result.exit_code == 1, result.output
    out = result.stdout
    for rule in ("coverage", "rest", "min_gap_days", "granted_exemption"):
        assert f"[{rule}]" in out, rule
        assert f"[{rule}; " in out, rule  # the finding itself, with its source
        assert inst.rules.title(rule) in out
    assert "2027-01-04" in out and "ubemannet" in out
    assert last_line(out) == "4 brudd"


def test_check_lists_days_off_after_onsite_nights(tmp_path: Path) -> None:
    night = make_shift_type("natt", label="Natt", period="night", start="23:00", end="08:00")
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2")),
        shift_types=(night,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 5),
        overrides=(
            override("day_off_after_night", compensation_nok=3000),
            override("rest", onsite_rest_hours=7),  # on-site weekday nights after practice
        ),
    )
    path = write_instance(tmp_path, inst)
    roster = write_roster(tmp_path, inst, ("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"))
    result = run("check", path, roster)
    assert result.exit_code == 0, result.output
    assert "Fri etter tilstedevakt natt" in result.stdout
    assert "2 dager, kostnad 6 000 kr" in result.stdout
    assert "Lege d1 (d1): 05.01" in result.stdout
    assert last_line(result.stdout) == "0 brudd"


def test_check_wrong_header_exits_2(tmp_path: Path) -> None:
    inst = check_instance()
    path = write_instance(tmp_path, inst)
    roster = tmp_path / "roster.csv"
    roster.write_text("dato,vakt,lege\n2027-01-04,kveld,d1\n", encoding="utf-8")
    result = run("check", path, roster)
    assert result.exit_code == 2
    assert "roster.csv, rad 1: feil overskriftsrad" in result.stderr


def test_check_unknown_doctor_exits_2(tmp_path: Path) -> None:
    inst = check_instance()
    path = write_instance(tmp_path, inst)
    roster = write_roster(tmp_path, inst, ("2027-01-04:kveld", "d1"))
    text = roster.read_text(encoding="utf-8").replace(",d1,Lege d1,", ",d9,Lege d9,")
    roster.write_text(text, encoding="utf-8")
    result = run("check", path, roster)
    assert result.exit_code == 2
    assert "roster.csv, rad 2, kolonne «doctor_id»: ukjent lege «d9»" in result.stderr


# --------------------------------------------------------------------------- solve


@pytest.fixture(scope="module")
def small_solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("small") / "plan"
    result = run("solve", SMALL, "--out", out, "--time-limit", "20")
    return result, out


def test_solve_small_exits_0_and_writes_the_files(small_solved: tuple[Result, Path]) -> None:
    result, out = small_solved
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "ical",
        "report.json",
        "roster.csv",
        "roster.json",
    ]
    assert (out / "ical" / "all.ics").is_file()
    header = (out / "roster.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "date,shift_id,start,end,role,mode,doctor_id,doctor_name,municipality"
    assert tuple(header.split(",")) == CSV_HEADER


def test_solve_small_prints_check_and_fairness(small_solved: tuple[Result, Path]) -> None:
    result, _ = small_solved
    out = result.stdout
    assert "Kontroll av planen: 0 brudd" in out
    for column in ("Navn", "Kommune", "Netter", "Kvelder", "Poeng", "Mål", "Avvik"):
        assert column in out
    assert "Timer hjemmevakt" in out
    for name in ("Svein Åsheim", "Hege Nybakk", "Tor Ivar Bøe", "Lene Fjærli", "Ahmed Rahimi"):
        assert name in out
    assert "Største avvik fra mål: " in out and "(bevist nedre grense: " in out
    assert "Ubemannede vakter" not in out
    assert "Dekning" in out and "Jevn total" in out  # stage names in Norwegian


def test_solve_small_report_json(small_solved: tuple[Result, Path]) -> None:
    _, out = small_solved
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["status"] in ("optimal", "feasible")
    stages = [s["stage"] for s in report["stages"]]
    assert stages[:3] == ["coverage", "categories", "total"]
    assert all({"value", "bound", "status"} <= set(s) for s in report["stages"])
    names = {d["name"] for d in report["fairness"]["doctors"]}
    assert "Svein Åsheim" in names
    assert report["uncovered"] == []
    assert report["breaches"] == {"count": 0, "by_rule": {}}
    assert report["seed"] == 0 and report["workers"] == 2 and report["time_limit"] == 20
    roster_json = json.loads((out / "roster.json").read_text(encoding="utf-8"))
    assert roster_json["created_by"].startswith("vaktplan ")
    assert roster_json["created_at"] is None
    assert roster_json["status"] == report["status"]


def test_solve_small_roster_passes_check(small_solved: tuple[Result, Path]) -> None:
    _, out = small_solved
    result = run("check", SMALL, out / "roster.csv")
    assert result.exit_code == 0, result.output
    assert last_line(result.stdout) == "0 brudd"


def test_solve_leaves_uncovered_night_when_everyone_is_exempt(tmp_path: Path) -> None:
    off = exempt_all("2027-01-04", "2027-01-04")
    inst = make_instance(
        doctors=tuple(make_doctor(f"d{i}", exemptions=(off,)) for i in (1, 2, 3)),
        shift_types=(NIGHT_STANDBY,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
    )
    out = tmp_path / "plan"
    result = run("solve", write_instance(tmp_path, inst), "--out", out, "--time-limit", "10")
    assert result.exit_code == 0, result.output
    assert "Ubemannede vakter: 1" in result.stdout
    assert "2027-01-04 natt: ingen kan ta vakten (3 fritatt)" in result.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    [hole] = report["uncovered"]
    assert (hole["date"], hole["shift_id"], hole["missing"]) == ("2027-01-04", "natt", 1)
    assert "3 fritatt" in hole["explanation"]
    assert report["breaches"]["by_rule"] == {"coverage": 1}
    rows = list(csv.DictReader(io.StringIO((out / "roster.csv").read_text(encoding="utf-8"))))
    assert [r["doctor_id"] for r in rows if r["date"] == "2027-01-04"] == [""]


def test_solve_impossible_exits_3_and_names_the_rule(tmp_path: Path) -> None:
    inst = make_instance(
        doctors=(make_doctor("d1", fixed_shifts=5), make_doctor("d2")),
        shift_types=(NIGHT_STANDBY,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 5),
    )
    out = tmp_path / "plan"
    result = run("solve", write_instance(tmp_path, inst), "--out", out, "--time-limit", "10")
    assert result.exit_code == 3, result.output
    assert "Ingen vaktplan kan oppfylle de harde reglene" in result.stdout
    assert inst.rules.title("fixed_shifts") in result.stdout
    assert "Lege d1 (d1)" in result.stdout
    assert not (out / "roster.csv").exists()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "infeasible"
    assert report["explanation"]


def test_solve_invalid_instance_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "instance.yaml"
    path.write_text("name: x\n", encoding="utf-8")
    out = tmp_path / "plan"
    result = run("solve", path, "--out", out, "--time-limit", "5")
    assert result.exit_code == 2
    assert "feil i inndata" in result.stderr
    assert "felt legevakt" in result.stderr
    assert not out.exists()


def test_solve_freeze_before_needs_previous(tmp_path: Path) -> None:
    path = write_instance(tmp_path, make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5)))
    result = run("solve", path, "--out", tmp_path / "plan", "--freeze-before", "2027-01-05")
    assert result.exit_code == 2
    assert "--freeze-before: krever --previous" in result.stderr


def test_solve_replans_from_previous_roster(tmp_path: Path) -> None:
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2"), make_doctor("d3")),
        shift_types=(NIGHT_STANDBY,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
        overrides=(RuleOverride(rule="min_gap_days", params={"days": 1}, reason="test"),),
    )
    path = write_instance(tmp_path, inst)
    previous = write_roster(
        tmp_path,
        inst,
        ("2027-01-04:natt", "d1"),
        ("2027-01-05:natt", "d2"),
        ("2027-01-06:natt", "d3"),
    )
    out = tmp_path / "plan"
    result = run(
        "solve", path, "--out", out, "--time-limit", "10",
        "--previous", previous, "--freeze-before", "05.01.2027",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert "changes" in [s["stage"] for s in report["stages"]]
    assert report["replan"] == {"previous": True, "freeze_before": "2027-01-05"}
    assert "Færrest endringer" in result.stdout


def test_solve_previous_cancels_moved_duty_in_ical(tmp_path: Path) -> None:
    """d3 fell ill after the plan was published: the re-plan moves the night, and d3's
    calendar in DIR/ical/ shows it cancelled with a higher SEQUENCE."""
    from icalendar import Calendar

    sick = Absence(kind="sick", start=D(2027, 1, 6), end=D(2027, 1, 6))
    inst = make_instance(
        doctors=(make_doctor("d1"), make_doctor("d2"), make_doctor("d3", absences=(sick,))),
        shift_types=(NIGHT_STANDBY,),
        start=D(2027, 1, 4),
        end=D(2027, 1, 6),
        overrides=(RuleOverride(rule="min_gap_days", params={"days": 1}, reason="test"),),
    )
    path = write_instance(tmp_path, inst)
    pairs = (("2027-01-04:natt", "d1"), ("2027-01-05:natt", "d2"), ("2027-01-06:natt", "d3"))
    previous = write_roster(tmp_path, inst, *pairs)
    out = tmp_path / "plan"
    result = run("solve", path, "--out", out, "--time-limit", "10", "--previous", previous)
    assert result.exit_code == 0, result.output
    cal = Calendar.from_ical((out / "ical" / "d3.ics").read_bytes())
    events = {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}
    ev = events["2027-01-06:natt-primary"]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert ev["SEQUENCE"] == 1


def test_solve_out_of_time_exits_3_and_suggests_longer_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_time(instance: Instance, options: SolveOptions) -> SolveResult:
        return SolveResult(status="no_solution", roster=None)

    monkeypatch.setattr(solve_cmd, "solve", no_time)
    path = write_instance(tmp_path, make_instance(start=D(2027, 1, 4), end=D(2027, 1, 5)))
    out = tmp_path / "plan"
    result = run("solve", path, "--out", out, "--time-limit", "5")
    assert result.exit_code == 3
    assert "--time-limit" in result.stdout
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["status"] == "no_solution"
    assert not (out / "roster.csv").exists()


def test_solve_exits_1_when_the_checker_finds_a_breach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A roster that breaks a rule other than coverage is a solver bug: say so, exit 1."""
    inst = check_instance()

    def buggy(instance: Instance, options: SolveOptions) -> SolveResult:
        pairs = [(f"2027-01-{day:02d}:kveld", "d5") for day in (4, 7, 10)]
        return SolveResult(status="feasible", roster=roster_of(*pairs))

    monkeypatch.setattr(solve_cmd, "solve", buggy)
    result = run("solve", write_instance(tmp_path, inst), "--out", tmp_path / "plan")
    assert result.exit_code == 1
    assert "[granted_exemption]: 3" in result.stdout
    assert "feil i programmet" in result.stdout


# --------------------------------------------------------------------------- the framework in Norwegian

#: Words typer and click print in English; none may reach a user.
ENGLISH_FRAMEWORK = (
    "Show this message",
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "default:",
    "required",
    "Error",
    "Try ",
    "Missing",
    "No such",
    "Invalid value",
    "Got unexpected",
    "requires an argument",
    "Input should",
    "<path>",
    "<bool>",
    "<str>",
    "<int>",
    "<float>",
)


def _english(text: str) -> list[str]:
    return [w for w in ENGLISH_FRAMEWORK if w in text]


def test_help_is_norwegian_for_every_command() -> None:
    commands = [c.name for c in typer.main.get_command(app).commands.values()]  # type: ignore[attr-defined]
    assert "whatif" in commands and "serve" in commands
    for args in (["--help"], *([name, "--help"] for name in commands)):
        result = run(*args, env={"COLUMNS": "250"})
        assert result.exit_code == 0, (args, result.output)
        assert "Vis denne hjelpen og avslutt." in result.stdout
        assert "Bruk: legevakt" in result.stdout
        assert _english(result.stdout) == [], (args, _english(result.stdout))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["validate"], "Mangler argumentet INSTANCE."),
        (["check", "--nope", "a", "b"], "Ukjent valg: --nope."),
        (["solve", "x", "--out", "y", "--time-limit", "abc"], "--time-limit: må være et tall"),
        (["solve", "x", "--out", "y", "--time-limit", "0"], "--time-limit: må være minst 1"),
        (["solve", "x", "--out"], "Valget --out krever en verdi."),
        (["validate", "a", "b"], "Uventet argument: b."),
        (["planlegg"], "Ukjent kommando «planlegg»."),
    ],
)
def test_usage_errors_are_norwegian_and_exit_2(args: list[str], expected: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert _english(result.stderr) == [], _english(result.stderr)


HEAVY = ("ortools", "fastapi", "matplotlib", "openpyxl", "uvicorn", "sqlalchemy", "numpy")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages a fresh interpreter has loaded after running `code`."""
    probe = f"import sys\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(proc.stdout.split())


def test_cli_start_loads_no_heavy_library() -> None:
    """`legevakt --help` and `--version` pay for typer alone (figures: bench/RESULTS.md)."""
    loaded = _loaded_after("import legevakt.cli")
    assert loaded.isdisjoint({*HEAVY, "pydantic", "rich"}), loaded & {*HEAVY, "pydantic", "rich"}


def test_validate_and_check_load_no_solver_web_or_charts() -> None:
    loaded = _loaded_after("import legevakt.cli, legevakt.check_cmd")
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
