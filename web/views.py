"""What the pages show, computed from roster's objects: the month grid, the fairness chart
(SVG geometry), a doctor's duties, and the largest deviation in words. No storage here."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from roster.calendar import OSLO, Shift, holiday_name
from roster.fairness import FairnessReport
from roster.formats.exchange import Roster
from roster.formats.ical import description
from roster.glossary import MODE_NO, MONTH_NO, ROLE_NO, WEEKDAY_NO, number_no, spread_no
from roster.instance import Instance


def short_name(full: str) -> str:
    parts = full.split()
    return full if len(parts) < 2 else f"{parts[0]} {parts[-1][0]}."


def clock(moment: dt.datetime) -> str:
    return moment.astimezone(OSLO).strftime("%H:%M")


#: Where a long compound may break in a column heading: before the duty it names.
_BREAK_BEFORE = ("bakvakt", "vakt")
SOFT_HYPHEN = "\u00ad"


def breakable(text: str, longest: int = 13) -> str:
    """`text` with a soft hyphen in each word longer than `longest` letters before the duty
    it names («Kompetanse-bakvakter»), so a table heading may wrap there and the table fits
    its window; shown as the word itself when it does not wrap."""

    def word(w: str) -> str:
        if len(w) <= longest:
            return w
        for part in _BREAK_BEFORE:
            at = w.lower().find(part, 4)
            if at > 0:
                return w[:at] + SOFT_HYPHEN + w[at:]
        return w

    return " ".join(word(w) for w in text.split(" "))


def date_no(day: dt.date) -> str:
    return f"{day.day}. {MONTH_NO[day.month - 1]} {day.year}"


def day_no(day: dt.date) -> str:
    """'mandag 4. januar 2027': a date as a doctor plans by it, with the weekday."""
    return f"{WEEKDAY_NO[day.weekday()]} {date_no(day)}"


def iso_day_no(text: str) -> str:
    """An ISO date from a report or a shift id ('2027-01-04') as 'mandag 4. januar 2027'."""
    try:
        return day_no(dt.date.fromisoformat(text[:10]))
    except ValueError:
        return text


def short_day_no(day: dt.date) -> str:
    """'man. 4.1.': a date in a narrow table."""
    return f"{WEEKDAY_NO[day.weekday()][:3]}. {day.day}.{day.month}."


def when_no(moment: dt.datetime | None) -> str:
    if moment is None:
        return "–"
    local = moment.astimezone(OSLO)
    return f"{local.day}.{local.month}.{local.year} kl. {local:%H:%M}"


@dataclass
class Chip:
    shift_id: str
    label: str
    time: str
    names: list[str]
    role: str
    mode: str
    hole: bool
    detail: str

    @property
    def css(self) -> str:
        return f"chip role-{self.role} mode-{self.mode}" + (" hole" if self.hole else "")

    @property
    def text(self) -> str:
        if self.hole and not self.names:
            return "UBEMANNET"
        return ", ".join(short_name(n) for n in self.names)

    @property
    def marks(self) -> str:
        """What the colour says, in text: ⌂ for hjemmevakt, B for a back-up."""
        out = "⌂" if self.mode == "standby" else ""
        if self.role != "primary":
            out += " B"
        return out.strip()

    @property
    def abbr(self) -> str:
        """'Kveld' -> 'K', 'Helg dag' -> 'HD', 'Natt (hjemmevakt)' -> 'N'."""
        words = self.label.split("(")[0].split()
        return "".join(w[0].upper() for w in words)[:3]


@dataclass
class DayCell:
    date: dt.date
    in_plan: bool
    holiday: bool
    holiday_name: str | None = None
    chips: list[Chip] = field(default_factory=list)

    @property
    def has_hole(self) -> bool:
        return any(c.hole for c in self.chips)


@dataclass
class Week:
    """One calendar week: its ISO number and its seven days (None outside the month)."""

    year: int
    number: int
    days: list[DayCell | None]

    @property
    def key(self) -> str:
        return f"{self.year}-U{self.number:02d}"


@dataclass
class MonthGrid:
    key: str
    title: str
    weeks: list[Week]


def months_of(instance: Instance) -> list[tuple[str, str]]:
    """(yyyy-mm, 'januar 2027') for each month of the period."""
    start, end = instance.period.start, instance.period.end
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append((f"{year:04d}-{month:02d}", f"{MONTH_NO[month - 1]} {year}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


class Days:
    """The day cells of a plan: every date's duties as chips (a competence back-up nobody
    needed is left out), with the holiday's name."""

    def __init__(self, instance: Instance, roster: Roster) -> None:
        self.instance, self.roster = instance, roster
        self.by_shift = roster.by_shift()
        self.by_day: dict[dt.date, list[Shift]] = {}
        for s in instance.shifts:
            self.by_day.setdefault(s.date, []).append(s)

    def cell(self, day: dt.date) -> DayCell:
        shifts = self.by_day.get(day, [])
        period = self.instance.period
        name = holiday_name(day)
        cell = DayCell(
            date=day,
            in_plan=period.start <= day <= period.end,
            holiday=name is not None or day.weekday() == 6,
            holiday_name=name,
        )
        for s in shifts:
            ids = sorted(self.by_shift.get(s.id, []))
            missing = s.doctors - len(ids) if s.needed_always else 0
            if not ids and missing <= 0:
                continue  # a competence back-up nobody needed
            cell.chips.append(
                Chip(
                    shift_id=s.id,
                    label=s.label,
                    time=f"{clock(s.start)}–{clock(s.end)}",
                    names=[self.instance.doctor(i).name for i in ids],
                    role=s.role.value,
                    mode=s.mode.value,
                    hole=missing > 0,
                    detail=description(self.instance, self.roster, s),
                )
            )
        return cell


