"""What the `legevakt` command prints: Norwegian text and rich tables built from domain objects.

Formatting only; every figure comes from roster/ or solver/. Numbers use a decimal comma
(roster.glossary.number_no); words come from roster.glossary where it has them.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from roster.checker import CHECKS, CheckResult, Finding
from roster.glossary import (
    COST_KEY_NO,
    DAY_KIND_NO,
    DOCTOR_KIND_NO,
    EXEMPTION_NO,
    MODE_NO,
    ROLE_NO,
    SCOPE_NO,
    number_no,
    parse_date_no,
    signed_no,
)
from roster.instance import Instance
from roster.model import DayKind, Doctor, Legevakt, Role, Scope, ShiftType

if TYPE_CHECKING:  # the solver and the fairness model load only where they are used
    from roster.fairness import FairnessReport
    from solver.solve import StageResult

#: Width for output that is not a terminal (files, pipes, CI logs): wide enough for the tables.
PLAIN_WIDTH = 120


#: Status of a whole solve.
RESULT_STATUS_NO: dict[str, str] = {
    "optimal": "optimal vaktplan (alle trinn bevist optimale)",
    "feasible": (
        "gyldig vaktplan, men ikke bevist optimal på alle trinn "
        "(lengre --time-limit kan gi en jevnere plan)"
    ),
    "infeasible": "ingen vaktplan kan oppfylle de harde reglene",
    "no_solution": "fant ingen vaktplan innen tidsgrensen",
}

#: At most this many findings per rule in the solve summary (`legevakt check` lists all).
FINDINGS_PER_RULE_IN_SUMMARY = 10


# --------------------------------------------------------------------------- consoles


def make_console(stream: TextIO | None = None) -> Console:
    """A console on stdout (or `stream`). Not a terminal: no colours, a fixed wide width."""
    file = stream or sys.stdout
    terminal = _isatty(file)
    width = None if terminal or "COLUMNS" in os.environ else PLAIN_WIDTH
    return Console(file=file, width=width, highlight=False)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def line(console: Console, text: str | Text, style: str | None = None) -> None:
    """One line of data, printed as is: no markup, no wrapping into several lines."""
    out = text if isinstance(text, Text) else Text(text, style=style or "")
    console.print(out, soft_wrap=True, markup=False, highlight=False)


# --------------------------------------------------------------------------- small words


def date_no(day: dt.date) -> str:
    return f"{day:%d.%m.%Y}"


def parse_date(text: str, option: str) -> dt.date:
    """A date from an option, as 2027-03-01 or 01.03.2027; InputError naming the option."""
    return parse_date_no(text, option)


def share_no(value: float) -> str:
    """1 -> '1', 0.5 -> '0,5', 0.333 -> '0,33'."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def nok(amount: int) -> str:
    """6000 -> '6 000 kr' (space between thousands, as in Norwegian)."""
    return f"{amount:,} kr".replace(",", " ")


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def municipality_name(legevakt: Legevakt | None, mid: str) -> str:
    if legevakt is None:
        return mid
    try:
        return legevakt.municipality(mid).name
    except KeyError:
        return mid


def rule_heading(instance: Instance, rule: str) -> str:
    return f"{instance.rules.title(rule)} [{rule}]"


# --------------------------------------------------------------------------- validate


def print_instance_summary(console: Console, instance: Instance, filename: str) -> None:
    lv = instance.legevakt
    days = len(instance.period.dates())
    line(console, f"{filename} er gyldig: «{instance.name}».", "bold green")
    line(console, f"Legevakt: {lv.name} ({lv.host})")
    line(
        console,
        f"Periode: {date_no(instance.period.start)}–{date_no(instance.period.end)} ({days} dager)",
    )
    per_muni = Counter(d.municipality for d in instance.doctors)
    parts = [f"{m.name} {per_muni.get(m.id, 0)}" for m in lv.municipalities]
    line(console, f"Leger: {len(instance.doctors)} ({', '.join(parts)})")
    line(console, f"Fordelingsnøkkel mellom kommunene: {COST_KEY_NO[lv.cost_key]}")
    docs = instance.doctors
    line(
        console,
        f"Leger med fritak: {sum(1 for d in docs if d.exemptions)}, med fravær: "
        f"{sum(1 for d in docs if d.absences)}, med ønsker: {sum(1 for d in docs if d.wishes)}, "
        f"med avtalt antall vakter: {sum(1 for d in docs if d.fixed_shifts is not None)}",
    )
    print_shift_types(console, instance)
    record = instance.rules.record()
    line(console, f"Regelsett: {record['ruleset']} versjon {record['version']}")
    if not instance.rule_overrides:
        line(console, "Lokale overstyringer: ingen")
    for o in instance.rule_overrides:
        values = ", ".join(f"{k}={_param_no(v)}" for k, v in o.params.items())
        when = _valid_range(o.valid_from, o.valid_to)
        reason = f" – {' '.join(o.reason.split())}" if o.reason else ""
        line(
            console, f"Lokal overstyring: {rule_heading(instance, o.rule)}: {values}{when}{reason}"
        )


