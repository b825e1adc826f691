"""The independent checker: every broken rule in a roster, with shift, doctor, rule id and
source.

This is the oracle the solver is tested against, and a leader can run it on a roster made by
hand. It must never import the solver. One function per rule id, `check_<rule id>`,
registered in CHECKS.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from roster.calendar import Shift, iso_week
from roster.eligibility import (
    absence_during,
    big_holiday_year,
    competent_alone,
    courses_valid,
    exemption_rule_on,
    in_pool,
    outside_rota,
    wish_matches,
)
from roster.formats.exchange import Roster
from roster.glossary import ABSENCE_NO, describe_duty, describe_shift, number_no, span_no
from roster.instance import Instance
from roster.model import Doctor, Role, StrictModel
from roster.rest import duty_rest_short, longest_rest_minutes, practice_clashes
from roster.rules import (
    SOFT_RULES,
    BigHolidayRotationParams,
    CompetenceBackupParams,
    MaxCountParams,
    MinGapDaysParams,
    WishesParams,
)


class Finding(StrictModel):
    """One broken rule (or, for soft rules, one remark)."""

    rule: str
    message: str
    source: str
    date: dt.date | None = None
    shift_id: str | None = None
    shift_label: str | None = None
    doctor_id: str | None = None
    doctor_name: str | None = None
    soft: bool = False

    def __str__(self) -> str:
        parts = []
        if self.date:
            parts.append(self.date.isoformat())
        if self.shift_label:
            parts.append(self.shift_label)
        head = " ".join(parts)
        who = f"{self.doctor_name} ({self.doctor_id})" if self.doctor_id else ""
        lead = " – ".join(p for p in (head, who) if p)
        return f"{lead}: {self.message} [{self.rule}; {self.source}]"


class DayOff(StrictModel):
    doctor_id: str
    date: dt.date
    after_shift: str


class CheckResult(StrictModel):
    breaches: tuple[Finding, ...]
    remarks: tuple[Finding, ...]
    days_off: tuple[DayOff, ...]

    @property
    def ok(self) -> bool:
        return not self.breaches

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for b in self.breaches:
            out[b.rule] += 1
        return dict(out)


@dataclass
class Ctx:
    """What every check needs, computed once."""

    instance: Instance
    roster: Roster
    shifts: dict[str, Shift] = field(init=False)

    def __post_init__(self) -> None:
        self.shifts = {s.id: s for s in self.instance.shifts}

    @cached_property
    def duties(self) -> dict[str, list[Shift]]:
        """Each doctor's duties in time order (unknown shift ids are the reader's business)."""
        out: dict[str, list[Shift]] = defaultdict(list)
        for a in self.roster.assignments:
            if a.shift_id in self.shifts and self.instance.has_doctor(a.doctor_id):
                out[a.doctor_id].append(self.shifts[a.shift_id])
        for lst in out.values():
            lst.sort(key=lambda s: (s.t0, s.type_id))
        return out

    @cached_property
    def rest_and_days_off(self) -> tuple[list[Finding], list[Finding], list[DayOff]]:
        """Rest breaches, night-without-day-off breaches and days off: one pass, used by two
        checks and the days-off list."""
        return _judge_rest(self)

    @cached_property
    def staffed(self) -> dict[str, list[str]]:
        return self.roster.by_shift()

    def finding(
        self,
        rule: str,
        message: str,
        shift: Shift | None = None,
        doctor: Doctor | None = None,
        day: dt.date | None = None,
        when: dt.date | None = None,
    ) -> Finding:
        """A finding on a shift (or a date); `when`: the date whose rule version is broken,
        when it is not the shift's own (a night judged after midnight)."""
        when = when or (shift.date if shift else day or self.instance.period.start)
        return Finding(
            rule=rule,
            message=message,
            source=self.instance.rules.source(rule, when).cite(),
            date=shift.date if shift else day,
            shift_id=shift.id if shift else None,
            shift_label=describe_shift(shift) if shift else None,
            doctor_id=doctor.id if doctor else None,
            doctor_name=doctor.name if doctor else None,
            soft=rule in SOFT_RULES,
        )

    def each_assignment(self) -> list[tuple[Doctor, Shift]]:
        return [(self.instance.doctor(d), s) for d, lst in sorted(self.duties.items()) for s in lst]


# --------------------------------------------------------------------------- checks


def check_coverage(c: Ctx) -> list[Finding]:
    out = []
    for s in c.instance.shifts:
        n = len(c.staffed.get(s.id, []))
        if s.needed_always and n < s.doctors:
            missing = s.doctors - n
            out.append(
                c.finding("coverage", f"ubemannet: mangler {missing} av {s.doctors} lege(r)", s)
            )
        elif n > s.doctors:
            out.append(
                c.finding("coverage", f"for mange leger: {n}, vakten trenger {s.doctors}", s)
            )
    return out


