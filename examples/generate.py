"""Seeded generator of synthetic legevakt instances (fictional people) for tests and benchmarks.

    python examples/generate.py --doctors 150 --municipalities 8 --weeks 52 --seed 1 --out DIR

writes DIR/instance.yaml with the doctors inline (no staff file). The mix follows the figures
in the domain notes: about 63 % specialists in general practice, a few LIS1 doctors who need
a kompetansebakvakt, a third of the specialists 56 or older, some exemptions, holidays and
wishes. Every random choice comes from one `random.Random(seed)`: the same arguments give the
same document, byte for byte.

Two layouts, by size:
- a small district (fewer than SMALL_DISTRICT_MAX doctors), as examples/small: home standby
  every evening and night, no LIS1 doctors, a local `min_gap_days` of one day, and holidays
  taken one doctor at a time;
- an IKL, as examples/innherred: weekday evening and weekend day and evening on site, night
  home standby, one kompetansebakvakt type per primary type. Larger rotas staff each shift
  with more doctors, so the load per doctor stays near Innherred's.
The plans leave a wide margin: every shift has many more eligible doctors than it needs,
holidays are staggered, and exemptions stay a small minority.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from roster.calendar import big_holiday_dates
from roster.formats.staff import slug
from roster.instance import InstanceFile, instance_json_schema, save_instance_file
from roster.model import (
    Absence,
    AbsenceKind,
    BigHoliday,
    BigHolidayDuty,
    Competence,
    CostKey,
    DayKind,
    Doctor,
    DoctorKind,
    Exemption,
    ExemptionKind,
    History,
    Legevakt,
    Mode,
    Municipality,
    Period,
    PlanPeriod,
    Role,
    RuleOverride,
    Scope,
    ShiftType,
    Wish,
)

MIN_DOCTORS, MAX_DOCTORS = 3, 350
MIN_MUNICIPALITIES, MAX_MUNICIPALITIES = 1, 12
MIN_WEEKS, MAX_WEEKS = 1, 52
#: Below this many doctors the generator makes a small district with home standby only.
SMALL_DISTRICT_MAX = 15
#: On-site shifts need one doctor per this many doctors in the rota (Innherred: 55, one each).
DOCTORS_PER_SLOT = 55
SPECIALIST_SHARE = 0.63  # Helsedirektoratet, fastleger 2023

WEEKDAY = (DayKind.weekday,)
WEEKEND = (DayKind.saturday, DayKind.sunday, DayKind.holiday, DayKind.holiday_eve)
EVERY_DAY = WEEKDAY + WEEKEND
DAY = (dt.time(8), dt.time(16))
EVENING = (dt.time(16), dt.time(23))
NIGHT = (dt.time(23), dt.time(8))

MUNICIPALITY_NAMES = tuple(
    "Fjellvik Storvoll Åsmark Bjørkdal Havøy Lindnes Solbakk Elvestad Myrfjord Granvik Høgli "
    "Skogrud Vassbotn Rypeland Kvitstein Sjøbygd".split()
)
FEMALE = tuple(
    "Anne Kari Ingrid Marte Silje Ida Nora Sofie Hilde Astrid Camilla Guro Maria Tone Line "
    "Randi Mari Elin Hanne Ragnhild Julie Torunn Ingvild Ellen Linda Åse Marit Tuva Sigrid "
    "Solveig Eli Kristin Berit Vilde Thea Emma Hege Lene Øydis Bodil".split()
)
MALE = tuple(
    "Ole Per Jon Thomas Eirik Magnus Henrik Lars Bjørn Kristian Andreas Øyvind Frode Arnfinn "
    "Håvard Sindre Espen Geir Stian Vegard Torbjørn Mats Kjell Petter Sverre Gunnar Jørgen Tor "
    "Knut Håkon Sigurd Even Erlend Aksel Trond Rune Ståle Pål".split()
)
SURNAMES = tuple(
    "Aasen Hoseth Sørli Ystgaard Bjørgum Vikan Holmen Rønning Volden Trøan Lyngstad Sandvik "
    "Fiskum Rotmo Kolstad Gjermstad Ertsås Todal Haugan Ness Sund Stene Grønning Aune Hynne "
    "Eggen Okkenhaug Stiklestad Rinnan Kvello Leirfall Sende Hegstad Indahl Bjartan Holmli "
    "Vist Lein Myrvold Aksnes Skrove Reppe Garnes Kjesbu Straumsnes Sakshaug Røskje Vangstad "
    "Utøy Mære Bragstad Alstad Grøtte Tiller Reitan Dahl Lie Berg Hagen Johansen Nilsen "
    "Larsen Strand Moen Bakken Solberg Løvås Nygård Kvåle".split()
)


def check_limits(doctors: int, municipalities: int, weeks: int) -> None:
    """Raise ValueError (in Norwegian) when a size is outside what the generator makes."""
    for what, value, low, high in (
        ("antall leger", doctors, MIN_DOCTORS, MAX_DOCTORS),
        ("antall kommuner", municipalities, MIN_MUNICIPALITIES, MAX_MUNICIPALITIES),
        ("antall uker", weeks, MIN_WEEKS, MAX_WEEKS),
    ):
        if not low <= value <= high:
            raise ValueError(f"{what} må være mellom {low} og {high} (fikk {value})")


def months_from(day: dt.date, months: int) -> dt.date:
    """A date `months` later (earlier if negative), on day 28 at most: no 29-31 surprises."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, 28))


