"""File exports of a roster for people: an Excel workbook, the exchange CSV and a print-ready
HTML month view.

Pure functions of (instance, roster): the same input gives the same output (the workbook's
own timestamp aside). Holes, shifts that must be staffed but lack doctors, are shown as
"UBEMANNET"; competence back-up shifts nobody was needed on are left empty.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from roster.calendar import Shift, holiday_name
from roster.fairness import CATEGORIES, evaluate
from roster.formats.exchange import Roster, holes, roster_csv_text
from roster.formats.formulas import neutralise_workbook
from roster.glossary import FAIRNESS_CATEGORY_NO, MODE_NO, MONTH_NO, ROLE_NO, WEEKDAY_NO
from roster.instance import Instance
from roster.model import Mode, Role

UNSTAFFED = "UBEMANNET"

#: Text markers so the print view reads in black and white: (role or mode) -> marker.
MARKERS: tuple[tuple[str, str], ...] = (
    ("H", MODE_NO[Mode.standby]),
    ("B", ROLE_NO[Role.backup_competence]),
    ("BV", ROLE_NO[Role.backup_other]),
)

SHEET_CALENDAR = "Kalender"
SHEET_DOCTORS = "Leger"
SHEET_MUNICIPALITIES = "Kommuner"
DOCTOR_HEADER = ("Navn", "Kommune", "Vakter", "Poeng", "Mål (poeng)", "Avvik (poeng)")


def doctor_header(instance: Instance) -> tuple[str, ...]:
    """The doctors sheet's header: points, then each category and each shift type as a count
    beside its target (what doctors count)."""
    counted = [FAIRNESS_CATEGORY_NO[c] for c in CATEGORIES] + [
        t.label for t in instance.shift_types
    ]
    return DOCTOR_HEADER + tuple(h for name in counted for h in (name, f"{name} (mål)"))


MUNICIPALITY_HEADER = (
    "Kommune",
    "Nøkkel",
    "Leger",
    "Vakter",
    "Poeng",
    "Mål",
    "Avvik",
    "Timer tilstedevakt",
    "Timer hjemmevakt",
)
HOLE_FILL = PatternFill(fill_type="solid", start_color="FFFF9999", end_color="FFFF9999")
HEADER_FONT = Font(bold=True)


def date_no(day: dt.date) -> str:
    """'04.01.2027'."""
    return day.strftime("%d.%m.%Y")


def _staffing(instance: Instance, roster: Roster) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Doctor names per shift id (sorted by doctor id) and missing doctors per hole."""
    names = {
        sid: [instance.doctor(d).name for d in sorted(ids) if instance.has_doctor(d)]
        for sid, ids in roster.by_shift().items()
    }
    missing = {s.id: n for s, n in holes(instance, roster)}
    return names, missing


# --------------------------------------------------------------------------- xlsx


def _header(ws: Worksheet, titles: tuple[str, ...] | list[str]) -> None:
    ws.append(list(titles))
    for cell in ws[1]:
        cell.font = HEADER_FONT
    ws.freeze_panes = "B2"


def _widths(ws: Worksheet, minimum: int = 8, maximum: int = 40) -> None:
    for i, column in enumerate(ws.iter_cols(), start=1):
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=0)
        ws.column_dimensions[get_column_letter(i)].width = max(minimum, min(maximum, longest + 2))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _calendar_sheet(ws: Worksheet, instance: Instance, roster: Roster) -> None:
    types = list(instance.shift_types)
    _header(ws, ["Dato", *(st.label for st in types)])
    names, missing = _staffing(instance, roster)
    by_day: dict[tuple[dt.date, str], Shift] = {(s.date, s.type_id): s for s in instance.shifts}
    for day in instance.period.dates():
        ws.append([f"{date_no(day)} {WEEKDAY_NO[day.weekday()]}"])
        row = ws.max_row
        for col, st in enumerate(types, start=2):
            shift = by_day.get((day, st.id))
            if shift is None:
                continue
            text = ", ".join(names.get(shift.id, []))
            cell = ws.cell(row=row, column=col)
            if shift.id in missing:
                text = ", ".join(filter(None, (text, UNSTAFFED)))
                cell.fill = HOLE_FILL
                cell.font = HEADER_FONT
            cell.value = text or None
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _doctors_sheet(ws: Worksheet, instance: Instance, roster: Roster) -> None:
    _header(ws, doctor_header(instance))
    munis = {m.id: m.name for m in instance.legevakt.municipalities}
    for load in evaluate(instance, roster).doctors:
        row: list[object] = [
            load.name,
            munis.get(load.municipality, load.municipality),
            load.shifts,
            load.points,
            _round(load.target),
            _round(load.deviation),
        ]
        for c in CATEGORIES:
            row += [load.count_by_category[c], _round(load.category_targets.get(c))]
        for t in instance.shift_types:
            row += [load.by_type.get(t.id, 0), _round(load.type_targets.get(t.id))]
        ws.append(row)


