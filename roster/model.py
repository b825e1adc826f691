"""The domain model: what a legevakt, a doctor, a shift type, a period and a plan are.

Every model is strict: frozen, unknown fields rejected, explicit ids. Cross-reference checks
(a doctor's municipality exists, a shift type's pool names known municipalities, ...) live in
validators, so bad input never reaches the solver.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from roster.limits import MAX_MUNICIPALITIES, date_problem, period_problem

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]

#: Longest name of a person, a place or a shift type.
MAX_NAME = 200


def single_line(value: Any) -> Any:
    """Names are one line of text: line breaks, tabs and runs of spaces become one space,
    other control characters go. A name is shown in calendars (one line each), spreadsheets
    and pages, and must never break them."""
    if not isinstance(value, str):
        return value
    return " ".join("".join(c for c in value if c.isprintable() or c.isspace()).split())


#: A name as people write it: one line, 1 to MAX_NAME characters.
Name = Annotated[
    str, BeforeValidator(single_line), StringConstraints(min_length=1, max_length=MAX_NAME)
]


class StrictModel(BaseModel):
    """Base for every domain model: frozen, no unknown fields, every date within
    roster.limits (far outside them the calendar arithmetic would overflow)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )

    @field_validator("*", mode="after")
    @classmethod
    def _dates_within_limits(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            problem = date_problem(value.date() if isinstance(value, dt.datetime) else value)
            if problem:
                raise ValueError(problem)
        return value


class Role(StrEnum):
    """Role on a shift. See roster.glossary for the Norwegian words."""

    primary = "primary"
    backup_competence = "backup_competence"
    backup_other = "backup_other"


class Mode(StrEnum):
    onsite = "onsite"
    standby = "standby"


class DayKind(StrEnum):
    """What kind of day a date is. Every date has exactly one (priority top-down)."""

    holiday = "holiday"  # public holiday other than an ordinary Sunday
    holiday_eve = "holiday_eve"  # Christmas Eve, New Year's Eve, Easter and Whitsun eves
    sunday = "sunday"
    saturday = "saturday"
    weekday = "weekday"


class Period(StrEnum):
    """Time-of-day period of a shift type, as the leader names it."""

    day = "day"
    evening = "evening"
    night = "night"
    full_day = "full_day"  # døgnvakt


class DoctorKind(StrEnum):
    fastlege = "fastlege"
    legevaktlege = "legevaktlege"  # employed directly by the legevakt
    vikar = "vikar"
    lis1 = "lis1"
    alis = "alis"
    kommunelege = "kommunelege"  # other municipal doctor (sykehjem, kommuneoverlege)


#: Kinds that have a practice day (GP office, nursing home ...) as a work period.
KINDS_WITH_PRACTICE_DAY = frozenset(
    {DoctorKind.fastlege, DoctorKind.alis, DoctorKind.lis1, DoctorKind.kommunelege}
)


class ExemptionKind(StrEnum):
    age = "age"
    pregnancy = "pregnancy"
    breastfeeding = "breastfeeding"
    health = "health"
    social = "social"
    agreement = "agreement"


class Scope(StrEnum):
    """Which shifts an exemption covers."""

    all = "all"
    outside_hours = "outside_hours"  # everything outside weekday office hours (16-08, weekends)
    nights = "nights"
    weekends = "weekends"  # Saturdays, Sundays, holidays and holiday eves
    shift_types = "shift_types"  # only the named shift types


class AbsenceKind(StrEnum):
    holiday = "holiday"  # ferie
    course = "course"  # kurs
    leave = "leave"  # permisjon
    sick = "sick"  # sykmelding
    other = "other"


#: Absences that reduce a doctor's fair target (long leave); holidays and courses do not:
#: the doctor takes the share at other times.
ABSENCES_REDUCING_TARGET = frozenset({AbsenceKind.leave, AbsenceKind.sick})


class ChangeKind(StrEnum):
    """Why a duty changed hands after publication (changes.csv `kind`)."""

    swap = "swap"  # one of two changes that trade duties between two doctors
    giveaway = "giveaway"  # given to a named colleague, nothing back
    board = "board"  # taken from the open board (vaktbørs)
    leader = "leader"  # moved by the leader
    sick = "sick"  # the doctor was sick; the leader moved the duty (or left it open)


class Category(StrEnum):
    """One category per concrete shift, for reports (most specific first)."""

    big_holiday = "big_holiday"
    holiday = "holiday"
    weekend = "weekend"
    night = "night"
    weekday_evening = "weekday_evening"
    weekday_day = "weekday_day"


class BigHoliday(StrEnum):
    christmas = "christmas"
    new_year = "new_year"
    easter = "easter"


class CostKey(StrEnum):
    """How member municipalities share the burden (Helsedirektoratet's keys)."""

    population = "population"
    equal = "equal"
    agreed = "agreed"  # each municipality's `share` as agreed


# --------------------------------------------------------------------------- legevakt


class Municipality(StrictModel):
    id: Id
    name: Name
    population: int = Field(ge=0, le=100_000_000)
    share: float | None = Field(
        default=None, ge=0, le=1_000_000, description="Agreed share (key=agreed)."
    )


class Legevakt(StrictModel):
    id: Id
    name: Name
    host: str = Field(
        min_length=3,
        pattern=r"^[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+$",
        description="Host name used in calendar UIDs, e.g. innherred-legevakt.no",
    )
    address: str = ""
    phone: str = ""
    timezone: Literal["Europe/Oslo"] = "Europe/Oslo"
    municipalities: tuple[Municipality, ...] = Field(min_length=1, max_length=MAX_MUNICIPALITIES)
    cost_key: CostKey = CostKey.population

    @model_validator(mode="after")
    def _unique_municipalities(self) -> Legevakt:
        ids = [m.id for m in self.municipalities]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"kommune-id brukt flere ganger: {', '.join(dup)}")
        if self.cost_key == CostKey.agreed and any(m.share is None for m in self.municipalities):
            raise ValueError("fordelingsnøkkel 'agreed' krever 'share' for hver kommune")
        return self

    def municipality(self, mid: str) -> Municipality:
        for m in self.municipalities:
            if m.id == mid:
                return m
        raise KeyError(mid)


