"""Limits on everything that enters from outside (files, forms, API bodies, the command line).

Each limit is far above what a real legevakt needs (Aker legevakt, the largest, has about 350
doctors; a staff list is a few hundred rows; an instance file for 350 doctors is about
160 KB) and far below what would let one request take the server down. The checks that use
them live where the input is read: roster.formats.yamlio (YAML), roster.formats.xlsxguard (Excel, before
openpyxl parses anything), roster.formats.staff (CSV), roster.model (dates), roster.glossary (typed
dates). docs/web.md lists them for the person who installs Vaktplan.
"""

from __future__ import annotations

import datetime as dt

import holidays

# --------------------------------------------------------------------------- YAML

#: An instance or scenario file, in characters.
MAX_YAML_CHARS = 1024 * 1024
#: Nesting of lists and tables.
MAX_YAML_DEPTH = 40
#: Values in the document as if every alias (*name) were written out in full: a "billion
#: laughs" file is refused while it is read, long before anything is built from it.
MAX_YAML_NODES = 200_000
#: Aliases (*name) in one document.
MAX_YAML_ALIASES = 1_000

# --------------------------------------------------------------------------- a plan

#: Doctors (staff list and file together), shift types and municipalities of one plan.
MAX_DOCTORS = 3_000
MAX_SHIFT_TYPES = 60
MAX_MUNICIPALITIES = 100

# --------------------------------------------------------------------------- staff lists

#: Rows (header included) and columns of a staff list, CSV or Excel.
MAX_STAFF_ROWS = 5_000
MAX_STAFF_COLUMNS = 200
#: An .xlsx file is a zip archive: its parts together, unpacked, and how many parts.
MAX_XLSX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_XLSX_PARTS = 500

# --------------------------------------------------------------------------- rosters

#: roster.csv / roster.json given to `legevakt check`, `ical` and `export` (a year of the
#: largest legevakt is about 1 MB).
MAX_ROSTER_FILE_BYTES = 20 * 1024 * 1024

# --------------------------------------------------------------------------- dates

#: Any date written in a file, a form or an option (birth dates, courses, absences, …).
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2199, 12, 31)

_NORWAY = holidays.country_holidays("NO")
#: Plan periods: the years the holiday calendar (the `holidays` package) covers. The last
#: year is one short, since New Year's Eve is found from the next year's New Year's Day.
FIRST_PLAN_DATE = dt.date(int(_NORWAY.start_year), 1, 1)
LAST_PLAN_DATE = dt.date(int(_NORWAY.end_year) - 1, 12, 31)


def date_problem(day: dt.date) -> str | None:
    """A Norwegian message if `day` is outside MIN_DATE..MAX_DATE, else None."""
    if MIN_DATE <= day <= MAX_DATE:
        return None
    return f"datoen {day.isoformat()} er utenfor det som godtas ({MIN_DATE.year}–{MAX_DATE.year})"


def period_problem(start: dt.date, end: dt.date) -> str | None:
    """A Norwegian message if a plan period leaves the holiday calendar's years."""
    if start >= FIRST_PLAN_DATE and end <= LAST_PLAN_DATE:
        return None
    return (
        f"perioden må ligge mellom {FIRST_PLAN_DATE.year} og {LAST_PLAN_DATE.year} "
        "(helligdagskalenderen dekker bare de årene)"
    )