def _municipalities_sheet(ws: Worksheet, instance: Instance, roster: Roster) -> None:
    _header(ws, MUNICIPALITY_HEADER)
    for m in evaluate(instance, roster).municipalities:
        ws.append(
            [
                m.name,
                round(m.key, 4),
                m.doctors,
                m.shifts,
                m.points,
                _round(m.target),
                _round(m.deviation),
                _round(m.minutes_onsite / 60),
                _round(m.minutes_standby / 60),
            ]
        )
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "0.0%"


def workbook(instance: Instance, roster: Roster) -> Workbook:
    wb = Workbook()
    cal = wb.active
    assert isinstance(cal, Worksheet)
    cal.title = SHEET_CALENDAR
    _calendar_sheet(cal, instance, roster)
    _doctors_sheet(wb.create_sheet(SHEET_DOCTORS), instance, roster)
    _municipalities_sheet(wb.create_sheet(SHEET_MUNICIPALITIES), instance, roster)
    for ws in wb.worksheets:
        _widths(ws)
    neutralise_workbook(wb)  # names are text, never formulas (OWASP)
    return wb


def write_xlsx(instance: Instance, roster: Roster, path: Path) -> None:
    """The roster as an Excel workbook: Kalender, Leger and Kommuner."""
    workbook(instance, roster).save(path)


# --------------------------------------------------------------------------- csv


def write_csv(instance: Instance, roster: Roster, path: Path) -> None:
    """The exchange format (roster.csv), exactly as other tools read it."""
    path.write_text(roster_csv_text(instance, roster), encoding="utf-8")


# --------------------------------------------------------------------------- html


@dataclass
class Entry:
    label: str
    names: list[str]
    markers: str
    unstaffed: bool


@dataclass
class Day:
    day: int
    in_plan: bool
    weekday: str
    holiday: str | None = None
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Month:
    title: str
    weeks: list[tuple[int, list[Day | None]]]  # (ISO week number, Monday to Sunday)


def marker(shift: Shift) -> str:
    """'(H)' hjemmevakt, '(B)' kompetansebakvakt, '(BV)' bakvakt; combined, e.g. '(B, H)'."""
    marks = []
    if shift.role == Role.backup_competence:
        marks.append("B")
    elif shift.role == Role.backup_other:
        marks.append("BV")
    if shift.mode == Mode.standby:
        marks.append("H")
    return f"({', '.join(marks)})" if marks else ""


def _months(instance: Instance, roster: Roster) -> list[Month]:
    names, missing = _staffing(instance, roster)
    by_day: dict[dt.date, list[Shift]] = {}
    for s in instance.shifts:
        by_day.setdefault(s.date, []).append(s)
    start, end = instance.period.start, instance.period.end
    months: list[Month] = []
    year, month = start.year, start.month
    cal = calendar.Calendar(firstweekday=0)
    while (year, month) <= (end.year, end.month):
        weeks: list[tuple[int, list[Day | None]]] = []
        for week in cal.monthdatescalendar(year, month):
            cells: list[Day | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                cell = Day(
                    day=day.day,
                    in_plan=start <= day <= end,
                    weekday=WEEKDAY_NO[day.weekday()],
                    holiday=holiday_name(day),
                )
                for s in by_day.get(day, []):
                    assigned = names.get(s.id, [])
                    if not assigned and s.id not in missing:
                        continue
                    cell.entries.append(Entry(s.label, assigned, marker(s), s.id in missing))
                cells.append(cell)
            weeks.append((week[0].isocalendar().week, cells))
        months.append(Month(f"{MONTH_NO[month - 1].capitalize()} {year}", weeks))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _template() -> jinja2.Template:
    text = resources.files("roster").joinpath("templates/month.html").read_text(encoding="utf-8")
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return env.from_string(text)


def month_html(instance: Instance, roster: Roster, edition: str = "") -> str:
    """A print-ready month view: one A4 landscape page per month, readable in black and white,
    with ISO week numbers and holiday names. `edition` says which plan this is (e.g.
    «Versjon 2, publisert 3. desember 2026»), printed on every page."""
    period = f"{date_no(instance.period.start)}–{date_no(instance.period.end)}"
    return _template().render(
        legevakt=instance.legevakt.name,
        period=period,
        edition=edition,
        months=_months(instance, roster),
        weekdays=[w.capitalize() for w in WEEKDAY_NO],
        markers=MARKERS,
        unstaffed=UNSTAFFED,
    )


def write_html(instance: Instance, roster: Roster, path: Path) -> None:
    path.write_text(month_html(instance, roster), encoding="utf-8")


#: Export formats the CLI offers: name -> writer.
WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "html": write_html}
