"""The bodies of `legevakt solve`, `ical` and `export` (their signatures are in
legevakt/cli.py). Imported only when one of them runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from legevakt import created_by
from legevakt.cli import EXIT_BREACHES, EXIT_IMPOSSIBLE, EXIT_OK, fail
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
    print_days_off,
    print_findings,
    stage_table,
)
from roster.checker import CheckResult, check
from roster.errors import InputError, Problem
from roster.fairness import evaluate
from roster.formats.exchange import (
    Roster,
    read_roster_csv,
    write_roster_csv,
    write_roster_json,
)
from roster.formats.exports import WRITERS as EXPORT_WRITERS
from roster.formats.ical import publish_ical
from roster.glossary import number_no, spread_no
from roster.instance import Instance, load_instance
from solver.explain import explain_holes
from solver.report import build_report
from solver.solve import SolveOptions, SolveResult, solve


def write_ical_files(
    instance: Instance, roster: Roster, directory: Path, previous: Roster | None
) -> None:
    """DIR/ical/: one calendar per doctor (<doctor id>.ics) and one for the legevakt (all.ics),
    continuing from the feed state a former solve left there. The front end owns the clock."""
    publish_ical(instance, roster, directory / "ical", previous, now=dt.datetime.now(dt.UTC))


def run_solve(
    instance_path: Path,
    out: Path,
    time_limit: float,
    seed: int,
    workers: int,
    deterministic: bool,
    previous: Path | None,
    freeze_before: str | None,
) -> None:
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
        created_by=created_by(),
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
        f"Største avvik fra mål: {spread_no(deviation['value'])} poeng "
        f"(bevist nedre grense: {'–' if bound is None else spread_no(bound)})",
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


def run_ical(instance_path: Path, roster_path: Path, out: Path, previous: Path | None) -> None:
    instance = load_instance(instance_path)
    roster = read_roster_csv(instance, roster_path)
    prev = read_roster_csv(instance, previous) if previous is not None else None
    written = publish_ical(instance, roster, out, prev, now=dt.datetime.now(dt.UTC))
    line(
        make_console(),
        f"Skrev {plural(len(written), 'kalenderfil', 'kalenderfiler')} til {out}.",
    )


def run_export(instance_path: Path, roster_path: Path, format: str, out: Path) -> None:
    writer = EXPORT_WRITERS.get(format.strip().lower())
    if writer is None:
        known = ", ".join(EXPORT_WRITERS)
        fail(f"Ukjent format «{format}». Velg ett av: {known}.")
    instance = load_instance(instance_path)
    roster = read_roster_csv(instance, roster_path)
    writer(instance, roster, out)
    line(make_console(), f"Skrev {out}.")
