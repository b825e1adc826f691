"""Fairness accounting: one roster measured against the fair targets (roster.targets).

Doctors count duties, so every doctor's duties are counted per shift type and per category
(nights, weekends and holidays, weekday evenings, big holidays, back-up duties) beside the
burden points, each against its target. Doctors with the same targets for everything ("like
doctors") should have counts at most one apart: the report gives that spread too.

The solver, the checker's reports, the CLI, the web pages and the benchmark all use this one
implementation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from roster.calendar import Shift
from roster.formats.exchange import Roster
from roster.instance import Instance
from roster.model import Mode
from roster.targets import (
    CATEGORIES,
    Basis,
    basis,
    categories_of,
    in_category,
    integer_lower_bound,
    municipality_keys,
    spread,
)

__all__ = [
    "CATEGORIES",
    "Basis",
    "DoctorLoad",
    "FairnessReport",
    "MunicipalityLoad",
    "basis",
    "evaluate",
    "gini",
    "in_category",
    "integer_lower_bound",
    "municipality_keys",
]


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
    by_type: dict[str, int] = field(default_factory=dict)
    target: float | None = None  # points; None: not compared (agreed count, nothing to carry)
    category_targets: dict[str, float] = field(default_factory=dict)  # duties per category
    type_targets: dict[str, float] = field(default_factory=dict)  # duties per shift type
    fixed: int | None = None  # agreed number of duties

    @property
    def deviation(self) -> float | None:
        return None if self.target is None else self.points - self.target

    def category_deviation(self, category: str) -> float | None:
        t = self.category_targets.get(category)
        return None if t is None else self.count_by_category[category] - t

    def type_deviation(self, type_id: str) -> float | None:
        t = self.type_targets.get(type_id)
        return None if t is None else self.by_type.get(type_id, 0) - t


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
    target: float = 0.0  # points by the cost key, in the shift types it takes part in
    doctors_target: float = 0.0  # its doctors' fair targets added up

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
    category_max_deviation: dict[str, float]  # duties
    type_max_deviation: dict[str, float]  # duties
    like_groups: list[list[str]]
    like_spread: dict[str, int]  # per category and 'type:<id>': largest max - min in a group
    municipality_max_deviation: float

    @property
    def worst_like_spread(self) -> int:
        return max(self.like_spread.values(), default=0)

    def to_dict(self) -> dict[str, object]:
        return {
            "total_points": self.total_points,
            "max_deviation": round(self.max_deviation, 3),
            "spread": round(self.spread, 3),
            "gini": round(self.gini, 4),
            "category_max_deviation": {
                k: round(v, 3) for k, v in self.category_max_deviation.items()
            },
            "type_max_deviation": {k: round(v, 3) for k, v in self.type_max_deviation.items()},
            "like_groups": self.like_groups,
            "like_spread": self.like_spread,
            "municipality_max_deviation": round(self.municipality_max_deviation, 3),
            "doctors": [_doctor_dict(d) for d in self.doctors],
            "municipalities": [
                {
                    "municipality_id": m.municipality_id,
                    "name": m.name,
                    "key": round(m.key, 4),
                    "doctors": m.doctors,
                    "shifts": m.shifts,
                    "points": m.points,
                    "target": round(m.target, 3),
                    "doctors_target": round(m.doctors_target, 3),
                    "deviation": round(m.deviation, 3),
                    "hours_onsite": round(m.minutes_onsite / 60, 2),
                    "hours_standby": round(m.minutes_standby / 60, 2),
                }
                for m in self.municipalities
            ],
        }


def _doctor_dict(d: DoctorLoad) -> dict[str, object]:
    return {
        "doctor_id": d.doctor_id,
        "name": d.name,
        "municipality": d.municipality,
        "shifts": d.shifts,
        "points": d.points,
        "target": None if d.target is None else round(d.target, 3),
        "deviation": None if d.deviation is None else round(d.deviation, 3),
        "fixed_shifts": d.fixed,
        "hours_onsite": round(d.minutes_onsite / 60, 2),
        "hours_standby": round(d.minutes_standby / 60, 2),
        "points_by_category": d.by_category,
        "shifts_by_category": d.count_by_category,
        "category_targets": {k: round(v, 3) for k, v in d.category_targets.items()},
        "shifts_by_type": d.by_type,
        "type_targets": {k: round(v, 3) for k, v in d.type_targets.items()},
    }


def gini(values: Iterable[float]) -> float:
    xs = sorted(v for v in values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    cum = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * cum) / (n * total) - (n + 1) / n


def _count(load: DoctorLoad, s: Shift) -> None:
    load.shifts += 1
    load.points += s.points
    load.by_type[s.type_id] = load.by_type.get(s.type_id, 0) + 1
    if s.mode == Mode.onsite:
        load.minutes_onsite += s.minutes
    else:
        load.minutes_standby += s.minutes
    for c in categories_of(s):
        load.by_category[c] += s.points
        load.count_by_category[c] += 1


def evaluate(instance: Instance, roster: Roster, b: Basis | None = None) -> FairnessReport:
    b = b or basis(instance)
    shifts = {s.id: s for s in instance.shifts}
    type_ids = [t.id for t in instance.shift_types]
    loads = {
        d.id: DoctorLoad(d.id, d.name, d.municipality, by_type={t: 0 for t in type_ids})
        for d in instance.doctors
    }
    for a in roster.assignments:
        s = shifts.get(a.shift_id)
        load = loads.get(a.doctor_id)
        if s is not None and load is not None:
            _count(load, s)
    for d, pts in b.points.items():
        load = loads[d]
        load.category_targets = dict(b.categories[d])
        load.type_targets = dict(b.types[d])
        if d in b.fixed:
            load.fixed = b.fixed[d]
        else:
            load.target = pts
    inside = [loads[d] for d in b.points]
    cat_dev = {
        c: max((abs(x.count_by_category[c] - x.category_targets[c]) for x in inside), default=0.0)
        for c in CATEGORIES
    }
    type_dev = {
        t: max((abs(x.by_type[t] - x.type_targets[t]) for x in inside), default=0.0)
        for t in type_ids
    }
    groups = b.like_groups()
    like: dict[str, int] = {}
    for c in CATEGORIES:
        like[c] = max((spread(loads[d].count_by_category[c] for d in g) for g in groups), default=0)
    for t in type_ids:
        like[f"type:{t}"] = max((spread(loads[d].by_type[t] for d in g) for g in groups), default=0)
    devs_signed = [loads[d].points - b.points[d] for d in b.compared]
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
                ml.doctors_target += b.points.get(load.doctor_id, 0.0)
        ml.target = b.municipalities[m.id]
        munis.append(ml)
    shares = {d.id: d.share for d in instance.doctors}
    return FairnessReport(
        doctors=[loads[d.id] for d in instance.doctors],
        municipalities=munis,
        total_points=all_points,
        max_deviation=max((abs(x) for x in devs_signed), default=0.0),
        spread=(max(devs_signed) - min(devs_signed)) if devs_signed else 0.0,
        gini=gini(loads[d].points / shares[d] for d in b.compared if shares[d] > 0),
        category_max_deviation=cat_dev,
        type_max_deviation=type_dev,
        like_groups=groups,
        like_spread=like,
        municipality_max_deviation=max((abs(m.deviation) for m in munis), default=0.0),
    )
