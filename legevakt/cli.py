"""The `legevakt` command: parse arguments, call roster/ and solver/, print in Norwegian.

Exit codes (a contract other tools rely on): 0 ok, 1 rule breaches found, 2 invalid input,
3 no roster can satisfy the hard rules. Errors are mapped to messages and exit codes in one
place, `_ErrorMappingGroup.invoke`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import typer.rich_utils
from rich.console import Console
from typer.core import TyperGroup

from legevakt import __version__
from legevakt.changes_cmd import check_changes
from legevakt.progress import SolveProgress
from legevakt.render import (
    FINDINGS_PER_RULE_IN_SUMMARY,
    RESULT_STATUS_NO,
    doctor_table,
    like_doctors_line,
    line,
    make_console,
    municipality_table,
    outside_comparison_note,
    parse_date,
    plural,
    print_check,
    print_days_off,
    print_findings,
    print_instance_summary,
    print_warnings,
    staff_table,
    stage_table,
)
from roster.checker import CheckResult, check
from roster.errors import InputError, Problem
from roster.fairness import evaluate
from roster.formats import yamlio
from roster.formats.exchange import (
    Roster,
    holes,
    read_roster_csv,
    write_roster_csv,
    write_roster_json,
)
from roster.formats.exports import WRITERS as EXPORT_WRITERS
from roster.formats.ical import publish_ical
from roster.formats.staff import import_staff
from roster.glossary import number_no
from roster.instance import Instance, load_instance, read_instance_file
from roster.model import Legevakt
from roster.precheck import plan_warnings
from solver.explain import explain_holes
from solver.report import build_report, days_off_after_night
from solver.solve import SolveOptions, SolveResult, solve

try:  # newer typer ships its own copy of click; its usage errors derive from this
    from typer import TyperException as _UsageProblem
except ImportError:  # older typer on top of click
    from click import ClickException as _UsageProblem  # type: ignore[assignment]

#: Exceptions the command framework turns into exit codes and messages itself.
_FRAMEWORK_EXCEPTIONS: tuple[type[BaseException], ...] = (typer.Exit, typer.Abort, _UsageProblem)

EXIT_OK = 0
EXIT_BREACHES = 1
EXIT_INVALID = 2
EXIT_IMPOSSIBLE = 3

DEBUG_ENV = "LEGEVAKT_DEBUG"
CREATED_BY = f"vaktplan {__version__}"

# Help panels in Norwegian (typer reads these module constants when it renders help).
typer.rich_utils.ARGUMENTS_PANEL_TITLE = "Argumenter"
typer.rich_utils.OPTIONS_PANEL_TITLE = "Valg"
typer.rich_utils.COMMANDS_PANEL_TITLE = "Kommandoer"
typer.rich_utils.ERRORS_PANEL_TITLE = "Feil"
typer.rich_utils.DEFAULT_STRING = "[standard: {}]"
typer.rich_utils.REQUIRED_LONG_STRING = "[påkrevd]"


# --------------------------------------------------------------------------- errors


def _debug_wanted(ctx: Any) -> bool:
    return bool(ctx.params.get("debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


class _ErrorMappingGroup(TyperGroup):
    """The one place where errors become Norwegian messages and exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _FRAMEWORK_EXCEPTIONS:
            raise
        except InputError as err:
            _fail(err.report())
        except KeyboardInterrupt:
            _fail("Avbrutt.", code=130)
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            _fail(f"Kan ikke lese eller skrive fil{where}: {exc.strerror or exc}", ctx)
        except Exception as exc:
            _fail(f"Uventet feil: {type(exc).__name__}: {exc}", ctx, unexpected=True)


def _fail(
    message: str,
    ctx: Any = None,
    code: int = EXIT_INVALID,
    unexpected: bool = False,
) -> NoReturn:
    err = make_console(sys.stderr)
    line(err, message, "red")
    if ctx is not None and _debug_wanted(ctx):
        err.print(traceback.format_exc(), markup=False, highlight=False, soft_wrap=True)
    elif unexpected:
        line(err, f"Kjør med --debug (eller {DEBUG_ENV}=1) for å se detaljene.")
    raise typer.Exit(code)


# --------------------------------------------------------------------------- app


app = typer.Typer(
    cls=_ErrorMappingGroup,
    name="legevakt",
    help="Vaktplan: rettferdige vaktplaner for legevakt.",
    epilog=(
        "Avslutningskoder: 0 i orden, 1 regelbrudd funnet, 2 ugyldige inndata, "
        "3 ingen vaktplan kan oppfylle de harde reglene."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(CREATED_BY)
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Vis versjonen og avslutt.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help=f"Vis hele feilsporet ved uventede feil (også {DEBUG_ENV}=1)."
        ),
    ] = False,
) -> None:
    """Vaktplan: rettferdige vaktplaner for legevakt."""


