"""`legevakt check --changes` and `legevakt ledger`: the worked roster after publication.

Thin: reads the instance, the published roster and changes.csv, calls roster.changes and
roster.ledger, prints tables with rich or CSV/JSON for machines, writes the carry-over.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from legevakt.render import (
    group_by_rule,
    line,
    make_console,
    municipality_name,
    plural,
    rule_heading,
    signed_no,
)
from roster.changes import Blamed, ChangeCheck, judge
from roster.errors import InputError, Problem
from roster.formats.changes import read_changes_csv
from roster.formats.exchange import read_roster_csv
from roster.formats.ledger import ledger_csv_text, ledger_json_text, write_history_yaml
from roster.glossary import CHANGE_KIND_NO, number_no
from roster.instance import Instance, load_instance
from roster.ledger import Ledger, LedgerLine, ledger, month_window

EXIT_OK = 0
EXIT_BREACHES = 1
EXIT_INVALID = 2
FORMATS_OUT = ("table", "csv", "json")
WIDE = 190


# --------------------------------------------------------------------------- check --changes


def _blame(b: Blamed) -> str:
    c = b.change
    if c is None:
        return "fra den publiserte planen"
    who = " → ".join(x or "–" for x in (c.from_doctor, c.to_doctor))
    return f"endring linje {c.line} ({CHANGE_KIND_NO[c.kind]} {who})"


def _print_blamed(console: Console, instance: Instance, items: list[Blamed], style: str) -> None:
    by_id = {id(b.finding): b for b in items}
    for rule, findings in group_by_rule(b.finding for b in items).items():
        line(console, f"{rule_heading(instance, rule)}: {len(findings)}", f"bold {style}")
        for f in findings:
            line(console, f"  {_blame(by_id[id(f)])}: {f}", style)


def print_change_check(
    console: Console, instance: Instance, roster_name: str, changes_name: str, cc: ChangeCheck
) -> int:
    """The worked roster's verdict; returns the exit code (0 clean, 1 breaches)."""
    line(
        console,
        f"Kontroll av gjennomført plan: {roster_name} med "
        f"{plural(len(cc.worked.changes), 'endring', 'endringer')} fra {changes_name}",
        "bold",
    )
    console.print()
    if cc.breaches:
        line(console, "Brudd", "bold red")
        _print_blamed(console, instance, cc.breaches, "red")
        console.print()
    if cc.remarks:
        line(console, "Merknader (myke regler, ikke brudd)", "bold yellow")
        _print_blamed(console, instance, cc.remarks, "yellow")
        console.print()
    from_changes = sum(1 for b in cc.breaches if b.change is not None)
    verdict = f"{len(cc.breaches)} brudd"
    if cc.breaches:
        verdict += f" ({from_changes} fra endringene)"
    line(console, verdict, "bold red" if cc.breaches else "bold green")
    return EXIT_BREACHES if cc.breaches else EXIT_OK


def check_changes(instance_path: Path, roster_path: Path, changes_path: Path) -> int:
    instance = load_instance(instance_path)
    roster = read_roster_csv(instance, roster_path)
    changes = read_changes_csv(changes_path)
    cc = judge(instance, roster, changes, changes_path.name)
    return print_change_check(make_console(), instance, roster_path.name, changes_path.name, cc)


# --------------------------------------------------------------------------- ledger


def _hours(minutes: int) -> str:
    return number_no(minutes / 60, 1)


def _moves(x: LedgerLine) -> str:
    m = x.moves
    parts = [
        (m["swapped_in"], "byttet inn"),
        (m["swapped_out"], "byttet bort"),
        (m["given_away"], "gitt bort"),
        (m["taken_given"], "overtatt"),
        (m["taken_from_board"], "fra vaktbørs"),
        (m["leader_in"], "flyttet inn av leder"),
        (m["leader_out"], "flyttet ut av leder"),
    ]
    return ", ".join(f"{n} {what}" for n, what in parts if n) or "–"


