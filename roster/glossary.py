"""The Norwegian words the product uses, in one place, so every page, CLI line, error and
calendar event says the same thing.

primary = lege i vakt, backup_competence = kompetansebakvakt, onsite = tilstedevakt,
standby = hjemmevakt.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from roster.model import (
    AbsenceKind,
    BigHoliday,
    Category,
    ChangeKind,
    CostKey,
    DayKind,
    DoctorKind,
    ExemptionKind,
    Mode,
    Period,
    Role,
    Scope,
)

if TYPE_CHECKING:
    from roster.calendar import Shift

ROLE_NO: dict[Role, str] = {
    Role.primary: "lege i vakt",
    Role.backup_competence: "kompetansebakvakt",
    Role.backup_other: "bakvakt",
}

MODE_NO: dict[Mode, str] = {Mode.onsite: "tilstedevakt", Mode.standby: "hjemmevakt"}

PERIOD_NO: dict[Period, str] = {
    Period.day: "dag",
    Period.evening: "kveld",
    Period.night: "natt",
    Period.full_day: "døgn",
}

DAY_KIND_NO: dict[DayKind, str] = {
    DayKind.weekday: "hverdag",
    DayKind.saturday: "lørdag",
    DayKind.sunday: "søndag",
    DayKind.holiday: "helligdag",
    DayKind.holiday_eve: "helligdagsaften",
}

#: Cost keys between member municipalities, as a leader says them.
COST_KEY_NO: dict[CostKey, str] = {
    CostKey.population: "innbyggertall",
    CostKey.equal: "like andeler",
    CostKey.agreed: "avtalte andeler",
}

#: The categories doctors count (roster.targets.CATEGORIES), as a leader writes them.
FAIRNESS_CATEGORY_NO: dict[str, str] = {
    "night": "Netter",
    "weekend": "Helg og høytid",
    "evening": "Kvelder",
    "big_holiday": "Store høytider",
    "backup": "Kompetansebakvakter",
}

CATEGORY_NO: dict[Category, str] = {
    Category.weekday_day: "hverdag dag",
    Category.weekday_evening: "hverdag kveld",
    Category.night: "natt",
    Category.weekend: "helg",
    Category.holiday: "helligdag",
    Category.big_holiday: "høytid",
}

BIG_HOLIDAY_NO: dict[BigHoliday, str] = {
    BigHoliday.christmas: "jul",
    BigHoliday.new_year: "nyttår",
    BigHoliday.easter: "påske",
}

DOCTOR_KIND_NO: dict[DoctorKind, str] = {
    DoctorKind.fastlege: "fastlege",
    DoctorKind.legevaktlege: "legevaktlege",
    DoctorKind.vikar: "vikar",
    DoctorKind.lis1: "LIS1",
    DoctorKind.alis: "ALIS",
    DoctorKind.kommunelege: "kommunelege",
}

EXEMPTION_NO: dict[ExemptionKind, str] = {
    ExemptionKind.age: "alder",
    ExemptionKind.pregnancy: "graviditet",
    ExemptionKind.breastfeeding: "amming",
    ExemptionKind.health: "helse",
    ExemptionKind.social: "sosiale grunner",
    ExemptionKind.agreement: "avtale",
}

SCOPE_NO: dict[Scope, str] = {
    Scope.all: "alle vakter",
    Scope.outside_hours: "utenfor kontortid",
    Scope.nights: "natt",
    Scope.weekends: "helg",
    Scope.shift_types: "bestemte vakttyper",
}

#: Scope as a word on the command line (`whatif --scope`). The English values of the file
#: format are read too, so that older scripts keep working.
SCOPE_WORDS: dict[str, Scope] = {
    "alle": Scope.all,
    "utenfor-kontortid": Scope.outside_hours,
    "natt": Scope.nights,
    "helg": Scope.weekends,
}


def scope_from_word(word: str) -> Scope | None:
    """`natt`, `utenfor-kontortid` (also with _ or a space), or an English value; else None."""
    key = word.strip().lower().replace("_", "-").replace(" ", "-")
    if key in SCOPE_WORDS:
        return SCOPE_WORDS[key]
    try:
        scope = Scope(word.strip())
    except ValueError:
        return None
    return None if scope == Scope.shift_types else scope


ABSENCE_NO: dict[AbsenceKind, str] = {
    AbsenceKind.holiday: "ferie",
    AbsenceKind.course: "kurs",
    AbsenceKind.leave: "permisjon",
    AbsenceKind.sick: "sykmelding",
    AbsenceKind.other: "fravær",
}

#: Weekdays from Monday (date.weekday() == 0) and months from January, in lower case as
#: Norwegian writes them inside a sentence.
CHANGE_KIND_NO: dict[ChangeKind, str] = {
    ChangeKind.swap: "bytte",
    ChangeKind.giveaway: "gitt bort",
    ChangeKind.board: "vaktbørs",
    ChangeKind.leader: "flyttet av leder",
    ChangeKind.sick: "sykdom",
}

WEEKDAY_NO = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTH_NO = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)

#: Short words for why nobody could take a shift (explanations of holes and infeasibility).
REASON_NO: dict[str, str] = {
    "pool": "fra annen kommune",
    "age_exemption": "fritatt (alder)",
    "age_exemption_local": "fritatt (alder, lokal avtale)",
    "pregnancy_exemption": "fritatt (graviditet)",
    "breastfeeding_exemption": "fritatt (amming)",
    "granted_exemption": "fritatt (innvilget)",
    "absence": "fravær",
    "courses_required": "mangler kurs",
    "competence_backup": "ikke kompetent som bakvakt",
    "rest": "hviletid",
    "min_gap_days": "for kort avstand til annen vakt",
    "one_at_a_time": "har annen vakt samtidig",
    "max_nights": "nådd tak på netter",
    "max_weekends": "nådd tak på helger",
    "max_duties": "nådd tak på vakter",
    "max_duties_per_week": "nådd tak på vakter per uke",
    "fixed_shifts": "avtalt antall vakter",
    "day_off_after_night": "fri etter natt",
}


def describe_shift(shift: Shift) -> str:
    """'Natt (hjemmevakt)' or 'Kompetansebakvakt kveld (hjemmevakt)'; the mode is left out
    when the label already says it."""
    mode = MODE_NO[shift.mode]
    return shift.label if mode in shift.label.lower() else f"{shift.label} ({mode})"


def span_no(start: dt.datetime, end: dt.datetime) -> str:
    """'mandag 04.01 23:00–08:00': weekday and date of the start, clock times of both."""
    return f"{WEEKDAY_NO[start.weekday()]} {start:%d.%m} {start:%H:%M}–{end:%H:%M}"


def describe_duty(shift: Shift) -> str:
    """'Natt (tilstedevakt) mandag 04.01 23:00–08:00': a duty named with its date."""
    return f"{describe_shift(shift)} {span_no(shift.start, shift.end)}"


def number_no(value: float, decimals: int = 1) -> str:
    """Norwegian number: decimal comma, e.g. 1,3 (never −0,0: a value that rounds to zero is
    written without a sign)."""
    if round(value, decimals) == 0:
        value = 0.0
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "−")


def signed_no(value: float, decimals: int = 1) -> str:
    """A deviation with its sign: +1,4, −0,6, 0,0."""
    text = number_no(value, decimals)
    return text if text.startswith("−") or round(value, decimals) == 0 else "+" + text


def spread_no(value: float, decimals: int = 1) -> str:
    """A distance either way from a target: ±1,2; one that rounds to zero is 0,0 (never
    «±0,0»). Negative values (a bound a little below zero) count as zero."""
    value = max(0.0, value)
    text = number_no(value, decimals)
    return text if round(value, decimals) == 0 else "±" + text


#: Solver stages as a leader reads them (CLI and web).
STAGE_NO: dict[str, str] = {
    "coverage": "Dekning",
    "total": "Jevn total",
    "changes": "Færrest endringer",
    "categories": "Likt antall netter, helger, kvelder og vakttyper",
    "municipalities": "Kommunenes andel",
    "spread": "Spredning",
    "wishes": "Ønsker",
}

#: Status of one solver stage.
STAGE_STATUS_NO: dict[str, str] = {
    "optimal": "bevist optimal",
    "feasible": "ikke bevist optimal",
    "infeasible": "umulig",
    "no_solution": "ingen plan innen tidsgrensen",
    "skipped": "hoppet over (tiden var ute)",
    "unknown": "ikke løst innen tidsgrensen",
    "start": "startplan (ingen tid til søk)",
    "model_invalid": "feil i modellen",
}


def parse_date_no(text: str, field: str) -> dt.date:
    """A date as a person types it, 2027-03-01 or 01.03.2027, within roster.limits;
    InputError naming the field."""
    from roster.errors import InputError, Problem
    from roster.limits import date_problem

    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
        problem = date_problem(day)
        if problem:
            raise InputError([Problem(field=field, message=problem)])
        return day
    shown = text if len(text) <= 40 else text[:40] + "…"
    raise InputError(
        [Problem(field=field, message=f"ugyldig dato «{shown}» (bruk åååå-mm-dd eller dd.mm.åååå)")]
    )
