"""Duty loads before and after a change: per doctor, per municipality, and a verdict in
plain Norwegian. Pure: two (instance, roster) pairs in, rows out. Used by `legevakt whatif`."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from roster.calendar import Shift
from roster.fairness import FairnessReport, evaluate
from roster.formats.exchange import Roster, holes
from roster.glossary import number_no
from roster.instance import Instance
from roster.model import Mode


@dataclass(frozen=True)
class Load:
    """One doctor's (or one municipality's) duties in a roster."""

    shifts: int = 0
    points: int = 0
    target: float | None = None  # fair share of burden points (doctors only)
    nights: int = 0
    weekends: int = 0  # Saturdays and Sundays
    holidays: int = 0  # public holidays and holiday eves
    hours_onsite: float = 0.0
    hours_standby: float = 0.0


LOAD_FIELDS = (
    "shifts",
    "points",
    "target",
    "nights",
    "weekends",
    "holidays",
    "hours_onsite",
    "hours_standby",
)


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    municipality: str
    before: Load | None  # None: not in the legevakt before
    after: Load | None  # None: not in the legevakt after
    doctors_before: int = 1
    doctors_after: int = 1

    @property
    def shifts_diff(self) -> int:
        return (self.after.shifts if self.after else 0) - (self.before.shifts if self.before else 0)

    @property
    def points_diff(self) -> int:
        return (self.after.points if self.after else 0) - (self.before.points if self.before else 0)


@dataclass(frozen=True)
class Uncovered:
    total: int
    nights: int
    weekends: int


@dataclass
class Comparison:
    doctors: list[Row]
    municipalities: list[Row]
    uncovered_before: Uncovered
    uncovered_after: Uncovered
    max_deviation_before: float
    max_deviation_after: float
    breaches_after: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _add(load: dict[str, float], s: Shift) -> None:
    load["shifts"] += 1
    load["points"] += s.points
    load["nights"] += 1 if s.is_night else 0
    load["weekends"] += 1 if s.date.weekday() >= 5 else 0
    load["holidays"] += 1 if s.day_kind.value in ("holiday", "holiday_eve") else 0
    key = "hours_onsite" if s.mode == Mode.onsite else "hours_standby"
    load[key] += s.minutes / 60


def _empty() -> dict[str, float]:
    return {k: 0 for k in ("shifts", "points", "nights", "weekends", "holidays")} | {
        "hours_onsite": 0.0,
        "hours_standby": 0.0,
    }


def _load(raw: dict[str, float], target: float | None) -> Load:
    return Load(
        shifts=int(raw["shifts"]),
        points=int(raw["points"]),
        target=None if target is None else round(target, 3),
        nights=int(raw["nights"]),
        weekends=int(raw["weekends"]),
        holidays=int(raw["holidays"]),
        hours_onsite=round(raw["hours_onsite"], 2),
        hours_standby=round(raw["hours_standby"], 2),
    )


def loads(
    instance: Instance, roster: Roster, report: FairnessReport | None = None
) -> tuple[dict[str, Load], dict[str, Load]]:
    """Per doctor id and per municipality id (`report`: evaluate(instance, roster), if known)."""
    shifts = {s.id: s for s in instance.shifts}
    per_doctor = {d.id: _empty() for d in instance.doctors}
    per_muni = {m.id: _empty() for m in instance.legevakt.municipalities}
    muni_of = {d.id: d.municipality for d in instance.doctors}
    for a in roster.assignments:
        s = shifts.get(a.shift_id)
        if s is None or a.doctor_id not in per_doctor:
            continue
        _add(per_doctor[a.doctor_id], s)
        _add(per_muni[muni_of[a.doctor_id]], s)
    report = report or evaluate(instance, roster)
    targets = {d.doctor_id: d.target for d in report.doctors}
    # A doctor with no fair share at all (exempt from every shift) has a share of 0; one with
    # an agreed number of shifts (fixed_shifts) has none to compare.
    agreed = {d.id for d in instance.doctors if d.fixed_shifts is not None}
    share = {k: targets.get(k) if k in agreed else targets.get(k) or 0.0 for k in per_doctor}
    return (
        {k: _load(v, share[k]) for k, v in per_doctor.items()},
        {k: _load(v, None) for k, v in per_muni.items()},
    )


def uncovered(instance: Instance, roster: Roster) -> Uncovered:
    found = holes(instance, roster)
    return Uncovered(
        total=sum(n for _, n in found),
        nights=sum(n for s, n in found if s.is_night),
        weekends=sum(n for s, n in found if s.is_weekend),
    )


def compare(
    before: tuple[Instance, Roster],
    after: tuple[Instance, Roster],
    breaches_after: int = 0,
    before_report: FairnessReport | None = None,
) -> Comparison:
    """`before_report`: evaluate() of the before side, when the caller has it already (a
    what-if run compares many scenarios with one baseline)."""
    (i0, r0), (i1, r1) = before, after
    f0 = before_report or evaluate(i0, r0)
    f1 = evaluate(i1, r1)
    d0, m0 = loads(i0, r0, f0)
    d1, m1 = loads(i1, r1, f1)
    doctors0 = {d.id: d for d in i0.doctors}
    doctors1 = {d.id: d for d in i1.doctors}
    muni_names = {m.id: m.name for m in (*i0.legevakt.municipalities, *i1.legevakt.municipalities)}
    doctor_rows = [
        Row(
            id=did,
            name=(doctors1.get(did) or doctors0[did]).name,
            municipality=muni_names[(doctors1.get(did) or doctors0[did]).municipality],
            before=d0.get(did),
            after=d1.get(did),
        )
        for did in [*doctors0, *(k for k in doctors1 if k not in doctors0)]
    ]
    count0 = _count(d.municipality for d in i0.doctors)
    count1 = _count(d.municipality for d in i1.doctors)
    muni_rows = [
        Row(
            id=mid,
            name=muni_names[mid],
            municipality=muni_names[mid],
            before=m0.get(mid),
            after=m1.get(mid),
            doctors_before=count0.get(mid, 0),
            doctors_after=count1.get(mid, 0),
        )
        for mid in [*m0, *(k for k in m1 if k not in m0)]
    ]
    return Comparison(
        doctors=doctor_rows,
        municipalities=muni_rows,
        uncovered_before=uncovered(i0, r0),
        uncovered_after=uncovered(i1, r1),
        max_deviation_before=f0.max_deviation,
        max_deviation_after=f1.max_deviation,
        breaches_after=breaches_after,
    )


def _count(items: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return out


def _signed(value: float, decimals: int = 1) -> str:
    value = round(value, decimals)
    text = number_no(abs(value), decimals)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _target_diffs(rows: Sequence[Row]) -> list[tuple[float, Row]]:
    return [
        (r.after.target - r.before.target, r)
        for r in rows
        if r.before is not None
        and r.after is not None
        and r.before.target is not None
        and r.after.target is not None
    ]


def target_change(rows: Sequence[Row]) -> float | None:
    """Median change in fair share (points) of the doctors present before and after: what
    the change means for a typical colleague, not for the doctor it is about."""
    diffs = [d for d, _ in _target_diffs(rows)]
    return statistics.median(diffs) if diffs else None


def verdict(name: str, c: Comparison) -> str:
    """One line in plain Norwegian, e.g. 'Frosta ut: +1,0 poeng og +0,3 vakter per lege
    (mest i Verdal: +1,1 poeng); 4 netter uten lege'. The points are the change in fair share
    (exact, from the rules); the shifts are what the new plan gives."""
    parts: list[str] = []
    mean = target_change(c.doctors)
    shifts = _mean_shift_change(c)
    if mean is not None and round(mean, 1) != 0:
        text = f"{_signed(mean)} poeng"
        if shifts is not None and round(shifts, 1) != 0:
            text += f" og {_signed(shifts)} vakter"
        text += " per lege"
        by_muni = {
            m: target_change([r for r in c.doctors if r.municipality == m])
            for m in {r.municipality for r in c.doctors}
        }
        known = {m: v for m, v in by_muni.items() if v is not None}
        if known:
            top = max(sorted(known), key=lambda m: known[m] if mean > 0 else -known[m])
            if abs(known[top] - mean) >= 0.1:
                text += f" (mest i {top}: {_signed(known[top])})"
        parts.append(text)
    else:
        parts.append("ingen endring i rettferdig andel for de andre legene")
    typical = mean or 0.0
    odd = [(d, r) for d, r in _target_diffs(c.doctors) if abs(d - typical) >= 2]
    if odd:
        d, r = max(odd, key=lambda dr: (abs(dr[0] - typical), dr[1].name))
        more = f"; {len(odd)} leger skiller seg ut med over 2 poeng" if len(odd) > 1 else ""
        if round(d, 1) == 0:  # the others moved, this doctor did not
            parts.append(f"mest annerledes: {r.name}, uendret{more}")
        else:
            parts.append(f"mest annerledes: {r.name} {_signed(d)} poeng{more}")
    gone = [r.name for r in c.municipalities if r.after is None]
    if gone:
        parts.append(f"{', '.join(gone)} ute")
    new = [r.name for r in c.doctors if r.before is None]
    if new:
        got = sum(r.after.shifts for r in c.doctors if r.before is None and r.after is not None)
        parts.append(f"{len(new)} nye leger tar {got} vakter")
    u0, u1 = c.uncovered_before, c.uncovered_after
    if u1.total:
        what = []
        if u1.nights:
            what.append(f"{u1.nights} {'natt' if u1.nights == 1 else 'netter'}")
        rest = u1.total - u1.nights
        if rest:
            what.append(f"{rest} {'annen vakt' if rest == 1 else 'andre vakter'}")
        parts.append(f"{' og '.join(what)} uten lege")
    elif u0.total:
        parts.append("alle vakter dekket")
    else:
        parts.append("alle vakter fortsatt dekket")
    if c.breaches_after:
        parts.append(f"{c.breaches_after} regelbrudd")
    return f"{name}: " + "; ".join(parts)


def _mean_shift_change(c: Comparison) -> float | None:
    """Mean change in shifts of the typical colleagues: doctors whose fair share moved with
    the median (within 2 points), not those the change is about."""
    typical = target_change(c.doctors) or 0.0
    both = [r for d, r in _target_diffs(c.doctors) if abs(d - typical) < 2]
    if not both:
        return None
    return sum(r.shifts_diff for r in both) / len(both)


#: Columns of `legevakt whatif --format csv`, one row per scenario and doctor or municipality.
CSV_COLUMNS = (
    "scenario",
    "level",
    "id",
    "name",
    "municipality",
    "doctors_before",
    "doctors_after",
    *(f"{k}_{side}" for k in LOAD_FIELDS for side in ("before", "after")),
    "shifts_diff",
    "points_diff",
)


def table_rows(scenario: str, c: Comparison) -> list[dict[str, Any]]:
    """Flat rows for CSV: level 'doctor' or 'municipality'; empty cells where one side has no
    such doctor or municipality."""
    out: list[dict[str, Any]] = []
    for level, rows in (("doctor", c.doctors), ("municipality", c.municipalities)):
        for r in rows:
            row: dict[str, Any] = {
                "scenario": scenario,
                "level": level,
                "id": r.id,
                "name": r.name,
                "municipality": r.municipality,
                "doctors_before": r.doctors_before if r.before else 0,
                "doctors_after": r.doctors_after if r.after else 0,
            }
            for k in LOAD_FIELDS:
                for side, load in (("before", r.before), ("after", r.after)):
                    value = getattr(load, k) if load is not None else None
                    row[f"{k}_{side}"] = "" if value is None else value
            row["shifts_diff"] = r.shifts_diff
            row["points_diff"] = r.points_diff
            out.append(row)
    return out