class ShiftType(StrictModel):
    id: Id
    label: Name = Field(description="Norwegian label, e.g. 'Kveld'")
    period: Period
    days: tuple[DayKind, ...] = Field(min_length=1)
    start: dt.time
    end: dt.time = Field(description="End clock time; at or before start means the next day")
    role: Role = Role.primary
    mode: Mode = Mode.onsite
    response_minutes: int | None = Field(default=None, ge=0, le=240)
    doctors: int = Field(default=1, ge=1, le=20, description="How many doctors the shift needs")
    points: int = Field(ge=0, le=100, description="Burden points for one doctor on this shift")
    pool: tuple[Id, ...] | None = Field(
        default=None, description="Member municipalities whose doctors may take it; None = all"
    )
    covers: tuple[Id, ...] = Field(
        default=(),
        description="For role backup_competence: the primary shift types it backs up",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ShiftType:
        if self.mode == Mode.standby and self.response_minutes is None:
            raise ValueError("hjemmevakt krever responstid (response_minutes)")
        if self.role == Role.backup_competence and not self.covers:
            raise ValueError("kompetansebakvakt må si hvilke vakttyper den dekker (covers)")
        if self.role != Role.backup_competence and self.covers:
            raise ValueError("bare kompetansebakvakt kan ha 'covers'")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("klokkeslett skal være uten tidssone (Europe/Oslo brukes)")
        return self

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


# --------------------------------------------------------------------------- doctors


class Exemption(StrictModel):
    kind: ExemptionKind
    scope: Scope = Scope.outside_hours
    shift_types: tuple[Id, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    claimed: bool = True
    granted: bool = Field(
        default=False, description="Granted by the municipality (needed unless it is a right)"
    )
    reference_date: dt.date | None = Field(
        default=None,
        description="Pregnancy: expected due date. Breastfeeding: child's birth (may be left "
        "out when the doctor's pregnancy exemption gives it).",
    )
    born: dt.date | None = Field(
        default=None, description="Pregnancy: the day the child was born, when it is known"
    )
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Exemption:
        if self.scope == Scope.shift_types and not self.shift_types:
            raise ValueError("omfang 'shift_types' krever en liste med vakttyper")
        if self.start and self.end and self.end < self.start:
            raise ValueError("fritak slutter før det starter")
        if self.kind == ExemptionKind.pregnancy and self.reference_date is None:
            raise ValueError("fritak for graviditet krever termindato")
        if self.born is not None and self.kind != ExemptionKind.pregnancy:
            raise ValueError("fødselsdato (born) hører til fritak for graviditet")
        return self


class Absence(StrictModel):
    kind: AbsenceKind
    start: dt.date
    end: dt.date
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> Absence:
        if self.end < self.start:
            raise ValueError("fravær slutter før det starter")
        return self


class Wish(StrictModel):
    want: bool = Field(description="True: wants these duties. False: would rather not.")
    start: dt.date | None = None
    end: dt.date | None = None
    shift_types: tuple[Id, ...] = ()
    weight: int = Field(default=1, ge=1, le=10)
    note: str = ""

    @model_validator(mode="after")
    def _something(self) -> Wish:
        if self.start is None and not self.shift_types:
            raise ValueError("ønsket må gjelde datoer eller vakttyper")
        if self.start and self.end and self.end < self.start:
            raise ValueError("ønsket slutter før det starter")
        return self


class Competence(StrictModel):
    """Facts the competence rules are evaluated on, per shift date."""

    specialist_since: dt.date | None = None
    authorised_since: dt.date | None = None
    legevakt_shifts_before: int = Field(default=0, ge=0, le=100_000)
    gp_year_done: dt.date | None = Field(
        default=None, description="Date one year as GP in municipal service was completed"
    )
    lis1_completed: dt.date | None = None
    acute_course: dt.date | None = None
    violence_course: dt.date | None = None


class Doctor(StrictModel):
    id: Id
    name: Name
    birth_date: dt.date
    municipality: Id
    kind: DoctorKind
    share: float = Field(default=1.0, ge=0, le=3)
    fixed_shifts: int | None = Field(default=None, ge=0, le=1_000)
    rota_from: dt.date | None = Field(
        default=None, description="First day in the rota (a doctor who starts during the plan)"
    )
    rota_until: dt.date | None = Field(
        default=None, description="Last day in the rota (a doctor who leaves during the plan)"
    )
    competence: Competence = Competence()
    exemptions: tuple[Exemption, ...] = ()
    absences: tuple[Absence, ...] = ()
    wishes: tuple[Wish, ...] = ()
    email: str = ""
    phone: str = ""

    @model_validator(mode="after")
    def _rota_dates(self) -> Doctor:
        if self.rota_from and self.rota_until and self.rota_until < self.rota_from:
            raise ValueError("siste dag i vaktordningen er før første dag")
        return self

    @property
    def has_practice_day(self) -> bool:
        return self.kind in KINDS_WITH_PRACTICE_DAY

    def child_birth(self) -> dt.date | None:
        """The birth a breastfeeding exemption without a date follows from: the birth given
        with the pregnancy exemption, else its due date."""
        for e in self.exemptions:
            if e.kind == ExemptionKind.pregnancy:
                return e.born or e.reference_date
        return None


# --------------------------------------------------------------------------- plan


class PlanPeriod(StrictModel):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _order(self) -> PlanPeriod:
        if self.end < self.start:
            raise ValueError("perioden slutter før den starter")
        if (self.end - self.start).days > 400:
            raise ValueError("perioden kan være høyst 400 dager")
        problem = period_problem(self.start, self.end)
        if problem:
            raise ValueError(problem)
        return self

    def dates(self) -> list[dt.date]:
        n = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=i) for i in range(n)]


