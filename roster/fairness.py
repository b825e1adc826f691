"""Fairness accounting: the one implementation the solver and every report use.

Burden is points, not a count: each shift type has burden points (nights, weekends and
on-site duty weigh more, as the leader sets them).

A doctor's fair share (weight) is the participation share times the burden the doctor can
take at all: shifts in the doctor's pool that no exemption, no long leave (permisjon,
sykmelding) and no missing course rules out. Holidays and courses do not reduce the share:
the doctor takes it at other times. Doctors with a fixed number of shifts by agreement, and
doctors who can take nothing, are outside the comparison.

target(d) = (B + C) * weight(d) / sum(weights) - carry(d), where B is the burden the compared
doctors carry in this roster and C the sum of their carry-over from earlier periods (points
above target then; positive carry lowers the target now).

Per category (nights, weekends and holidays, big holidays) the same without carry-over, and
per member municipality: its doctors' burden against its key (population, equal, agreed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from roster.calendar import Shift
from roster.eligibility import absent_on, courses_valid_for, exempt, in_pool
from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.model import ABSENCES_REDUCING_TARGET, CostKey, Doctor, Mode

CATEGORIES = ("night", "weekend", "big_holiday")


def in_category(shift: Shift, category: str) -> bool:
    if category == "night":
        return shift.is_night
    if category == "weekend":
        return shift.is_weekend
    if category == "big_holiday":
        return shift.big_holiday is not None
    raise ValueError(category)


def can_carry(doctor: Doctor, shift: Shift, instance: Instance) -> bool:
    """Counts toward the doctor's fair share: pool, exemptions, long leave, courses."""
    rules = instance.rules
    return (
        in_pool(doctor, shift)
        and exempt(doctor, shift, rules) is None
        and not absent_on(doctor, shift.date, ABSENCES_REDUCING_TARGET)
        and courses_valid_for(doctor, shift, rules)
    )


@dataclass(frozen=True)
class Basis:
    """Everything about fairness that does not depend on the roster."""

    weights: dict[str, float]  # compared doctors only; sums to 1
    category_weights: dict[str, dict[str, float]]  # per category; sums to 1 (or empty)
    carry: dict[str, float]
    municipality_keys: dict[str, float]  # sums to 1

    @property
    def compared(self) -> list[str]:
        return sorted(self.weights)


def _normalise(raw: dict[str, float]) -> dict[str, float]:
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items() if v > 0} if total > 0 else {}


def municipality_keys(instance: Instance) -> dict[str, float]:
    munis = instance.legevakt.municipalities
    key = instance.legevakt.cost_key
    if key == CostKey.equal:
        raw = {m.id: 1.0 for m in munis}
    elif key == CostKey.agreed:
        raw = {m.id: float(m.share or 0) for m in munis}
    else:
        raw = {m.id: float(m.population) for m in munis}
    total = sum(raw.values())
    return {k: (v / total if total else 0.0) for k, v in raw.items()}


def basis(instance: Instance) -> Basis:
    shifts = [s for s in instance.shifts if s.needed_always]
    raw: dict[str, float] = {}
    raw_cat: dict[str, dict[str, float]] = {c: {} for c in CATEGORIES}
    for d in instance.doctors:
        if d.fixed_shifts is not None or d.share <= 0:
            continue
        ok = [s for s in shifts if can_carry(d, s, instance)]
        raw[d.id] = d.share * sum(s.points * s.doctors for s in ok)
        for c in CATEGORIES:
            raw_cat[c][d.id] = d.share * sum(s.points * s.doctors for s in ok if in_category(s, c))
    weights = _normalise(raw)
    cat = {c: {k: v for k, v in _normalise(raw_cat[c]).items() if k in weights} for c in CATEGORIES}
    cat = {c: _normalise(v) for c, v in cat.items()}
    carry = {d: float(instance.history.carry_points.get(d, 0.0)) for d in weights}
    return Basis(
        weights=weights,
        category_weights=cat,
        carry=carry,
        municipality_keys=municipality_keys(instance),
    )


@dataclass
class DoctorLoad:
    doctor_id: str
    name: str
    municipality: str
    shifts: int = 0
    points: int = 0
    minutes_onsite: int = 0
    minutes_standby: int = 0
    by_category: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    count_by_category: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    target: float | None = None
    category_targets: dict[str, float] = field(default_factory=dict)

    @property
    def deviation(self) -> float | None:
        return None if self.target is None else self.points - self.target


@dataclass
class MunicipalityLoad:
    municipality_id: str
    name: str
    key: float
    doctors: int = 0
    shifts: int = 0
    points: int = 0
    minutes_onsite: int = 0
    minutes_standby: int = 0
    target: float = 0.0

    @property
    def deviation(self) -> float:
        return self.points - self.target