InstanceArg = Annotated[
    Path, typer.Argument(metavar="INSTANCE", help="Planfilen (instance.yaml).", show_default=False)
]


# --------------------------------------------------------------------------- validate


@app.command()
def validate(instance_path: InstanceArg) -> None:
    """Kontroller en planfil og legelisten ved siden av den, og vis et sammendrag og det som
    ikke kan gå (advarsler)."""
    instance = load_instance(instance_path)
    console = make_console()
    print_instance_summary(console, instance, instance_path.name)
    print_warnings(console, plan_warnings(instance))


# --------------------------------------------------------------------------- import-staff


STAFF_OUT_SUFFIXES = (".yaml", ".yml", ".json")


@app.command("import-staff")
def import_staff_command(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="Legelisten (CSV eller XLSX).", show_default=False),
    ],
    instance_path: Annotated[
        Path | None,
        typer.Option(
            "--instance",
            metavar="INSTANCE",
            help="Planfil: kommunenavn i listen kobles til legevaktens kommuner.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE", help="Skriv legene til FILE (.yaml/.yml eller .json)."
        ),
    ] = None,
) -> None:
    """Les en legeliste og vis legene. Ingenting skrives hvis listen har feil."""
    if out is not None and out.suffix.lower() not in STAFF_OUT_SUFFIXES:
        raise InputError(
            [
                Problem(
                    field="--out",
                    message=f"ukjent filtype «{out.suffix}» (bruk .yaml, .yml eller .json)",
                )
            ]
        )
    legevakt: Legevakt | None = None
    if instance_path is not None:
        legevakt = read_instance_file(instance_path).legevakt
    doctors = import_staff(file, legevakt)
    console = make_console()
    console.print(staff_table(doctors, legevakt))
    line(console, f"{plural(len(doctors), 'lege', 'leger')} lest fra {file.name}.")
    if out is not None:
        data = {"doctors": [d.model_dump(mode="json", exclude_defaults=True) for d in doctors]}
        if out.suffix.lower() == ".json":
            text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        else:
            text = yamlio.dump(data)
        out.write_text(text, encoding="utf-8")
        line(console, f"Skrev {out}.")


# --------------------------------------------------------------------------- check


@app.command("check")
def check_command(
    instance_path: InstanceArg,
    roster_path: Annotated[
        Path,
        typer.Argument(
            metavar="ROSTER.csv", help="Vaktplanen som skal kontrolleres.", show_default=False
        ),
    ],
    changes_path: Annotated[
        Path | None,
        typer.Option(
            "--changes",
            metavar="changes.csv",
            help="Kontroller den gjennomførte planen: endringene etter publisering lagt på "
            "i rekkefølge; hvert brudd nevner endringens linje.",
        ),
    ] = None,
) -> None:
    """Kontroller en vaktplan (roster.csv) mot alle reglene. Siste linje: «N brudd»."""
    if changes_path is not None:
        raise typer.Exit(check_changes(instance_path, roster_path, changes_path))
    instance = load_instance(instance_path)
    roster = read_roster_csv(instance, roster_path)
    result = check(instance, roster)
    console = make_console()
    record = instance.rules.record()
    line(
        console,
        f"Kontroll av {roster_path.name} mot «{instance.name}» "
        f"(regelsett {record['ruleset']} {record['version']})",
        "bold",
    )
    n_holes = len(holes(instance, roster))
    line(
        console,
        f"{plural(len(roster.assignments), 'tildeling', 'tildelinger')} på "
        f"{plural(len(roster.by_doctor()), 'lege', 'leger')}, "
        f"{plural(n_holes, 'ubemannet vakt', 'ubemannede vakter')}.",
    )
    console.print()
    print_check(console, instance, result, days_off_after_night(instance, result))
    line(console, f"{len(result.breaches)} brudd", "bold red" if result.breaches else "bold green")
    raise typer.Exit(EXIT_BREACHES if result.breaches else EXIT_OK)


# --------------------------------------------------------------------------- solve


def write_ical_files(
    instance: Instance, roster: Roster, directory: Path, previous: Roster | None
) -> None:
    """DIR/ical/: one calendar per doctor (<doctor id>.ics) and one for the legevakt (all.ics),
    continuing from the feed state a former solve left there. The front end owns the clock."""
    publish_ical(instance, roster, directory / "ical", previous, now=dt.datetime.now(dt.UTC))


