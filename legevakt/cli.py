"""The `legevakt` command: its arguments and options, in Norwegian, and nothing heavy.

Each command's body lives in a module of its own (check_cmd, solve_cmd, whatif_cmd,
changes_cmd, serve_cmd) and is imported only when the command runs, so that `legevakt
--help` and `--version` start at once and `check` never loads the solver (start times:
bench/RESULTS.md). Exit codes (a contract other tools rely on): 0 ok, 1 rule breaches found,
2 invalid input, 3 no roster can satisfy the hard rules. Errors are mapped to messages and
exit codes in one place, `_ErrorMappingGroup.invoke`.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from legevakt import created_by
from legevakt.framework_no import NorwegianCommand, NorwegianGroup, translated
from solver.defaults import BASELINE_SECONDS, SCENARIO_SECONDS

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

#: --scope of `whatif --exempt`, in the words roster.glossary.SCOPE_WORDS reads.
SCOPE_HELP = "alle, utenfor-kontortid, natt eller helg"


# --------------------------------------------------------------------------- errors


def _debug_wanted(ctx: Any) -> bool:
    return bool(ctx.params.get("debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


class _ErrorMappingGroup(NorwegianGroup):
    """The one place where errors become Norwegian messages and exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _FRAMEWORK_EXCEPTIONS as err:
            raise translated(err) from None
        except KeyboardInterrupt:
            fail("Avbrutt.", code=130)
        except Exception as exc:
            from roster.errors import InputError  # here: pydantic is slow to import

            if isinstance(exc, InputError):
                fail(exc.report())
            if isinstance(exc, OSError):
                where = f" ({exc.filename})" if exc.filename else ""
                fail(f"Kan ikke lese eller skrive fil{where}: {exc.strerror or exc}", ctx)
            fail(f"Uventet feil: {type(exc).__name__}: {exc}", ctx, unexpected=True)


def fail(
    message: str,
    ctx: Any = None,
    code: int = EXIT_INVALID,
    unexpected: bool = False,
) -> NoReturn:
    from legevakt.render import line, make_console

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


def command(name: str | None = None) -> Any:
    """`app.command`, with the help and usage errors in Norwegian."""
    return app.command(name, cls=NorwegianCommand)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(created_by())
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


@command()
def validate(instance_path: InstanceArg) -> None:
    """Kontroller en planfil og legelisten ved siden av den, og vis et sammendrag og det som
    ikke kan gå (advarsler)."""
    from legevakt.check_cmd import run_validate

    run_validate(instance_path)


# --------------------------------------------------------------------------- import-staff


@command("import-staff")
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
    from legevakt.check_cmd import run_import_staff

    run_import_staff(file, instance_path, out)


# --------------------------------------------------------------------------- check


@command("check")
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
    from legevakt.check_cmd import run_check

    run_check(instance_path, roster_path, changes_path)


# --------------------------------------------------------------------------- solve


@command("solve")
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
    from legevakt.solve_cmd import run_solve

    run_solve(instance_path, out, time_limit, seed, workers, deterministic, previous, freeze_before)


# --------------------------------------------------------------------------- ical


@command("ical")
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
    from legevakt.solve_cmd import run_ical

    run_ical(instance_path, roster_path, out, previous)


# --------------------------------------------------------------------------- export


@command("export")
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
    from legevakt.solve_cmd import run_export

    run_export(instance_path, roster_path, format, out)


# --------------------------------------------------------------------------- whatif


