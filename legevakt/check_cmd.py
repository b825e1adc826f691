"""The bodies of `legevakt validate`, `import-staff` and `check` (their signatures are in
legevakt/cli.py). Imported only when one of them runs; nothing here loads the solver."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from legevakt.cli import EXIT_BREACHES, EXIT_OK
from legevakt.render import (
    line,
    make_console,
    plural,
    print_check,
    print_instance_summary,
    print_warnings,
    staff_table,
)
from roster.checker import check
from roster.errors import InputError, Problem
from roster.formats import yamlio
from roster.formats.exchange import holes, read_roster_csv
from roster.formats.staff import import_staff
from roster.instance import load_instance, read_instance_file
from roster.model import Legevakt
from roster.precheck import plan_warnings
from solver.report import days_off_after_night


def run_validate(instance_path: Path) -> None:
    instance = load_instance(instance_path)
    console = make_console()
    print_instance_summary(console, instance, instance_path.name)
    print_warnings(console, plan_warnings(instance))


STAFF_OUT_SUFFIXES = (".yaml", ".yml", ".json")


def run_import_staff(file: Path, instance_path: Path | None, out: Path | None) -> None:
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


def run_check(instance_path: Path, roster_path: Path, changes_path: Path | None) -> None:
    if changes_path is not None:
        from legevakt.changes_cmd import check_changes

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