def print_warnings(console: Console, warnings: list[str]) -> None:
    """What cannot work, before solving: one line each, or a line saying there is nothing."""
    if not warnings:
        line(console, "Advarsler: ingen")
    for text in warnings:
        line(console, f"Advarsel: {text}", "yellow")


def _param_no(value: object) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, float):
        return number_no(value, 2).rstrip("0").rstrip(",")
    return str(value)


def date_span(start: dt.date | None, end: dt.date | None) -> str:
    """'01.01.2027–30.06.2027', 'fra 01.01.2027', 'til 30.06.2027' or ''."""
    if start and end:
        return f"{date_no(start)}–{date_no(end)}"
    if start:
        return f"fra {date_no(start)}"
    return f"til {date_no(end)}" if end else ""


def _valid_range(start: dt.date | None, end: dt.date | None) -> str:
    span = date_span(start, end)
    return f" (gjelder {span})" if span else ""


def print_shift_types(console: Console, instance: Instance) -> None:
    """One line per shift type, with how many concrete shifts the period has of it."""
    counts = Counter(s.type_id for s in instance.shifts)
    width = max(len(t.id) for t in instance.shift_types)
    line(console, "Vakttyper:")
    for t in instance.shift_types:
        parts = [f"{t.start:%H:%M}–{t.end:%H:%M}", ROLE_NO[t.role]]
        parts.append(
            MODE_NO[t.mode] + (f" ({t.response_minutes} min)" if t.response_minutes else "")
        )
        if t.doctors > 1:
            parts.append(f"{t.doctors} leger")
        parts += [days_no(t.days), _pool_text(instance.legevakt, t), f"{t.points} poeng"]
        n = counts.get(t.id, 0)
        amount = plural(n, "vakt", "vakter")
        if t.role == Role.backup_competence:
            amount = f"inntil {amount} (bemannes når lege i vakt trenger bakvakt)"
        line(console, f"  {t.id:<{width}}  {t.label}: {', '.join(parts)} – {amount}")


WEEKEND_KINDS = frozenset({DayKind.saturday, DayKind.sunday, DayKind.holiday, DayKind.holiday_eve})


def days_no(kinds: Sequence[DayKind]) -> str:
    """The day kinds of a shift type in few words: 'alle dager', 'hverdager', ..."""
    chosen = set(kinds)
    if chosen == set(DayKind):
        return "alle dager"
    if chosen == {DayKind.weekday}:
        return "hverdager"
    if chosen == WEEKEND_KINDS:
        return "helg og helligdager"
    return ", ".join(DAY_KIND_NO[k] for k in DayKind if k in chosen)


def _pool_text(legevakt: Legevakt, t: ShiftType) -> str:
    if t.pool is None:
        return "alle kommuner"
    return "bare " + ", ".join(municipality_name(legevakt, m) for m in t.pool)


# --------------------------------------------------------------------------- import-staff


def staff_table(doctors: Sequence[Doctor], legevakt: Legevakt | None) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Id")
    table.add_column("Navn")
    table.add_column("Kommune")
    table.add_column("Type")
    table.add_column("Andel", justify="right")
    table.add_column("Fritak")
    for d in doctors:
        share = share_no(d.share)
        if d.fixed_shifts is not None:
            share = f"{d.fixed_shifts} vakter (avtalt)"
        table.add_row(
            d.id,
            d.name,
            municipality_name(legevakt, d.municipality),
            DOCTOR_KIND_NO[d.kind],
            share,
            "; ".join(_exemption_text(d)) or "–",
        )
    return table


def _exemption_text(d: Doctor) -> list[str]:
    out = []
    for e in d.exemptions:
        scope = SCOPE_NO[e.scope]
        if e.scope == Scope.shift_types:
            scope = ", ".join(e.shift_types)
        text = f"{EXEMPTION_NO[e.kind]} ({scope})"
        if e.start or e.end:
            text += ", " + date_span(e.start, e.end)
        if not e.claimed:
            text += ", ikke krevd"
        out.append(text)
    return out


# --------------------------------------------------------------------------- check