def check_pool(c: Ctx) -> list[Finding]:
    return [
        c.finding("pool", f"legens kommune «{d.municipality}» deltar ikke i denne vakttypen", s, d)
        for d, s in c.each_assignment()
        if not in_pool(d, s)
    ]


def check_absence(c: Ctx) -> list[Finding]:
    out = []
    for d, s in c.each_assignment():
        outside = outside_rota(d, s)
        if outside is not None:
            when = (
                f"fra {d.rota_from:%d.%m.%Y}"
                if d.rota_from is not None and outside < d.rota_from
                else f"til {d.rota_until:%d.%m.%Y}"
            )
            out.append(c.finding("absence", f"legen er i vaktordningen {when}", s, d))
            continue
        a = absence_during(d, s)
        if a is not None:
            what = ABSENCE_NO[a.kind]
            out.append(
                c.finding(
                    "absence", f"vakten overlapper {what} {a.start:%d.%m}–{a.end:%d.%m}", s, d
                )
            )
    return out


def check_one_at_a_time(c: Ctx) -> list[Finding]:
    out = []
    for doctor_id, lst in sorted(c.duties.items()):
        d = c.instance.doctor(doctor_id)
        for i, s in enumerate(lst):
            for t in lst[i + 1 :]:
                if t.t0 >= s.t1:
                    break
                if t.id == s.id:
                    out.append(c.finding("one_at_a_time", "står to ganger på samme vakt", s, d))
                else:
                    out.append(
                        c.finding("one_at_a_time", f"overlapper med {describe_shift(t)}", s, d)
                    )
    return out


def _midway(shift: Shift, day: dt.date) -> str:
    """' (fra 01.01 kl. 00, midt i vakten)' when the date judged is not the shift's first."""
    return "" if day == shift.date else f" (fra {day:%d.%m} kl. 00, midt i vakten)"


def _exemption_check(rule: str) -> Callable[[Ctx], list[Finding]]:
    def check(c: Ctx) -> list[Finding]:
        out = []
        rules = c.instance.rules
        for d, s in c.each_assignment():
            for ex in d.exemptions:
                broken = (day for day in s.dates if exemption_rule_on(d, ex, s, day, rules) == rule)
                day = next(broken, None)
                if day is not None:
                    message = "legen har fritak fra denne vakten" + _midway(s, day)
                    out.append(c.finding(rule, message, s, d, when=day))
                    break
        return out

    check.__name__ = f"check_{rule}"
    return check


check_age_exemption = _exemption_check("age_exemption")
check_age_exemption_local = _exemption_check("age_exemption_local")
check_pregnancy_exemption = _exemption_check("pregnancy_exemption")
check_breastfeeding_exemption = _exemption_check("breastfeeding_exemption")
check_granted_exemption = _exemption_check("granted_exemption")


def check_courses_required(c: Ctx) -> list[Finding]:
    out = []
    rules = c.instance.rules
    for d, s in c.each_assignment():
        day = next((day for day in s.dates if not courses_valid(d, day, rules)), None)
        if day is not None:
            message = "mangler gyldig kurs i akuttmedisin eller volds- og overgrepshåndtering"
            out.append(c.finding("courses_required", message + _midway(s, day), s, d, when=day))
    return out


def _primary_before(c: Ctx, doctor_id: str, shift: Shift) -> int:
    return sum(1 for t in c.duties.get(doctor_id, []) if t.role == Role.primary and t.t0 < shift.t0)


def _not_competent_from(c: Ctx, doctor: Doctor, shift: Shift) -> dt.date | None:
    """The first date of the shift the doctor may not be alone on duty, or None."""
    before = _primary_before(c, doctor.id, shift)
    rules = c.instance.rules
    return next(
        (day for day in shift.dates if not competent_alone(doctor, day, rules, before)), None
    )


def _competent(c: Ctx, doctor: Doctor, shift: Shift) -> bool:
    return _not_competent_from(c, doctor, shift) is None