def ledger_table(instance: Instance, rows: list[LedgerLine], title: str, doctors: bool) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Lege" if doctors else "Kommune")
    if doctors:
        table.add_column("Kommune")
    for name in (
        "Tildelt",
        "Gjort",
        "Frivillig ekstra",
        "Timer tilstede",
        "Timer hjemmevakt",
        "Poeng",
        "Mål",
        "Avvik",
        "Netter",
        "Helg/høytid",
    ):
        table.add_column(name, justify="right")
    table.add_column("Endringer")
    for x in rows:
        dev = x.deviation
        cells = [x.name]
        if doctors:
            cells.append(municipality_name(instance.legevakt, x.municipality))
        cells += [
            str(x.assigned.duties),
            str(x.worked.duties),
            str(x.voluntary.duties) if x.voluntary.duties else "–",
            _hours(x.worked.minutes_onsite),
            _hours(x.worked.minutes_standby),
            str(x.worked.points),
            "–" if x.target is None else number_no(x.target, 1),
            "–" if dev is None else signed_no(dev, 1),
            str(x.count_by_category["night"]),
            str(x.count_by_category["weekend"]),
            _moves(x),
        ]
        table.add_row(*cells, style="red" if dev is not None and abs(dev) >= 1.5 else None)
    return table


def print_ledger(console: Console, instance: Instance, led: Ledger) -> None:
    changed = [d for d in led.doctors if d.assigned.duties or d.worked.duties]
    console.print(
        ledger_table(
            instance, changed, "Tildelt og gjort per lege (poeng mot mål for perioden)", True
        )
    )
    console.print(ledger_table(instance, led.municipalities, "Per kommune", False))
    extra = sum(d.voluntary.duties for d in led.doctors)
    line(
        console,
        f"{plural(len(led.worked.changes), 'endring', 'endringer')}; "
        f"frivillig ekstra (overtatt eller fra vaktbørs): {plural(extra, 'vakt', 'vakter')}.",
    )


def parse_month(text: str) -> tuple[dt.date, dt.date]:
    try:
        year, month = (int(x) for x in text.strip().split("-"))
        return month_window(year, month)
    except ValueError:
        raise InputError(
            [Problem(field="--month", message=f"ugyldig måned «{text}» (bruk ÅÅÅÅ-MM)")]
        ) from None


def run_ledger(
    instance_path: Path,
    roster_path: Path,
    changes_path: Path | None,
    format: str,
    month: str | None,
    carry_out: Path | None,
) -> None:
    """The body of `legevakt ledger` (its options: legevakt/cli.py)."""
    if format not in FORMATS_OUT:
        raise InputError(
            [
                Problem(
                    field="--format",
                    message=f"ukjent format «{format}» (bruk {', '.join(FORMATS_OUT)})",
                )
            ]
        )
    window = parse_month(month) if month is not None else None
    if window is not None and carry_out is not None:
        raise InputError(
            [
                Problem(
                    field="--carry-out", message="overføringen gjelder hele perioden, ikke --month"
                )
            ]
        )
    instance = load_instance(instance_path)
    roster = read_roster_csv(instance, roster_path)
    changes = read_changes_csv(changes_path) if changes_path is not None else []
    led = ledger(instance, roster, changes, window)
    if format == "csv":
        sys.stdout.write(ledger_csv_text(led))
    elif format == "json":
        sys.stdout.write(ledger_json_text(led, instance.name))
    else:
        console = make_console()
        if not console.is_terminal and console.width < WIDE:
            console.width = WIDE  # the tables are wide; a file or pipe gets them whole
        print_ledger(console, instance, led)
    if carry_out is not None:
        note = (
            f"Overføring fra «{instance.name}» ({instance.period.start}–{instance.period.end}).\n"
            "Lim inn under history: i neste periodes instance.yaml."
        )
        write_history_yaml(led.history, carry_out, note)
        line(make_console(sys.stderr), f"Skrev {carry_out}.")
    raise typer.Exit(EXIT_OK)