class BigHolidayDuty(StrictModel):
    year: int
    holiday: BigHoliday
    doctor: Id


class History(StrictModel):
    """What earlier periods left behind."""

    carry_points: dict[Id, float] = Field(
        default_factory=dict,
        description="Points above (+) or below (-) target in earlier periods, per doctor",
    )
    big_holidays: tuple[BigHolidayDuty, ...] = ()


def _rest_after_duty(params: dict[str, Any]) -> dict[str, Any]:
    """`rest_after_duty` (rest after on-site duties only) became `rest` (before and after,
    by load): its values in the new names."""
    out = dict(params)
    hours = out.pop("min_rest_hours", None)
    standby = out.pop("applies_to_standby", None)
    if hours is not None:
        out["onsite_rest_hours"] = hours
    if standby:
        out["standby_rest_hours"] = out.get("onsite_rest_hours", 8)
    return out


#: Rule ids that were renamed, with how their parameters map: files and stored plans written
#: with the old id keep working.
RENAMED_RULES = {"rest_after_duty": ("rest", _rest_after_duty)}


class RuleOverride(StrictModel):
    """A legevakt's local value for a rule parameter, optionally for a date range."""

    rule: Id
    params: dict[str, Any]
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    reason: str = ""

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("rule") in RENAMED_RULES:
            new_id, convert = RENAMED_RULES[data["rule"]]
            params = data.get("params")
            data = {
                **data,
                "rule": new_id,
                "params": convert(params) if isinstance(params, dict) else params,
            }
        return data


FairnessCategory = Literal["night", "weekend", "evening", "big_holiday", "backup", "types"]


def _default_category_weights() -> dict[FairnessCategory, int]:
    return {"night": 2, "weekend": 2, "evening": 1, "big_holiday": 2, "backup": 1, "types": 1}


class FairnessConfig(StrictModel):
    """Lexicographic fairness stages and their tolerances (configuration, not code)."""

    stages: tuple[
        Literal["coverage", "total", "categories", "municipalities", "spread", "wishes"], ...
    ] = ("coverage", "categories", "total", "municipalities", "spread", "wishes")
    tolerance_points: float = Field(
        default=0.25,
        ge=0,
        description="Points a doctor's total may move from the best found, to even out counts",
    )
    replan_tolerance_points: float = Field(
        default=3.0,
        ge=0,
        description="Re-planning: points a doctor's total may be from the best, to keep duties",
    )
    category_weights: dict[FairnessCategory, int] = Field(default_factory=_default_category_weights)
    exemption_makeup: bool = Field(
        default=False,
        description="A granted partial exemption (nights, weekends, shift types) is made up "
        "with other duties, up to the points the doctor would carry without it",
    )