def check_competence_backup(c: Ctx) -> list[Finding]:
    out = []
    backups: list[tuple[Doctor, Shift]] = [
        (d, s) for d, s in c.each_assignment() if s.role == Role.backup_competence
    ]
    rules = c.instance.rules
    for b, t in backups:
        day = _not_competent_from(c, b, t)
        if day is not None:
            message = "er kompetansebakvakt uten selv å kunne ha vakt alene" + _midway(t, day)
            out.append(c.finding("competence_backup", message, t, b, when=day))
        for day in t.dates:
            if not rules.in_force("competence_backup", day):
                continue
            p = rules.params("competence_backup", day, CompetenceBackupParams)
            if (
                p.attend_in_person
                and p.max_response_minutes is not None
                and (t.response_minutes or 0) > p.max_response_minutes
            ):
                out.append(
                    c.finding(
                        "competence_backup",
                        f"bakvakten må kunne møte innen {p.max_response_minutes} min, vakttypen har {t.response_minutes} min",
                        t,
                        b,
                        when=day,
                    )
                )
                break
    for d, s in c.each_assignment():
        alone_from = None if s.role != Role.primary else _not_competent_from(c, d, s)
        if alone_from is None:
            continue
        cover = [
            (b, t) for b, t in backups if t.backs_up(s) and b.id != d.id and _competent(c, b, t)
        ]
        if not cover:
            out.append(
                c.finding(
                    "competence_backup",
                    "kan ikke ha vakt alene og mangler kompetent kompetansebakvakt for hele vakten"
                    + _midway(s, alone_from),
                    s,
                    d,
                    when=alone_from,
                )
            )
    return out


def _rest_and_days_off(c: Ctx) -> tuple[list[Finding], list[Finding], list[DayOff]]:
    return c.rest_and_days_off


def _judge_rest(c: Ctx) -> tuple[list[Finding], list[Finding], list[DayOff]]:
    rest: list[Finding] = []
    night: list[Finding] = []
    days_off: list[DayOff] = []
    rules = c.instance.rules
    window = longest_rest_minutes(rules, c.instance.period.dates())
    for doctor_id, lst in sorted(c.duties.items()):
        d = c.instance.doctor(doctor_id)
        clashes = [(s, k) for s in lst for k in practice_clashes(d, s, rules)]
        given_off = {k.practice.day for _, k in clashes if k.day_off}
        for s, k in clashes:
            pd = k.practice
            if k.day_off:
                days_off.append(DayOff(doctor_id=d.id, date=pd.day, after_shift=s.id))
            elif k.rule == "day_off_after_night":
                night.append(
                    c.finding(
                        "day_off_after_night",
                        f"tilstedevakt natt før praksisdag {pd.day:%d.%m} uten fri dagen etter",
                        s,
                        d,
                    )
                )
            elif pd.day not in given_off:
                practice = f"egen praksisdag {span_no(pd.start, pd.end)}"
                pair = (practice, describe_duty(s)) if k.before else (describe_duty(s), practice)
                rest.append(c.finding("rest", _too_little(k.gap, k.need, *pair), s, d))
        for i, s in enumerate(lst):
            for t in lst[i + 1 :]:
                if t.t0 >= s.t1 + window:
                    break
                need = duty_rest_short(s, t, rules)
                if need is not None:
                    text = _too_little(t.t0 - s.t1, need, describe_duty(s), describe_duty(t))
                    rest.append(c.finding("rest", text, s, d))
    return rest, night, days_off


def _hours(minutes: int) -> str:
    return number_no(minutes / 60, 0 if minutes % 60 == 0 else 1)


def _too_little(gap: int, need: int, first: str, second: str) -> str:
    return f"bare {_hours(gap)} timer hvile mellom {first} og {second} (krav {_hours(need)} timer)"


def check_rest(c: Ctx) -> list[Finding]:
    return _rest_and_days_off(c)[0]


def check_day_off_after_night(c: Ctx) -> list[Finding]:
    return _rest_and_days_off(c)[1]


def check_min_gap_days(c: Ctx) -> list[Finding]:
    out = []
    for doctor_id, lst in sorted(c.duties.items()):
        d = c.instance.doctor(doctor_id)
        for i, s in enumerate(lst):
            p = c.instance.rules.params("min_gap_days", s.date, MinGapDaysParams)
            for t in lst[i + 1 :]:
                gap = (t.date - s.date).days
                if gap >= p.days:
                    break
                if t.t0 < s.t1:
                    continue  # overlap: one_at_a_time reports it
                if p.allow_back_to_back and t.t0 == s.t1:
                    continue
                out.append(
                    c.finding(
                        "min_gap_days",
                        f"bare {gap} døgn til {describe_shift(t)} (krav {p.days})",
                        s,
                        d,
                    )
                )
    return out


def _cap(c: Ctx, rule: str, count: Callable[[list[Shift]], int], noun: str) -> list[Finding]:
    p = c.instance.rules.params(rule, c.instance.period.start, MaxCountParams)
    if p.max is None:
        return []
    out = []
    for doctor_id, lst in sorted(c.duties.items()):
        n = count(lst)
        if n > p.max:
            out.append(
                c.finding(
                    rule,
                    f"{n} {noun} i perioden, taket er {p.max}",
                    None,
                    c.instance.doctor(doctor_id),
                    c.instance.period.start,
                )
            )
    return out


