"""`legevakt whatif`: duty loads before and after one or more scenarios.

Thin: reads the instance, the scenarios (a file, or quick flags), and the baseline roster if
given; calls solver.whatif; prints tables with rich, or CSV/JSON for machines; draws a chart.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from legevakt.render import line, make_console, parse_date, plural
from roster.charts import FORMATS as CHART_FORMATS
from roster.charts import load_chart
from roster.comparison import CSV_COLUMNS, Comparison, Load, Row, table_rows
from roster.errors import InputError, Problem
from roster.formats.exchange import read_roster_csv
from roster.formats.formulas import csv_field
from roster.glossary import SCOPE_NO, SCOPE_WORDS, number_no, scope_from_word
from roster.instance import Instance, load_instance
from roster.model import Scope
from roster.scenarios import (
    AddDoctors,
    Exempt,
    RemoveDoctors,
    RemoveMunicipality,
    Scenario,
    quick_scenario,
    read_scenarios,
)
from solver.whatif import Outcome, WhatIfResult, run_whatif

FORMATS_OUT = ("table", "csv", "json")
WIDE = 150
SCOPES = ", ".join(SCOPE_WORDS)


def _date(text: str | None, option: str) -> dt.date | None:
    return None if text is None else parse_date(text, option)


def quick_scenarios(
    exempt: str | None,
    start: str | None,
    end: str | None,
    scope: str,
    remove_municipality: str | None,
    remove_doctor: list[str],
    add_doctors: int,
    municipality: str | None,
    instance: Instance | None = None,
) -> list[Scenario]:
    """One scenario per quick flag given, named in words (doctor and municipality names from
    `instance` where it knows them)."""

    def doctor(i: str) -> str:
        return instance.doctor(i).name if instance and instance.has_doctor(i) else i

    def muni(i: str) -> str:
        known = {m.id: m.name for m in instance.legevakt.municipalities} if instance else {}
        return known.get(i, i)

    out: list[Scenario] = []
    problems: list[Problem] = []
    if exempt is not None:
        sc = scope_from_word(scope)
        if sc is None:
            problems.append(Problem(field="--scope", message=f"ukjent omfang «{scope}» ({SCOPES})"))
        else:
            change = Exempt.model_validate(
                {
                    "exempt": exempt,
                    "from": _date(start, "--from"),
                    "to": _date(end, "--to"),
                    "scope": sc,
                }
            )
            span = f" fra {_date(start, '--from'):%d.%m.%Y}" if start else ""
            span += f" til {_date(end, '--to'):%d.%m.%Y}" if end else ""
            what = "" if sc == Scope.all else f" ({SCOPE_NO[sc]})"
            out.append(quick_scenario(f"{doctor(exempt)} fritatt{what}{span}", [change]))
    elif start or end:
        problems.append(Problem(field="--from/--to", message="gjelder bare sammen med --exempt"))
    if remove_municipality:
        out.append(
            quick_scenario(
                f"{muni(remove_municipality)} går ut",
                [RemoveMunicipality(remove_municipality=remove_municipality)],
            )
        )
    if remove_doctor:
        out.append(
            quick_scenario(
                f"uten {', '.join(doctor(i) for i in remove_doctor)}",
                [RemoveDoctors(remove_doctors=tuple(remove_doctor))],
            )
        )
    if add_doctors:
        if municipality is None:
            problems.append(
                Problem(field="--municipality", message="--add-doctors krever --municipality")
            )
        else:
            out.append(
                quick_scenario(
                    f"{plural(add_doctors, 'ny lege', 'nye leger')} i {muni(municipality)}",
                    [AddDoctors(add_doctors=add_doctors, municipality=municipality)],
                )
            )
    if problems:
        raise InputError(problems)
    return out


def run_whatif_command(
    instance_path: Path,
    scenario_file: Path | None,
    baseline: Path | None,
    exempt: str | None,
    start: str | None,
    end: str | None,
    scope: str,
    remove_municipality: str | None,
    remove_doctor: list[str] | None,
    add_doctors: int,
    municipality: str | None,
    format: str,
    chart: Path | None,
    all_doctors: bool,
    time_limit: float,
    baseline_time_limit: float,
    seed: int,
) -> None:
    """The body of `legevakt whatif` (its options: legevakt/cli.py)."""
    from legevakt.cli import EXIT_IMPOSSIBLE, EXIT_INVALID

    fmt = format.strip().lower()
    if fmt not in FORMATS_OUT:
        raise InputError(
            [Problem(field="--format", message=f"ukjent format «{format}» (table, csv eller json)")]
        )
    if chart is not None and chart.suffix.lower() not in CHART_FORMATS:
        raise InputError([Problem(field="--chart", message="diagrammet må være .png eller .svg")])
    instance = load_instance(instance_path)
    scenarios = read_scenarios(scenario_file) if scenario_file is not None else []
    scenarios += quick_scenarios(
        exempt,
        start,
        end,
        scope,
        remove_municipality,
        remove_doctor or [],
        add_doctors,
        municipality,
        instance,
    )
    if not scenarios:
        raise InputError(
            [
                Problem(
                    field="--scenario",
                    message="oppgi en scenariofil eller et hurtigvalg (f.eks. --exempt)",
                )
            ]
        )
    base = read_roster_csv(instance, baseline) if baseline is not None else None
    err = make_console(sys.stderr)
    result = run_whatif(
        instance,
        scenarios,
        base,
        scenario_seconds=time_limit,
        baseline_seconds=baseline_time_limit,
        seed=seed,
        progress=lambda name: line(err, f"Beregner: {name} …", "dim"),
    )
    out = make_console()
    if not out.is_terminal and out.width < WIDE:
        out.width = WIDE  # the tables are wide; a file or pipe gets them whole
    if fmt == "csv":
        sys.stdout.write(whatif_csv(result))
    elif fmt == "json":
        sys.stdout.write(json.dumps(whatif_json(result), ensure_ascii=False, indent=1) + "\n")
    else:
        print_whatif(out, result, all_doctors)
    if chart is not None:
        panels = [(o.name, o.comparison) for o in result.outcomes if o.comparison is not None]
        if panels:
            load_chart(panels, chart)
            line(err, f"Skrev diagrammet til {chart}.")
    if any(o.status == "invalid" for o in result.outcomes):
        raise typer.Exit(EXIT_INVALID)
    if any(o.comparison is None for o in result.outcomes):
        raise typer.Exit(EXIT_IMPOSSIBLE)


# --------------------------------------------------------------------------- output


def whatif_csv(result: WhatIfResult) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for o in result.outcomes:
        if o.comparison is not None:
            for row in table_rows(o.name, o.comparison):
                writer.writerow({k: csv_field(v) for k, v in row.items()})  # no formulas
    return buf.getvalue()


def whatif_json(result: WhatIfResult) -> dict[str, Any]:
    return {
        "baseline": {"status": result.baseline_status, "breaches": result.baseline_breaches},
        "scenarios": [
            {
                "name": o.name,
                "status": o.status,
                "verdict": o.verdict,
                "problems": o.problems,
                "seconds": round(o.seconds, 2),
                "holes_proven": o.holes_proven,
                "comparison": o.comparison.to_dict() if o.comparison is not None else None,
            }
            for o in result.outcomes
        ],
        "seconds": round(result.seconds, 2),
    }


def _n(value: float | None, decimals: int = 0) -> str:
    return "–" if value is None else number_no(value, decimals)


def _change(before: float | None, after: float | None, decimals: int = 0) -> str:
    """'12' when unchanged, '12→14' when changed, 'ny 14' or '12 ut' when one side is missing."""
    if before is None and after is None:
        return "–"
    if before is None:
        return f"ny {_n(after, decimals)}"
    if after is None:
        return f"{_n(before, decimals)} ut"
    if round(after - before, decimals) == 0:
        return _n(after, decimals)
    return f"{_n(before, decimals)}→{_n(after, decimals)}"


def _diff(before: float | None, after: float | None) -> str:
    diff = (after or 0) - (before or 0)
    if round(diff) == 0:
        return ""
    return ("+" if diff > 0 else "−") + number_no(abs(diff), 0)


def _get(load: Load | None, key: str) -> float | None:
    return None if load is None else getattr(load, key)  # type: ignore[no-any-return]


def _changed(r: Row) -> bool:
    if r.before is None or r.after is None:
        return True
    keys = ("shifts", "points", "nights", "weekends", "holidays")
    return any(getattr(r.before, k) != getattr(r.after, k) for k in keys)


def load_table(rows: list[Row], title: str, first: str, municipalities: bool = False) -> Table:
    """Before→after per column; the change in burden points in a column of its own."""
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column(first, no_wrap=True)
    t.add_column(
        "Leger" if municipalities else "Kommune",
        justify="right" if municipalities else "left",
        no_wrap=True,
    )
    heads = (
        "Vakter",
        "Poeng",
        "Endr.",
        "Netter",
        "Helger",
        "Helligd.",
        "Timer tilst.",
        "Timer hjemme",
    )
    for head in heads:
        t.add_column(head, justify="right", no_wrap=True)
    if not municipalities:
        t.add_column("Rettf. andel", justify="right", no_wrap=True)
    for r in rows:
        second = (
            _change(r.doctors_before if r.before else None, r.doctors_after if r.after else None)
            if municipalities
            else r.municipality
        )
        cells = [r.name, second]
        cells.append(_change(_get(r.before, "shifts"), _get(r.after, "shifts")))
        cells.append(_change(_get(r.before, "points"), _get(r.after, "points")))
        cells.append(_diff(_get(r.before, "points"), _get(r.after, "points")))
        for key in ("nights", "weekends", "holidays", "hours_onsite", "hours_standby"):
            cells.append(_change(_get(r.before, key), _get(r.after, key)))
        if not municipalities:
            cells.append(_change(_get(r.before, "target"), _get(r.after, "target"), 1))
        t.add_row(*cells)
    return t


def print_whatif(console: Console, result: WhatIfResult, all_doctors: bool) -> None:
    base = {"given": "gjeldende plan fra fil"}.get(result.baseline_status, "plan laget nå")
    line(console, f"Grunnlag: {base}.", "bold")
    for o in result.outcomes:
        console.print()
        line(console, f"Scenario: {o.name}", "bold underline")
        if o.comparison is None:
            _print_failed(console, o)
            continue
        c = o.comparison
        rows = c.doctors if all_doctors else [r for r in c.doctors if _changed(r)]
        if rows:
            console.print(
                load_table(
                    rows, "Leger med endret belastning" if not all_doctors else "Alle leger", "Lege"
                )
            )
        else:
            line(console, "Ingen lege får endret belastning.")
        console.print(load_table(c.municipalities, "Kommuner", "Kommune", municipalities=True))
        _print_uncovered(console, c)
        if c.uncovered_after.total and not o.holes_proven:
            line(
                console,
                "Kanskje flere hull enn nødvendig: tidsgrensen var for kort til å bevise at færre "
                "er umulig (prøv --time-limit 10).",
                "yellow",
            )
        line(
            console,
            f"Største avvik fra rettferdig andel: {number_no(c.max_deviation_before)} → "
            f"{number_no(c.max_deviation_after)} poeng.",
        )
        if c.breaches_after:
            line(
                console,
                f"Merk: {plural(c.breaches_after, 'regelbrudd', 'regelbrudd')} i planen for scenariet.",
                "red",
            )
    console.print()
    line(console, "Svar:", "bold")
    for o in result.outcomes:
        line(console, f"  {o.verdict}")


def _print_failed(console: Console, o: Outcome) -> None:
    if o.status == "invalid":
        line(console, "Scenariet kan ikke brukes på denne legevakten:", "red")
    elif o.status == "infeasible":
        line(console, "Ingen plan kan oppfylle reglene i dette scenariet:", "red")
    else:
        line(console, "Fant ingen plan innen tidsgrensen (prøv høyere --time-limit).", "red")
    for p in o.problems:
        line(console, f"  - {p}")


def _print_uncovered(console: Console, c: Comparison) -> None:
    u0, u1 = c.uncovered_before, c.uncovered_after
    line(
        console,
        f"Vakter uten lege: {u0.total} → {u1.total}"
        + (f" (netter {u0.nights} → {u1.nights})" if u0.nights or u1.nights else "")
        + ".",
    )