def group_by_rule(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings per rule id, in the rule set's order."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.rule].append(f)
    order = {rule: i for i, rule in enumerate(CHECKS)}
    return dict(sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def print_findings(
    console: Console,
    instance: Instance,
    findings: Iterable[Finding],
    style: str,
    limit: int | None = None,
) -> None:
    for rule, items in group_by_rule(findings).items():
        line(console, f"{rule_heading(instance, rule)}: {len(items)}", f"bold {style}")
        shown = items if limit is None else items[:limit]
        for f in shown:
            line(console, f"  {f}", style)
        if len(shown) < len(items):
            line(console, f"  … og {len(items) - len(shown)} til (se legevakt check)", style)


def print_days_off(console: Console, instance: Instance, days_off: dict[str, object]) -> None:
    """Days off after on-site nights, one line per doctor; `days_off` from solver.report."""
    rows = days_off["days"]
    assert isinstance(rows, list)
    if not rows:
        return
    cost = days_off["total_cost_nok"]
    head = f"Fri etter tilstedevakt natt (praksiskompensasjon): {plural(len(rows), 'dag', 'dager')}"
    if isinstance(cost, int):
        head += f", kostnad {nok(cost)}"
    line(console, head, "bold")
    per_doctor: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        per_doctor[f"{r['doctor_name']} ({r['doctor_id']})"].append(
            date_no(dt.date.fromisoformat(r["date"]))[:5]
        )
    for who, days in sorted(per_doctor.items()):
        line(console, f"  {who}: {', '.join(days)}")


def print_check(
    console: Console, instance: Instance, result: CheckResult, days_off: dict[str, object]
) -> None:
    """The full checker report: breaches by rule, remarks, days off."""
    if result.breaches:
        line(console, "Brudd", "bold red")
        print_findings(console, instance, result.breaches, "red")
        console.print()
    if result.remarks:
        line(console, "Merknader (myke regler, ikke brudd)", "bold yellow")
        print_findings(console, instance, result.remarks, "yellow")
        console.print()
    if days_off["count"]:
        print_days_off(console, instance, days_off)
        console.print()


# --------------------------------------------------------------------------- solve


def stage_table(stages: Sequence[StageResult]) -> Table:
    from roster import fairness_view  # the fairness model loads only where it is used

    table = Table(title="Slik ble planen laget", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Trinn")
    table.add_column("Resultat")
    table.add_column("Status")
    table.add_column("Tid", justify="right")
    lines = fairness_view.stage_lines([s.to_dict() for s in stages])
    for s, text in zip(stages, lines, strict=True):
        table.add_row(text.name, text.result, text.status, f"{number_no(s.seconds, 1)} s")
    return table


def doctor_table(instance: Instance, report: FairnessReport) -> Table:
    """Per doctor: each category as count / target (▲▼ outside the band), points against
    target; the largest deviations first."""
    from roster import fairness_view

    table = Table(
        title="Per lege: antall mot mål (▲ over, ▼ under båndet), største avvik øverst",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("Navn")
    table.add_column("Kommune")
    categories = [k for k in fairness_view.kinds(instance) if not k.key.startswith("type:")]
    for kind in categories:
        table.add_column(kind.label, justify="right")
    for name in ("Poeng", "Mål", "Avvik"):
        table.add_column(name, justify="right")
    for row in fairness_view.doctor_rows(instance, report):
        cells = [
            row.counts[i] for i, k in enumerate(fairness_view.kinds(instance)) if k in categories
        ]
        d = row.load
        table.add_row(
            d.name,
            row.municipality,
            *("–" if c is None else f"{c.text}{' ' + c.mark if c.mark else ''}" for c in cells),
            str(d.points),
            "–" if d.target is None else number_no(d.target, 1),
            row.deviation_text,
            style="red" if row.outside else None,
        )
    return table


def like_doctors_line(report: FairnessReport) -> str | None:
    """Like doctors (the same targets for everything) and how far apart they are."""
    n = sum(len(g) for g in report.like_groups)
    if not n:
        return None
    worst = report.worst_like_spread
    return (
        f"{n} leger har samme mål som minst én annen; blant dem er forskjellen i antall av hver "
        f"kategori og vakttype høyst {worst}."
    )


def municipality_table(instance: Instance, report: FairnessReport) -> Table:
    key = COST_KEY_NO[instance.legevakt.cost_key]
    table = Table(
        title=f"Kommunenes andel (fordelingsnøkkel: {key})",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("Kommune")
    for name in (
        "Nøkkel",
        "Leger",
        "Vakter",
        "Poeng",
        "Mål",
        "Avvik",
        "Timer tilstede",
        "Timer hjemmevakt",
    ):
        table.add_column(name, justify="right")
    for m in report.municipalities:
        table.add_row(
            m.name,
            f"{number_no(100 * m.key, 1)} %",
            str(m.doctors),
            str(m.shifts),
            str(m.points),
            number_no(m.target, 1),
            signed_no(m.deviation, 1),
            number_no(m.minutes_onsite / 60, 1),
            number_no(m.minutes_standby / 60, 1),
        )
    return table


def outside_comparison_note(report: FairnessReport) -> str | None:
    n = sum(1 for d in report.doctors if d.target is None)
    if not n:
        return None
    return (
        f"«–»: {plural(n, 'lege', 'leger')} utenfor sammenligningen "
        "(avtalt antall vakter, andel 0 eller kan ikke ta noen vakter)."
    )