@dataclass
class FairnessReport:
    doctors: list[DoctorLoad]
    municipalities: list[MunicipalityLoad]
    total_points: int
    max_deviation: float
    spread: float
    gini: float
    category_max_deviation: dict[str, float]
    municipality_max_deviation: float

    def to_dict(self) -> dict[str, object]:
        return {
            "total_points": self.total_points,
            "max_deviation": round(self.max_deviation, 3),
            "spread": round(self.spread, 3),
            "gini": round(self.gini, 4),
            "category_max_deviation": {
                k: round(v, 3) for k, v in self.category_max_deviation.items()
            },
            "municipality_max_deviation": round(self.municipality_max_deviation, 3),
            "doctors": [
                {
                    "doctor_id": d.doctor_id,
                    "name": d.name,
                    "municipality": d.municipality,
                    "shifts": d.shifts,
                    "points": d.points,
                    "target": None if d.target is None else round(d.target, 3),
                    "deviation": None if d.deviation is None else round(d.deviation, 3),
                    "hours_onsite": round(d.minutes_onsite / 60, 2),
                    "hours_standby": round(d.minutes_standby / 60, 2),
                    "points_by_category": d.by_category,
                    "shifts_by_category": d.count_by_category,
                    "category_targets": {k: round(v, 3) for k, v in d.category_targets.items()},
                }
                for d in self.doctors
            ],
            "municipalities": [
                {
                    "municipality_id": m.municipality_id,
                    "name": m.name,
                    "key": round(m.key, 4),
                    "doctors": m.doctors,
                    "shifts": m.shifts,
                    "points": m.points,
                    "target": round(m.target, 3),
                    "deviation": round(m.deviation, 3),
                    "hours_onsite": round(m.minutes_onsite / 60, 2),
                    "hours_standby": round(m.minutes_standby / 60, 2),
                }
                for m in self.municipalities
            ],
        }


def gini(values: Iterable[float]) -> float:
    xs = sorted(v for v in values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    cum = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * cum) / (n * total) - (n + 1) / n


def targets(b: Basis, burden_total: float) -> dict[str, float]:
    """Each compared doctor's target given the compared doctors' total burden."""
    pot = burden_total + sum(b.carry.values())
    return {d: pot * w - b.carry[d] for d, w in b.weights.items()}


def evaluate(instance: Instance, roster: Roster, b: Basis | None = None) -> FairnessReport:
    b = b or basis(instance)
    shifts = {s.id: s for s in instance.shifts}
    loads = {d.id: DoctorLoad(d.id, d.name, d.municipality) for d in instance.doctors}
    for a in roster.assignments:
        s = shifts.get(a.shift_id)
        load = loads.get(a.doctor_id)
        if s is None or load is None:
            continue
        load.shifts += 1
        load.points += s.points
        if s.mode == Mode.onsite:
            load.minutes_onsite += s.minutes
        else:
            load.minutes_standby += s.minutes
        for c in CATEGORIES:
            if in_category(s, c):
                load.by_category[c] += s.points
                load.count_by_category[c] += 1
    compared_total = sum(loads[d].points for d in b.weights)
    tg = targets(b, compared_total)
    for d, t in tg.items():
        loads[d].target = t
    cat_dev: dict[str, float] = {}
    for c in CATEGORIES:
        total_c = sum(loads[d].by_category[c] for d in b.weights)
        devs = []
        for d, w in b.category_weights[c].items():
            loads[d].category_targets[c] = total_c * w
            devs.append(abs(loads[d].by_category[c] - total_c * w))
        # compared doctors who cannot take the category must have none of it
        devs += [
            float(loads[d].by_category[c]) for d in b.weights if d not in b.category_weights[c]
        ]
        cat_dev[c] = max(devs, default=0.0)
    devs_signed = [loads[d].points - tg[d] for d in b.weights]
    all_points = sum(x.points for x in loads.values())
    munis = []
    for m in instance.legevakt.municipalities:
        ml = MunicipalityLoad(m.id, m.name, b.municipality_keys[m.id])
        for load in loads.values():
            if load.municipality == m.id:
                ml.doctors += 1
                ml.shifts += load.shifts
                ml.points += load.points
                ml.minutes_onsite += load.minutes_onsite
                ml.minutes_standby += load.minutes_standby
        ml.target = all_points * ml.key
        munis.append(ml)
    shares = {d.id: d.share for d in instance.doctors}
    return FairnessReport(
        doctors=[loads[d.id] for d in instance.doctors],
        municipalities=munis,
        total_points=all_points,
        max_deviation=max((abs(x) for x in devs_signed), default=0.0),
        spread=(max(devs_signed) - min(devs_signed)) if devs_signed else 0.0,
        gini=gini(loads[d].points / shares[d] for d in b.weights if shares[d] > 0),
        category_max_deviation=cat_dev,
        municipality_max_deviation=max((abs(m.deviation) for m in munis), default=0.0),
    )


def integer_lower_bound(b: Basis, burden_range: tuple[int, int]) -> float:
    """A proven lower bound on the largest deviation from target for any roster.

    Burdens are whole points, so doctor d deviates at least as far as the nearest integer to
    target(d), and the compared doctors' burdens must add up to the total B they carry. For
    each possible B in `burden_range`, the best integers are the rounded targets, with the
    surplus moved one point at a time onto the doctors it costs least. The bound is the
    smallest such worst deviation over the range.
    """
    lo, hi = burden_range
    if not b.weights or hi < lo:
        return 0.0
    best = math.inf
    for total in range(max(0, lo), hi + 1):
        best = min(best, _integer_spread(targets(b, total), total))
        if best == 0:
            break
    return 0.0 if best == math.inf else best


def _integer_spread(tg: dict[str, float], total: int) -> float:
    cur = {d: round(t) for d, t in tg.items()}
    surplus = total - sum(cur.values())
    step = 1 if surplus > 0 else -1
    while surplus != 0:
        moves = sorted(tg, key=lambda d: abs(cur[d] + step - tg[d]))
        for d in moves[: min(abs(surplus), len(moves))]:
            cur[d] += step
            surplus -= step
    return max(abs(cur[d] - tg[d]) for d in tg)