def between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A random date in [first, last] (first if the range is empty)."""
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --------------------------------------------------------------------------- legevakt


def make_municipalities(
    rng: random.Random, count: int, doctors: int, small: bool
) -> tuple[Municipality, ...]:
    """Plausible populations: one doctor in the rota per 1 100-1 500 inhabitants in an IKL,
    per 600-900 in a small district; the host (first) is the largest."""
    per_doctor = rng.randint(600, 900) if small else rng.randint(1100, 1500)
    total = doctors * per_doctor
    weights = sorted((rng.lognormvariate(0, 0.8) for _ in range(count)), reverse=True)
    names = rng.sample(MUNICIPALITY_NAMES, count)
    return tuple(
        Municipality(
            id=slug(name), name=name, population=max(500, round(total * w / sum(weights), -2))
        )
        for name, w in zip(names, weights, strict=True)
    )


def allocate(total: int, municipalities: Sequence[Municipality]) -> list[int]:
    """Doctors per municipality in proportion to population (largest remainder), at least one
    each when there are doctors enough."""
    floor = 1 if total >= len(municipalities) else 0
    rest = total - floor * len(municipalities)
    population = sum(m.population for m in municipalities)
    exact = [rest * m.population / population for m in municipalities]
    counts = [floor + int(e) for e in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (int(exact[i]) - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def make_legevakt(rng: random.Random, munis: tuple[Municipality, ...]) -> Legevakt:
    host = munis[0]
    return Legevakt(
        id=slug(host.name),
        name=f"{host.name} {'interkommunale legevakt' if len(munis) > 1 else 'legevakt'}",
        host=f"{slug(host.name)}-legevakt.example",
        address=f"Legevaktveien {rng.randint(1, 40)}, {rng.randint(10, 99)}00 {host.name}",
        phone=f"{rng.randint(21, 79)} {rng.randint(10, 99)} {rng.randint(10, 99)} 00",
        municipalities=munis,
        cost_key=CostKey.population,
    )


def shift_type(
    id: str,
    label: str,
    period: Period,
    days: tuple[DayKind, ...],
    hours: tuple[dt.time, dt.time],
    points: int,
    **fields: Any,
) -> ShiftType:
    start, end = hours
    return ShiftType.model_validate(
        {"id": id, "label": label, "period": period, "days": days, "start": start, "end": end}
        | {"points": points, **fields}
    )


def small_district_types() -> tuple[ShiftType, ...]:
    standby: dict[str, Any] = {"mode": Mode.standby, "response_minutes": 20}
    return (
        shift_type("kveld", "Kveld (hjemmevakt)", Period.evening, EVERY_DAY, EVENING, 2, **standby),
        shift_type("natt", "Natt (hjemmevakt)", Period.night, EVERY_DAY, NIGHT, 3, **standby),
    )


BACKUP_LABELS = {
    "kveld": "kveld",
    "natt": "natt",
    "helg-dag": "helg dag",
    "helg-kveld": "helg kveld",
}


def ikl_types(doctors: int, day_pool: tuple[str, ...] | None) -> tuple[ShiftType, ...]:
    """Innherred's layout with one kompetansebakvakt type per primary type. Each on-site
    shift needs one doctor per DOCTORS_PER_SLOT doctors in the rota, the night half as many."""
    k = max(1, round(doctors / DOCTORS_PER_SLOT))
    on_site: dict[str, Any] = {"mode": Mode.onsite, "doctors": k, "pool": day_pool}
    night: dict[str, Any] = {
        "mode": Mode.standby,
        "response_minutes": 15,
        "doctors": max(1, k // 2),
    }
    primaries = (
        shift_type("kveld", "Kveld", Period.evening, WEEKDAY, EVENING, 2, **on_site),
        shift_type("natt", "Natt (hjemmevakt)", Period.night, EVERY_DAY, NIGHT, 3, **night),
        shift_type("helg-dag", "Helg dag", Period.day, WEEKEND, DAY, 3, **on_site),
        shift_type("helg-kveld", "Helg kveld", Period.evening, WEEKEND, EVENING, 3, **on_site),
    )
    backups = tuple(
        ShiftType.model_validate(
            {
                **p.model_dump(),
                "id": f"bakvakt-{p.id}",
                "label": f"Kompetansebakvakt {BACKUP_LABELS[p.id]}",
                "role": Role.backup_competence,
                "mode": Mode.standby,
                "response_minutes": 30,
                "doctors": 1,
                "points": 1,
                "covers": (p.id,),
            }
        )
        for p in primaries
    )
    return primaries + backups


# --------------------------------------------------------------------------- doctors


def plan_kinds(rng: random.Random, n: int, small: bool) -> list[tuple[DoctorKind, bool]]:
    """(kind, specialist in general practice) per doctor, shuffled: about 63 % specialists,
    5 % LIS1 (none in a small district, which has no kompetansebakvakt), 7 % vikarer, a few
    legevaktleger and kommuneleger, the rest mostly ALIS."""
    n_spec = round(n * SPECIALIST_SHARE)
    n_lis1 = 0 if small else max(1, round(n * 0.05))
    n_vikar = max(1, round(n * 0.07)) if n >= 8 else 0
    n_kommune = round(n * 0.02)
    n_lvl = round(n * 0.03)
    n_lvl_spec = n_lvl // 2
    plan = (
        [(DoctorKind.fastlege, True)] * (n_spec - n_kommune - n_lvl_spec)
        + [(DoctorKind.kommunelege, True)] * n_kommune
        + [(DoctorKind.legevaktlege, True)] * n_lvl_spec
        + [(DoctorKind.legevaktlege, False)] * (n_lvl - n_lvl_spec)
        + [(DoctorKind.lis1, False)] * n_lis1
        + [(DoctorKind.vikar, False)] * n_vikar
    )
    rest = n - len(plan)
    n_alis = (3 * rest + 3) // 4
    plan += [(DoctorKind.alis, False)] * n_alis + [(DoctorKind.fastlege, False)] * (rest - n_alis)
    rng.shuffle(plan)
    return plan


def birth_date(rng: random.Random, kind: DoctorKind, specialist: bool, start: dt.date) -> dt.date:
    if kind == DoctorKind.lis1:
        low, high = 25, 31
    elif kind == DoctorKind.alis:
        low, high = 29, 40
    elif kind == DoctorKind.vikar:  # 65 % of locums are under 40
        low, high = 29, 48
    elif specialist:  # about a third of GPs are 56 or older (KS 2022)
        low, high = (56, 66) if rng.random() < 0.36 else (36, 55)
    else:
        low, high = 31, 50
    age = rng.randint(low, high)
    return between(
        rng,
        months_from(start, -12 * (age + 1)) + dt.timedelta(days=1),
        months_from(start, -12 * age),
    )


def make_competence(
    rng: random.Random,
    kind: DoctorKind,
    specialist: bool,
    birth: dt.date,
    start: dt.date,
    passes_on: dt.date | None,
) -> Competence:
    """Competent to work alone unless LIS1. A LIS1 doctor with `passes_on` reaches 30 months
    after authorisation that day, with 40 shifts done: competence changes inside the plan."""
    if kind == DoctorKind.lis1:
        if passes_on is not None:
            authorised = months_from(passes_on, -30)
            shifts = rng.randint(40, 60)
        else:
            authorised = between(rng, months_from(start, -24), months_from(start, -8))
            shifts = rng.randint(0, 25)
        course = between(rng, authorised, start - dt.timedelta(days=14))
        return Competence(
            authorised_since=authorised,
            legevakt_shifts_before=shifts,
            acute_course=course,
            violence_course=course,
        )
    authorised = min(months_from(birth, 12 * rng.randint(25, 28)), months_from(start, -36))
    acute = between(rng, max(months_from(start, -48), authorised), start - dt.timedelta(days=30))
    violence = between(rng, max(months_from(acute, -36), authorised), acute)
    if specialist:
        since = between(rng, months_from(authorised, 60), months_from(start, -3))
        return Competence(
            specialist_since=since,
            authorised_since=authorised,
            acute_course=acute,
            violence_course=violence,
        )
    gp_year = None
    if kind in (DoctorKind.fastlege, DoctorKind.alis):
        gp_year = between(rng, months_from(authorised, 18), months_from(start, -6))
    return Competence(
        authorised_since=authorised,
        legevakt_shifts_before=rng.randint(40, max(40, 25 * (start.year - authorised.year))),
        gp_year_done=gp_year,
        acute_course=acute,
        violence_course=violence,
    )


def unique_name(rng: random.Random, female: bool, taken: set[str]) -> str:
    firsts = FEMALE if female else MALE
    while True:
        first = rng.choice(firsts)
        if rng.random() < 0.15:
            first += " " + rng.choice(firsts)
        name = f"{first} {rng.choice(SURNAMES)}"
        if name not in taken:
            taken.add(name)
            return name


def make_exemption(
    rng: random.Random, birth: dt.date, female: bool, period: PlanPeriod
) -> Exemption | None:
    """Now and then: age (claimed from 60), pregnancy, or a granted health exemption."""
    start, end = period.start, period.end
    if age_on(birth, end) >= 60 and rng.random() < 0.5:
        return Exemption(kind=ExemptionKind.age, claimed=True)
    if female and age_on(birth, start) < 42 and rng.random() < 0.06:
        due = between(rng, start + dt.timedelta(days=30), end + dt.timedelta(days=60))
        return Exemption(kind=ExemptionKind.pregnancy, reference_date=due)
    if rng.random() < 0.03:
        return Exemption(
            kind=ExemptionKind.health,
            scope=Scope.nights,
            start=start,
            end=end,
            granted=True,
            note="Innvilget av kommunen",
        )
    return None


def make_doctors(
    rng: random.Random,
    n: int,
    munis: tuple[Municipality, ...],
    period: PlanPeriod,
    small: bool,
) -> list[Doctor]:
    start, end = period.start, period.end
    homes = [m.id for m, c in zip(munis, allocate(n, munis), strict=True) for _ in range(c)]
    plan = plan_kinds(rng, n, small)
    first_lis1 = next((i for i, (kind, _) in enumerate(plan) if kind == DoctorKind.lis1), None)
    exemptions_left = 0 if small else max(1, n // 8)
    taken: set[str] = set()
    doctors: list[Doctor] = []
    for i, (kind, specialist) in enumerate(plan):
        female = rng.random() < 0.49
        birth = birth_date(rng, kind, specialist, start)
        passes_on = None
        if i == first_lis1 and (end - start).days >= 28:
            passes_on = between(rng, start + dt.timedelta(days=7), end - dt.timedelta(days=7))
        name = unique_name(rng, female, taken)
        exemption = make_exemption(rng, birth, female, period) if exemptions_left else None
        if exemption is not None:
            exemptions_left -= 1
        doctors.append(
            Doctor(
                id=f"lege-{i + 1:03d}",
                name=name,
                birth_date=birth,
                municipality=homes[i],
                kind=kind,
                share=0.5 if not small and rng.random() < 0.03 else 1.0,
                competence=make_competence(rng, kind, specialist, birth, start, passes_on),
                exemptions=(exemption,) if exemption else (),
                email=f"{slug(name.split()[0])}.{slug(name.split()[-1])}@lege.example",
                phone=f"9{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(100, 999)}",
            )
        )
    vikar = next((i for i, d in enumerate(doctors) if d.kind == DoctorKind.vikar), None)
    if vikar is not None and not small:  # a locum with an agreed number of shifts
        weeks = ((end - start).days + 1) // 7
        fixed = max(1, round(weeks * 6 / 26))
        doctors[vikar] = doctors[vikar].model_copy(update={"fixed_shifts": fixed})
    return doctors


def make_absences(
    rng: random.Random, doctors: list[Doctor], period: PlanPeriod, small: bool
) -> list[list[Absence]]:
    """Holidays (staggered three-week summer holidays in an IKL, one doctor away at a time in
    a small district), a few courses, a parental leave per 40 doctors, and leave around a
    pregnant doctor's due date."""
    start, end = period.start, period.end
    n = len(doctors)
    out: list[list[Absence]] = [[] for _ in doctors]
    week = dt.timedelta(days=6)
    if small:
        first = start
        for i in rng.sample(range(n), n):
            if first + week > end:
                break
            out[i].append(
                Absence(kind=AbsenceKind.holiday, start=first, end=first + week, note="Ferie")
            )
            first += dt.timedelta(days=14)
        return out
    summer = [
        dt.date(y, 6, 7) + dt.timedelta(weeks=w) for y in (start.year, end.year) for w in range(8)
    ]
    starts = sorted({s for s in summer if start <= s <= end})
    for i in range(n):
        if starts and rng.random() < 0.45:
            first = rng.choice(starts)
            last = first + dt.timedelta(days=20)
            out[i].append(
                Absence(kind=AbsenceKind.holiday, start=first, end=last, note="Sommerferie")
            )
        elif (end - start).days > 14 and rng.random() < 0.06:
            first = between(rng, start, end - week)
            last = first + dt.timedelta(days=rng.randint(1, 4))
            out[i].append(Absence(kind=AbsenceKind.course, start=first, end=last, note="Kurs"))
    for i in rng.sample(range(n), max(1, n // 40)):
        first = between(rng, start, end)
        last = first + dt.timedelta(days=rng.randint(30, 75))
        out[i].append(
            Absence(kind=AbsenceKind.leave, start=first, end=last, note="Foreldrepermisjon")
        )
    for i, d in enumerate(doctors):
        for ex in d.exemptions:
            if ex.kind == ExemptionKind.pregnancy and ex.reference_date is not None:
                out[i].append(
                    Absence(
                        kind=AbsenceKind.leave,
                        start=ex.reference_date - dt.timedelta(days=21),
                        end=ex.reference_date + dt.timedelta(days=90),
                        note="Svangerskaps- og foreldrepermisjon",
                    )
                )
    return out


def make_wish(rng: random.Random, period: PlanPeriod, small: bool) -> Wish:
    if rng.random() < 0.6:
        first = between(rng, period.start, period.end)
        last = min(period.end, first + dt.timedelta(days=rng.randint(0, 3)))
        want = rng.random() < 0.3
        note = "Tar gjerne vakt" if want else "Opptatt"
        return Wish(want=want, start=first, end=last, weight=rng.randint(1, 5), note=note)
    types = ("natt",) if small or rng.random() < 0.5 else ("helg-dag", "helg-kveld")
    return Wish(want=rng.random() < 0.5, shift_types=types, weight=rng.randint(1, 3))


def with_absences_and_wishes(
    rng: random.Random, doctors: list[Doctor], period: PlanPeriod, small: bool
) -> list[Doctor]:
    absences = make_absences(rng, doctors, period, small)
    wishes: list[list[Wish]] = [[] for _ in doctors]
    for i in rng.sample(range(len(doctors)), max(1, len(doctors) // 6)):
        wishes[i].append(make_wish(rng, period, small))
    return [
        d.model_copy(
            update={
                "absences": tuple(sorted(absences[i], key=lambda a: a.start)),
                "wishes": tuple(wishes[i]),
            }
        )
        for i, d in enumerate(doctors)
    ]


def make_history(rng: random.Random, doctors: list[Doctor], start: dt.date) -> History:
    """Points carried from earlier periods for about one doctor in seven, and who had last
    year's Christmas, New Year and Easter."""
    ids = [d.id for d in doctors]
    carry = {i: float(rng.randint(-6, 6)) for i in sorted(rng.sample(ids, max(1, len(ids) // 7)))}
    year = start.year - 1
    in_year = set(big_holiday_dates(year).values())
    per_holiday = min(len(ids), 1 + len(ids) // 20)
    duties = tuple(
        BigHolidayDuty(year=year, holiday=h, doctor=doctor)
        for h in BigHoliday
        if h in in_year
        for doctor in sorted(rng.sample(ids, per_holiday))
    )
    return History(carry_points={k: v for k, v in carry.items() if v}, big_holidays=duties)


# --------------------------------------------------------------------------- entry points


def generate(
    doctors: int, municipalities: int, weeks: int, seed: int, start: dt.date = dt.date(2027, 1, 4)
) -> InstanceFile:
    """A synthetic legevakt plan: `doctors` doctors in `municipalities` municipalities, `weeks`
    weeks from `start`. The same arguments give the same document."""
    check_limits(doctors, municipalities, weeks)
    rng = random.Random(seed)
    small = doctors < SMALL_DISTRICT_MAX
    period = PlanPeriod(start=start, end=start + dt.timedelta(weeks=weeks, days=-1))
    munis = make_municipalities(rng, municipalities, doctors, small)
    legevakt = make_legevakt(rng, munis)
    overrides: tuple[RuleOverride, ...] = ()
    if small:
        types = small_district_types()
        overrides = (
            RuleOverride(
                rule="min_gap_days",
                params={"days": 1, "allow_back_to_back": True},
                reason="Liten vaktordning: vakt hvert døgn er tillatt; kveld rett over i natt "
                "regnes som én vakt",
            ),
        )
    else:
        # In an IKL of four or more, the smallest member joins the night cooperation only.
        day_pool = tuple(m.id for m in munis[:-1]) if len(munis) >= 4 else None
        types = ikl_types(doctors, day_pool)
    staff = make_doctors(rng, doctors, munis, period, small)
    staff = with_absences_and_wishes(rng, staff, period, small)
    return InstanceFile(
        name=f"Syntetisk: {legevakt.name}, {doctors} leger, {weeks} uker (frø {seed})",
        legevakt=legevakt,
        period=period,
        doctors=tuple(staff),
        shift_types=types,
        history=make_history(rng, staff, start),
        rule_overrides=overrides,
    )


def schema_text() -> str:
    """The JSON schema of instance.yaml, as committed in examples/instance.schema.json."""
    return json.dumps(instance_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Lag en syntetisk vaktplan-instans med fiktive leger (tester og benchmark)."
    )
    parser.add_argument("--doctors", type=int, default=55, help="antall leger (3-350)")
    parser.add_argument("--municipalities", type=int, default=4, help="antall kommuner (1-12)")
    parser.add_argument("--weeks", type=int, default=26, help="antall uker (1-52)")
    parser.add_argument("--seed", type=int, default=1, help="frø for de tilfeldige valgene")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2027, 1, 4),
        help="første dag i perioden, åååå-mm-dd (standard 2027-01-04)",
    )
    parser.add_argument("--out", type=Path, metavar="MAPPE", help="skriv MAPPE/instance.yaml")
    parser.add_argument(
        "--schema", type=Path, metavar="FIL", help="skriv JSON-skjemaet for instance.yaml til FIL"
    )
    args = parser.parse_args(argv)
    if args.schema is None and args.out is None:
        parser.error("oppgi --out MAPPE (eller --schema FIL)")
    if args.schema is not None:
        args.schema.write_text(schema_text(), encoding="utf-8")
        print(f"Skrev {args.schema}")
    if args.out is not None:
        try:
            doc = generate(args.doctors, args.municipalities, args.weeks, args.seed, args.start)
        except ValueError as exc:
            print(f"Feil: {exc}", file=sys.stderr)
            return 2
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "instance.yaml"
        save_instance_file(doc, path)
        munis = len(doc.legevakt.municipalities)
        print(f"Skrev {path} ({len(doc.doctors)} leger, {munis} kommuner, {args.weeks} uker)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