@app.command("solve")
def solve_command(
    instance_path: InstanceArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Mappe for roster.csv, roster.json og report.json.",
            show_default=False,
        ),
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1, metavar="SEK", help="Tidsgrense i sekunder.")
    ] = 60.0,
    seed: Annotated[int, typer.Option("--seed", min=0, metavar="N", help="Frø for søket.")] = 0,
    workers: Annotated[
        int, typer.Option("--workers", min=1, metavar="N", help="Antall parallelle søk (tråder).")
    ] = 2,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="Samme plan for samme inndata, frø og tidsgrense (én tråd, tregere).",
        ),
    ] = False,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            metavar="ROSTER.csv",
            help="Gjeldende plan: ny plan med færrest mulig endringer.",
        ),
    ] = None,
    freeze_before: Annotated[
        str | None,
        typer.Option(
            "--freeze-before",
            metavar="DATO",
            help="Behold vaktene i --previous før denne datoen (åååå-mm-dd).",
        ),
    ] = None,
) -> None:
    """Lag en vaktplan: dekning først, så jevn fordeling; skriver filene til --out."""
    instance = load_instance(instance_path)
    prev = read_roster_csv(instance, previous) if previous is not None else None
    cutoff = parse_date(freeze_before, "--freeze-before") if freeze_before else None
    if cutoff is not None and prev is None:
        raise InputError([Problem(field="--freeze-before", message="krever --previous")])
    out.mkdir(parents=True, exist_ok=True)  # before solving: a bad --out fails at once
    console = make_console()
    line(
        console,
        f"Lager vaktplan for «{instance.name}»: {len(instance.shifts)} vakter, "
        f"{len(instance.doctors)} leger; tidsgrense {number_no(time_limit, 0)} s, "
        f"frø {seed}, {plural(workers if not deterministic else 1, 'tråd', 'tråder')}.",
        "bold",
    )
    progress = SolveProgress(console, time_limit)
    options = SolveOptions(
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        deterministic=deterministic,
        previous=prev,
        freeze_before=cutoff,
        progress=progress,
    )
    with progress:
        result = solve(instance, options)
    if result.stages:
        console.print(stage_table(result.stages))
    if result.roster is None:
        _report_no_roster(console, instance, result, options, out)
    code = _report_roster(console, instance, result, options, out)
    raise typer.Exit(code)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _report_no_roster(
    console: Console, instance: Instance, result: SolveResult, options: SolveOptions, out: Path
) -> None:
    """Infeasible or out of time: say why, write only report.json, exit 3."""
    _write_json(out / "report.json", build_report(instance, result, None, None, options))
    if result.status == "infeasible":
        for text in result.explanation or ["Ingen vaktplan kan oppfylle de harde reglene."]:
            line(console, text, "red")
    else:
        line(
            console,
            f"Fant ingen vaktplan innen tidsgrensen ({number_no(options.time_limit, 0)} s). "
            "Prøv igjen med lengre --time-limit.",
            "red",
        )
    stale = [p.name for p in (out / "roster.csv", out / "roster.json") if p.exists()]
    if stale:
        line(console, f"Merk: {', '.join(stale)} i {out} er fra en tidligere kjøring.", "yellow")
    line(console, f"Skrev {out / 'report.json'}.")
    raise typer.Exit(EXIT_IMPOSSIBLE)


def _report_roster(
    console: Console, instance: Instance, result: SolveResult, options: SolveOptions, out: Path
) -> int:
    """Write the files, re-check the roster (the oracle), print fairness and holes."""
    roster = result.roster
    assert roster is not None
    checked = check(instance, roster)
    fairness = evaluate(instance, roster)
    report = build_report(instance, result, checked, fairness, options)
    write_roster_csv(instance, roster, out / "roster.csv")
    write_roster_json(
        instance,
        roster,
        out / "roster.json",
        created_by=CREATED_BY,
        created_at=None,
        extra={
            "status": result.status,
            "seed": options.seed,
            "workers": options.workers,
            "time_limit": options.time_limit,
            "deterministic": options.deterministic,
        },
    )
    _write_json(out / "report.json", report)
    write_ical_files(instance, roster, out, options.previous)

    line(console, f"Status: {RESULT_STATUS_NO.get(result.status, result.status)}.", "bold")
    for note in result.notes:
        line(console, note)
    line(console, f"Skrev {out / 'roster.csv'}, roster.json og report.json.")
    console.print()
    others = _print_solve_check(console, instance, checked)
    console.print(doctor_table(instance, fairness))
    for note in (like_doctors_line(fairness), outside_comparison_note(fairness)):
        if note:
            line(console, note)
    console.print(municipality_table(instance, fairness))
    hole_lines = explain_holes(instance, roster)
    if hole_lines:
        line(console, f"Ubemannede vakter: {len(hole_lines)}", "bold red")
        for text in hole_lines:
            line(console, f"  {text}", "red")
        console.print()
    print_days_off(console, instance, report["days_off_after_night"])
    deviation = report["largest_deviation"]
    bound = deviation["bound"]
    line(
        console,
        f"Største avvik fra mål: {number_no(deviation['value'], 1)} poeng "
        f"(bevist nedre grense: {'–' if bound is None else number_no(bound, 1)})",
        "bold",
    )
    if others:
        line(
            console,
            "Løseren laget en plan med regelbrudd. Det er en feil i programmet: meld fra.",
            "bold red",
        )
        return EXIT_BREACHES
    return EXIT_OK