def month_title(key: str) -> str:
    """'2027-03' -> 'Mars 2027'."""
    year, month = (int(x) for x in key.split("-"))
    return f"{MONTH_NO[month - 1].capitalize()} {year}"


def month_grid(instance: Instance, roster: Roster, key: str) -> MonthGrid:
    year, month = (int(x) for x in key.split("-"))
    days = Days(instance, roster)
    weeks: list[Week] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        iso = week[0].isocalendar()
        weeks.append(
            Week(iso.year, iso.week, [days.cell(d) if d.month == month else None for d in week])
        )
    return MonthGrid(key, month_title(key), weeks)


def weeks_of(instance: Instance) -> list[tuple[str, str]]:
    """(key, 'uke 5, 2027') for each ISO week that has a day of the period."""
    out: dict[str, str] = {}
    for day in instance.period.dates():
        iso = day.isocalendar()
        out.setdefault(f"{iso.year}-U{iso.week:02d}", f"uke {iso.week}, {iso.year}")
    return list(out.items())


def parse_week(key: str) -> tuple[int, int] | None:
    """'2027-U05' -> (2027, 5); None for anything else."""
    year, _, week = key.partition("-U")
    if not (year.isdigit() and week.isdigit() and 1 <= int(week) <= 53):
        return None
    return int(year), int(week)


def week_view(instance: Instance, roster: Roster, key: str) -> Week:
    year, number = parse_week(key) or (0, 0)
    monday = dt.date.fromisocalendar(year, number, 1)
    days = Days(instance, roster)
    return Week(year, number, [days.cell(monday + dt.timedelta(days=i)) for i in range(7)])


