"""Keyword-default factories for tiny instances. Every test builds exactly what it needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from roster.formats.exchange import Assignment, Roster
from roster.instance import Instance, InstanceFile, save_instance_file
from roster.model import (
    Competence,
    DayKind,
    Doctor,
    FairnessConfig,
    History,
    Legevakt,
    Municipality,
    PlanPeriod,
    RuleOverride,
    ShiftType,
)
from roster.rules import load_ruleset

ALL_DAYS = tuple(DayKind)
D = dt.date


def make_legevakt(municipalities: tuple[Municipality, ...] | None = None, **kw: Any) -> Legevakt:
    munis = municipalities or (
        Municipality(id="m1", name="Fjellvik", population=3000),
        Municipality(id="m2", name="Sjøbygd", population=1000),
    )
    return Legevakt(
        id=kw.pop("id", "lv"),
        name=kw.pop("name", "Testlegevakt"),
        host=kw.pop("host", "test-legevakt.no"),
        address=kw.pop("address", "Storgata 1, 7600 Levanger"),
        phone=kw.pop("phone", "116 117"),
        municipalities=munis,
        **kw,
    )


def make_competence(**kw: Any) -> Competence:
    base: dict[str, Any] = {
        "specialist_since": D(2015, 1, 1),
        "authorised_since": D(2008, 1, 1),
        "legevakt_shifts_before": 200,
        "acute_course": D(2024, 1, 1),
        "violence_course": D(2024, 1, 1),
    }
    base.update(kw)
    return Competence(**base)


def make_doctor(id: str = "d1", **kw: Any) -> Doctor:
    competence = kw.pop("competence", None) or make_competence()
    base: dict[str, Any] = {
        "name": f"Lege {id}",
        "birth_date": D(1980, 6, 15),
        "municipality": "m1",
        "kind": "fastlege",
    }
    base.update(kw)
    return Doctor(id=id, competence=competence, **base)


def make_lis1(id: str = "lis", **kw: Any) -> Doctor:
    """A doctor in the first year of specialisation (LIS1), new to legevakt: may not work
    alone, so needs a kompetansebakvakt (akuttmedisinforskriften § 7)."""
    competence = make_competence(
        specialist_since=None, authorised_since=D(2025, 9, 1), legevakt_shifts_before=3
    )
    return make_doctor(id, kind="lis1", competence=competence, **kw)


def make_backup_type(
    id: str = "bakvakt", covers: tuple[str, ...] = ("kveld",), **kw: Any
) -> ShiftType:
    """A kompetansebakvakt on home standby covering the given shift types, 1 point (its
    times as the evening's unless given)."""
    base: dict[str, Any] = {
        "role": "backup_competence",
        "mode": "standby",
        "response_minutes": 30,
        "covers": covers,
        "points": 1,
    }
    base.update(kw)
    return make_shift_type(id, **base)


def make_shift_type(id: str = "kveld", **kw: Any) -> ShiftType:
    base: dict[str, Any] = {
        "label": id.capitalize(),
        "period": "evening",
        "days": ALL_DAYS,
        "start": "16:00",
        "end": "23:00",
        "mode": "onsite",
        "points": 2,
    }
    base.update(kw)
    return ShiftType(id=id, **base)


def make_night(id: str = "natt", **kw: Any) -> ShiftType:
    """A night on home standby, 23:00 to 08:00, 15 minutes' response, 3 points."""
    base: dict[str, Any] = {
        "label": "Natt",
        "period": "night",
        "start": "23:00",
        "end": "08:00",
        "mode": "standby",
        "response_minutes": 15,
        "points": 3,
    }
    base.update(kw)
    return make_shift_type(id, **base)


def make_instance(
    doctors: tuple[Doctor, ...] | None = None,
    shift_types: tuple[ShiftType, ...] | None = None,
    start: dt.date = D(2027, 1, 4),
    end: dt.date = D(2027, 1, 10),
    overrides: tuple[RuleOverride, ...] = (),
    history: History | None = None,
    legevakt: Legevakt | None = None,
    fairness: FairnessConfig | None = None,
) -> Instance:
    return Instance(
        name="test",
        legevakt=legevakt or make_legevakt(),
        period=PlanPeriod(start=start, end=end),
        doctors=doctors if doctors is not None else (make_doctor("d1"), make_doctor("d2")),
        shift_types=shift_types or (make_shift_type(),),
        history=history or History(),
        ruleset=load_ruleset("norge"),
        rule_overrides=overrides,
        fairness=fairness or FairnessConfig(),
    )


def override(rule: str, **params: Any) -> RuleOverride:
    return RuleOverride(rule=rule, params=params, reason="test")


def roster_of(*pairs: tuple[str, str]) -> Roster:
    """roster_of(("2027-01-04:kveld", "d1"), ...)"""
    return Roster(assignments=tuple(Assignment(shift_id=s, doctor_id=d) for s, d in pairs))


def full_roster(instance: Instance, doctor_for: dict[str, str]) -> Roster:
    """Assign every always-needed shift; doctor_for maps shift id -> doctor id."""
    return roster_of(*((s.id, doctor_for[s.id]) for s in instance.shifts if s.needed_always))


def write_instance(folder: Path, inst: Instance, name: str = "instance.yaml") -> Path:
    """The instance as a YAML file a leader could have written (doctors inline)."""
    doc = InstanceFile(
        name=inst.name,
        legevakt=inst.legevakt,
        period=inst.period,
        doctors=inst.doctors,
        shift_types=inst.shift_types,
        history=inst.history,
        rule_overrides=inst.rule_overrides,
    )
    path = folder / name
    save_instance_file(doc, path)
    return path


def every_doctor_had_easter(text: str) -> str:
    """examples/small where all five doctors had Easter last year: every Easter duty in 2027
    repeats it, whatever the plan."""
    last_year = "  big_holidays:\n" + "".join(
        f"  - year: 2026\n    holiday: easter\n    doctor: fv-0{i}\n" for i in range(1, 6)
    )
    before, rest = text.split("  big_holidays:\n", 1)
    after = rest[rest.index("rule_overrides:") :]
    return before + last_year + after