def _print_solve_check(console: Console, instance: Instance, checked: CheckResult) -> int:
    """The checker's verdict in the solve summary. Returns the number of breaches that are
    not holes (uncovered shifts are listed with their reasons further down)."""
    holes = [b for b in checked.breaches if b.rule == "coverage"]
    others = [b for b in checked.breaches if b.rule != "coverage"]
    verdict = f"Kontroll av planen: {len(checked.breaches)} brudd"
    if holes:
        verdict += f" ({plural(len(holes), 'ubemannet vakt', 'ubemannede vakter')}, se nedenfor)"
    line(console, verdict, "bold red" if others else "bold yellow" if holes else "bold green")
    if others:
        print_findings(console, instance, others, "red")
    if checked.remarks:
        line(console, "Merknader (myke regler, ikke brudd):", "yellow")
        print_findings(
            console, instance, checked.remarks, "yellow", limit=FINDINGS_PER_RULE_IN_SUMMARY
        )
    console.print()
    return len(others)


# --------------------------------------------------------------------------- ical


@app.command("ical")
def ical_command(
    instance_path: InstanceArg,
    roster_path: Annotated[
        Path,
        typer.Argument(metavar="ROSTER.csv", help="Vaktplanen.", show_default=False),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="DIR", help="Mappe for kalenderfilene (.ics).", show_default=False
        ),
    ],
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            metavar="ROSTER.csv",
            help="Forrige plan: endrede vakter oppdateres og fjernede vakter avlyses i kalenderne.",
        ),
    ] = None,
) -> None:
    """Lag kalenderfiler (iCal): én per lege og all.ics for hele legevakten."""
    instance = load_instance(instance_path)
    roster = read_roster_csv(instance, roster_path)
    prev = read_roster_csv(instance, previous) if previous is not None else None
    written = publish_ical(instance, roster, out, prev, now=dt.datetime.now(dt.UTC))
    line(
        make_console(),
        f"Skrev {plural(len(written), 'kalenderfil', 'kalenderfiler')} til {out}.",
    )


# --------------------------------------------------------------------------- export


@app.command("export")
def export_command(
    instance_path: InstanceArg,
    roster_path: Annotated[
        Path,
        typer.Argument(metavar="ROSTER.csv", help="Vaktplanen.", show_default=False),
    ],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="Filformat: xlsx, csv eller html.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", metavar="FILE", help="Filen som skal skrives.", show_default=False),
    ],
) -> None:
    """Eksporter vaktplanen til Excel (xlsx), CSV eller HTML for utskrift."""
    writer = EXPORT_WRITERS.get(format.strip().lower())
    if writer is None:
        known = ", ".join(EXPORT_WRITERS)
        _fail(f"Ukjent format «{format}». Velg ett av: {known}.")
    instance = load_instance(instance_path)
    roster = read_roster_csv(instance, roster_path)
    writer(instance, roster, out)
    line(make_console(), f"Skrev {out}.")


# --------------------------------------------------------------------------- whatif

from legevakt.whatif_cmd import register as _register_whatif  # noqa: E402

_register_whatif(app)


# --------------------------------------------------------------------------- ledger

from legevakt.changes_cmd import register as _register_ledger  # noqa: E402

_register_ledger(app)


# --------------------------------------------------------------------------- serve, create-admin

from legevakt.serve_cmd import register as _register_web_commands  # noqa: E402

_register_web_commands(app)


def main() -> None:
    """Entry point of the `legevakt` script and `python -m legevakt`."""
    app(prog_name="legevakt")