def weekend_keys(lst: list[Shift]) -> set[tuple[int, int]]:
    """ISO (year, week) of each weekend (Saturday or Sunday) with a duty."""
    return {tuple(s.date.isocalendar())[:2] for s in lst if s.date.weekday() >= 5}  # type: ignore[misc]


def check_max_nights(c: Ctx) -> list[Finding]:
    return _cap(c, "max_nights", lambda lst: sum(1 for s in lst if s.is_night), "nattevakter")


def check_max_weekends(c: Ctx) -> list[Finding]:
    return _cap(c, "max_weekends", lambda lst: len(weekend_keys(lst)), "helger med vakt")


def check_max_duties(c: Ctx) -> list[Finding]:
    return _cap(c, "max_duties", len, "vakter")


def check_max_duties_per_week(c: Ctx) -> list[Finding]:
    """Each duty that takes a doctor over the weekly cap (ISO week of its start date)."""
    out = []
    rules = c.instance.rules
    for doctor_id, lst in sorted(c.duties.items()):
        seen: dict[tuple[int, int], int] = defaultdict(int)
        for s in lst:
            week = iso_week(s.date)
            seen[week] += 1
            cap = rules.params("max_duties_per_week", s.date, MaxCountParams).max
            if cap is not None and seen[week] > cap:
                out.append(
                    c.finding(
                        "max_duties_per_week",
                        f"vakt nr. {seen[week]} i uke {week[1]}, taket er {cap} per uke",
                        s,
                        c.instance.doctor(doctor_id),
                    )
                )
    return out


def check_fixed_shifts(c: Ctx) -> list[Finding]:
    out = []
    for d in c.instance.doctors:
        if d.fixed_shifts is None:
            continue
        n = len(c.duties.get(d.id, []))
        if n != d.fixed_shifts:
            out.append(
                c.finding(
                    "fixed_shifts",
                    f"har {n} vakter, avtalen sier {d.fixed_shifts}",
                    None,
                    d,
                    c.instance.period.start,
                )
            )
    return out


def check_big_holiday_rotation(c: Ctx) -> list[Finding]:
    out = []
    seen = {(h.doctor, h.holiday, h.year) for h in c.instance.history.big_holidays}
    for d, s in c.each_assignment():
        if s.big_holiday is None:
            continue
        p = c.instance.rules.params("big_holiday_rotation", s.date, BigHolidayRotationParams)
        year = big_holiday_year(s.date, s.big_holiday)
        if any((d.id, s.big_holiday, year - k) in seen for k in range(1, p.years + 1)):
            out.append(c.finding("big_holiday_rotation", "hadde samme høytid i fjor", s, d))
    return out


def check_wishes(c: Ctx) -> list[Finding]:
    out = []
    for d, s in c.each_assignment():
        if not c.instance.rules.params("wishes", s.date, WishesParams).enabled:
            continue
        for w in d.wishes:
            if not w.want and wish_matches(w.start, w.end, w.shift_types, s):
                out.append(
                    c.finding("wishes", f"ønsket å slippe denne vakten (vekt {w.weight})", s, d)
                )
    return out


CHECKS: dict[str, Callable[[Ctx], list[Finding]]] = {
    "coverage": check_coverage,
    "pool": check_pool,
    "absence": check_absence,
    "one_at_a_time": check_one_at_a_time,
    "age_exemption": check_age_exemption,
    "age_exemption_local": check_age_exemption_local,
    "pregnancy_exemption": check_pregnancy_exemption,
    "breastfeeding_exemption": check_breastfeeding_exemption,
    "granted_exemption": check_granted_exemption,
    "courses_required": check_courses_required,
    "competence_backup": check_competence_backup,
    "rest": check_rest,
    "day_off_after_night": check_day_off_after_night,
    "min_gap_days": check_min_gap_days,
    "max_nights": check_max_nights,
    "max_weekends": check_max_weekends,
    "max_duties": check_max_duties,
    "max_duties_per_week": check_max_duties_per_week,
    "fixed_shifts": check_fixed_shifts,
    "big_holiday_rotation": check_big_holiday_rotation,
    "wishes": check_wishes,
}


def check(instance: Instance, roster: Roster) -> CheckResult:
    """Every breach of every rule, sorted by date; soft rules as remarks."""
    c = Ctx(instance, roster)
    findings = [f for rule in CHECKS for f in CHECKS[rule](c)]
    findings.sort(
        key=lambda f: (f.date or dt.date.min, f.shift_id or "", f.doctor_id or "", f.rule)
    )
    _, _, days_off = _rest_and_days_off(c)
    return CheckResult(
        breaches=tuple(f for f in findings if not f.soft),
        remarks=tuple(f for f in findings if f.soft),
        days_off=tuple(days_off),
    )