def week_of(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-U{iso.week:02d}"


def duty_count(instance: Instance, roster: Roster) -> int:
    """Duties in the plan: shifts a doctor has or must have. A competence back-up counts
    only where a doctor was put on it (the shift types list many that nobody needs)."""
    by_shift = roster.by_shift()
    return sum(1 for s in instance.shifts if s.needed_always or by_shift.get(s.id))


def chip_codes(instance: Instance) -> list[tuple[str, str]]:
    """The codes on the calendar's chips and the shift types they stand for."""
    codes: dict[str, list[str]] = {}
    for t in instance.shift_types:
        code = Chip("", t.label, "", [], t.role.value, t.mode.value, False, "").abbr
        if t.label not in codes.setdefault(code, []):
            codes[code].append(t.label)
    return [(code, " / ".join(labels)) for code, labels in codes.items()]


WEEKDAYS_SHORT = [w[:3].capitalize() for w in WEEKDAY_NO]

#: (chip classes, sample text, meaning) for the calendar's legend: the text on a chip tells
#: what its colour does (⌂ hjemmevakt, B bakvakt, UBEMANNET), so colour is never the only sign.
LEGEND = [
    ("role-primary mode-onsite", "", "lege i vakt, tilstedevakt"),
    ("role-primary mode-standby", "⌂", "lege i vakt, hjemmevakt"),
    ("role-backup_competence mode-standby", "⌂ B", "kompetansebakvakt (hjemmevakt)"),
    ("role-backup_other mode-standby", "⌂ B", "annen bakvakt"),
    ("hole", "UBEMANNET", "ubemannet vakt"),
]


def month_ctx(
    instance: Instance,
    roster: Roster,
    maned: str | None,
    grids: Callable[[str], MonthGrid] | None = None,
) -> dict[str, Any]:
    """What the month template (_month.html) needs for one month (the first when `maned` is
    not one of the plan's months); `grids` gives a month's grid when it is kept elsewhere
    (web.facts)."""
    months = months_of(instance)
    keys = [k for k, _ in months]
    key = maned if maned in keys else keys[0]
    i = keys.index(key)
    return {
        "months": months,
        "grid": grids(key) if grids is not None else month_grid(instance, roster, key),
        "prev_key": keys[i - 1] if i > 0 else None,
        "next_key": keys[i + 1] if i + 1 < len(keys) else None,
        "weekdays": WEEKDAYS_SHORT,
        "legend": LEGEND,
        "codes": chip_codes(instance),
    }


# --------------------------------------------------------------------------- doctor


@dataclass
class Duty:
    date: dt.date
    label: str
    time: str
    role: str
    mode: str
    points: int
    detail: str


def duties_of(instance: Instance, roster: Roster, doctor_id: str) -> list[Duty]:
    mine = set(roster.by_doctor().get(doctor_id, []))
    return [
        Duty(
            date=s.date,
            label=s.label,
            time=f"{clock(s.start)}–{clock(s.end)}",
            role=ROLE_NO[s.role],
            mode=MODE_NO[s.mode],
            points=s.points,
            detail=description(instance, roster, s),
        )
        for s in instance.shifts
        if s.id in mine
    ]


# --------------------------------------------------------------------------- fairness


@dataclass
class Bar:
    y: float
    label: str
    sub: str
    points: float
    target: float | None
    width: float
    target_x: float | None
    css: str
    value_text: str


@dataclass
class Chart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    row: int


def bar_chart(
    rows: Sequence[tuple[str, str, float, float | None]], label_width: int = 190, plot: int = 420
) -> Chart:
    """Horizontal bars (burden) with a target mark per row: (label, sub, points, target)."""
    row = 22
    top = 24
    biggest = max([1.0, *(max(p, t or 0) for _, _, p, t in rows)])
    scale = plot / (biggest * 1.08)
    bars = []
    for i, (label, sub, points, target) in enumerate(rows):
        dev = None if target is None else points - target
        css = "bar-out" if target is None else ("bar-over" if dev and dev > 1.5 else "bar")
        if dev is not None and dev < -1.5:
            css = "bar-under"
        value = number_no(points, 0)
        if target is not None:
            value += f" / mål {number_no(target, 1)}"
        bars.append(
            Bar(
                y=top + i * row,
                label=label,
                sub=sub,
                points=points,
                target=target,
                width=max(0.0, points * scale),
                target_x=None if target is None else label_width + target * scale,
                css=css,
                value_text=value,
            )
        )
    step = _nice_step(biggest)
    ticks = []
    v = 0.0
    while v <= biggest * 1.08:
        ticks.append((label_width + v * scale, number_no(v, 0)))
        v += step
    return Chart(
        width=label_width + plot + 150,
        height=top + len(rows) * row + 8,
        label_width=label_width,
        bars=bars,
        ticks=ticks,
        row=row,
    )


def _nice_step(biggest: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if biggest / step <= 8:
            return float(step)
    return 2000.0


def doctor_chart(instance: Instance, fairness: FairnessReport) -> Chart:
    munis = {m.id: m.name for m in instance.legevakt.municipalities}
    rows = [
        (d.name, munis.get(d.municipality, d.municipality), float(d.points), d.target)
        for d in fairness.doctors
    ]
    return bar_chart(rows)


def municipality_chart(fairness: FairnessReport) -> Chart:
    rows = [
        (m.name, f"{m.doctors} leger", float(m.points), m.target) for m in fairness.municipalities
    ]
    return bar_chart(rows)


def deviation_words(largest: dict[str, Any] | None) -> list[str]:
    """The largest deviation and the proven bound, as a leader reads them."""
    if not largest or largest.get("value") is None:
        return []
    value = float(largest["value"])
    bound = largest.get("bound")
    lines = [
        f"Største avvik fra målet: {spread_no(value)} poeng "
        "(for legen som er lengst fra sin rettferdige andel)."
    ]
    if bound is None:
        lines.append("Løseren rakk ikke å bevise noen nedre grense innen tidsgrensen.")
    else:
        b = max(0.0, float(bound))
        lines.append(f"Bevist: ingen plan kan være jevnere enn {spread_no(b)} poeng.")
        if value - b < 0.05:
            lines.append("Planen er altså så jevn som det er mulig å få til.")
        else:
            lines.append(
                f"Planen er høyst {number_no(value - b, 1)} poeng fra det beste mulige; "
                "en lengre tidsgrense kan gi en jevnere plan."
            )
    return lines