@command("whatif")
def whatif_command(
    instance_path: Annotated[
        Path,
        typer.Argument(metavar="INSTANCE", help="Legevaktens instance.yaml.", show_default=False),
    ],
    scenario_file: Annotated[
        Path | None,
        typer.Option("--scenario", metavar="FILE", help="Scenariofil (YAML, flere scenarier)."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="ROSTER.csv",
            help="Gjeldende plan. Uten denne lages en plan først.",
        ),
    ] = None,
    exempt: Annotated[
        str | None, typer.Option("--exempt", metavar="LEGE-ID", help="Frita en lege.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", metavar="DATO", help="Fritaket gjelder fra (--exempt).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="DATO", help="Fritaket gjelder til (--exempt).")
    ] = None,
    scope: Annotated[
        str, typer.Option("--scope", metavar="OMFANG", help=f"Fritakets omfang: {SCOPE_HELP}.")
    ] = "alle",
    remove_municipality: Annotated[
        str | None,
        typer.Option("--remove-municipality", metavar="KOMMUNE-ID", help="En kommune går ut."),
    ] = None,
    remove_doctor: Annotated[
        list[str] | None,
        typer.Option("--remove-doctor", metavar="LEGE-ID", help="En lege slutter (kan gjentas)."),
    ] = None,
    add_doctors: Annotated[
        int, typer.Option("--add-doctors", metavar="N", help="Ansett N leger (med --municipality).")
    ] = 0,
    municipality: Annotated[
        str | None, typer.Option("--municipality", metavar="KOMMUNE-ID", help="For --add-doctors.")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table, csv eller json.")
    ] = "table",
    chart: Annotated[
        Path | None,
        typer.Option("--chart", metavar="FILE", help="Stolpediagram per lege (.png eller .svg)."),
    ] = None,
    all_doctors: Annotated[
        bool, typer.Option("--all", help="Vis alle leger, ikke bare de som får endringer.")
    ] = False,
    time_limit: Annotated[
        float,
        typer.Option("--time-limit", metavar="SEK", help="Sekunder per scenario.", min=1.0),
    ] = SCENARIO_SECONDS,
    baseline_time_limit: Annotated[
        float,
        typer.Option(
            "--baseline-time-limit",
            metavar="SEK",
            help="Sekunder for planen uten --baseline.",
            min=1.0,
        ),
    ] = BASELINE_SECONDS,
    seed: Annotated[int, typer.Option("--seed", help="Frø for søket.")] = 0,
) -> None:
    """Hva om …? Vaktbelastning før og etter endringer (fritak, kommune ut, regelendring …)."""
    from legevakt.whatif_cmd import run_whatif_command

    run_whatif_command(
        instance_path,
        scenario_file,
        baseline,
        exempt,
        start,
        end,
        scope,
        remove_municipality,
        remove_doctor,
        add_doctors,
        municipality,
        format,
        chart,
        all_doctors,
        time_limit,
        baseline_time_limit,
        seed,
    )


# --------------------------------------------------------------------------- ledger


@command("ledger")
def ledger_command(
    instance_path: Annotated[
        Path,
        typer.Argument(metavar="INSTANCE", help="Planfilen (instance.yaml).", show_default=False),
    ],
    roster_path: Annotated[
        Path,
        typer.Argument(metavar="ROSTER.csv", help="Den publiserte vaktplanen.", show_default=False),
    ],
    changes_path: Annotated[
        Path | None,
        typer.Option(
            "--changes",
            metavar="changes.csv",
            help="Endringer etter publisering (bytter, bortgitte vakter, vaktbørs, leder).",
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table, csv eller json.")
    ] = "table",
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            metavar="ÅÅÅÅ-MM",
            help="Bare vakter som begynner i denne måneden (til lønn); uten mål og overføring.",
        ),
    ] = None,
    carry_out: Annotated[
        Path | None,
        typer.Option(
            "--carry-out",
            metavar="history.yaml",
            help="Skriv overføringen til neste periode (history:) til denne filen.",
        ),
    ] = None,
) -> None:
    """Tildelt mot gjort per lege og per kommune, og overføring til neste periode."""
    from legevakt.changes_cmd import run_ledger

    run_ledger(instance_path, roster_path, changes_path, format, month, carry_out)


# --------------------------------------------------------------------------- serve, create-admin

from legevakt.serve_cmd import register as _register_web_commands  # noqa: E402

_register_web_commands(app)


def main() -> None:
    """Entry point of the `legevakt` script and `python -m legevakt`."""
    app(prog_name="legevakt")
