"""Rules as dated data.

The rule set shipped with the package (roster/rulesets/norge.yaml) holds every rule with a
stable id, its parameter values, the dates they are valid and their source. Each rule id has a
typed parameter model here, so a typo in a rule file or an override is caught on load.

`RuleBook` answers "which parameters apply to a shift on this date?": the rule set version
valid on that date, with the legevakt's overrides on top.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import yaml
from pydantic import Field, ValidationError, model_validator

from roster.model import RuleOverride, Scope, StrictModel

# --------------------------------------------------------------------------- parameters


class NoParams(StrictModel):
    pass


class AgeExemptionParams(StrictModel):
    age: int = Field(ge=40, le=80, description="Age from which a claimed exemption is a right")
    scope: Scope = Scope.outside_hours


class AgeExemptionLocalParams(StrictModel):
    may_apply_age: int | None = Field(
        default=None, ge=40, le=80, description="Age from which a doctor may apply (granted)"
    )
    scope: Scope = Scope.outside_hours


class PregnancyExemptionParams(StrictModel):
    months_before_due: int = Field(ge=0, le=9)
    weeks_after_due_unborn: int = Field(
        default=2,
        ge=0,
        le=6,
        description="While the birth is not known: the pregnancy is taken to last this long "
        "after the due date",
    )
    scope: Scope = Scope.outside_hours


class BreastfeedingExemptionParams(StrictModel):
    child_age_months: int = Field(ge=0, le=36)
    scope: Scope = Scope.outside_hours


class CoursesRequiredParams(StrictModel):
    acute_valid_months: int | None = Field(default=None, ge=1, description="None: never expires")
    violence_valid_months: int | None = Field(default=None, ge=1)


class CompetenceBackupParams(StrictModel):
    specialist_counts: bool = True
    months_after_authorisation: int = Field(ge=0, le=120)
    shifts_required: int = Field(ge=0, le=1000)
    gp_year_counts: bool = True
    lis1_exception_permitted: bool = Field(
        default=False,
        description="The regulation lets a municipality skip the back-up for doctors who "
        "completed LIS1 (30.04.2021-31.12.2024)",
    )
    lis1_exception: bool = Field(
        default=False,
        description="This legevakt has chosen to use that exception (only where permitted)",
    )
    attend_in_person: bool = False
    max_response_minutes: int | None = Field(default=None, ge=0, le=240)


class RestParams(StrictModel):
    onsite_rest_hours: float = Field(
        ge=0, le=24, description="Rest before and after an on-site duty (tilstedevakt)"
    )
    standby_rest_hours: float = Field(
        default=0, ge=0, le=24, description="Rest before and after a home standby (hjemmevakt)"
    )
    practice_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    practice_start: dt.time = dt.time(8, 0)
    practice_end: dt.time = dt.time(16, 0)


class DayOffAfterNightParams(StrictModel):
    enabled: bool = True
    compensation_nok: int | None = Field(default=None, ge=0, description="Cost of one day off")


class MinGapDaysParams(StrictModel):
    days: int = Field(ge=0, le=30, description="At least this many days between duty starts")
    allow_back_to_back: bool = Field(
        default=True, description="Evening straight into night counts as one duty"
    )


class MaxCountParams(StrictModel):
    max: int | None = Field(default=None, ge=0)


class BigHolidayRotationParams(StrictModel):
    years: int = Field(
        default=1, ge=0, le=10, description="Not the same big holiday again for N years"
    )


class WishesParams(StrictModel):
    enabled: bool = True


#: Every rule id and its parameter model. The single list of rule ids in the code base.
RULE_PARAMS: dict[str, type[StrictModel]] = {
    "coverage": NoParams,
    "pool": NoParams,
    "absence": NoParams,
    "one_at_a_time": NoParams,
    "age_exemption": AgeExemptionParams,
    "age_exemption_local": AgeExemptionLocalParams,
    "pregnancy_exemption": PregnancyExemptionParams,
    "breastfeeding_exemption": BreastfeedingExemptionParams,
    "granted_exemption": NoParams,
    "courses_required": CoursesRequiredParams,
    "competence_backup": CompetenceBackupParams,
    "rest": RestParams,
    "day_off_after_night": DayOffAfterNightParams,
    "min_gap_days": MinGapDaysParams,
    "max_nights": MaxCountParams,
    "max_weekends": MaxCountParams,
    "max_duties": MaxCountParams,
    "max_duties_per_week": MaxCountParams,
    "fixed_shifts": NoParams,
    "big_holiday_rotation": BigHolidayRotationParams,
    "wishes": WishesParams,
}

#: Rules that a roster may not break. The others are soft: the solver weighs them and the
#: checker lists them as remarks (merknader), not breaches.
SOFT_RULES = frozenset({"big_holiday_rotation", "wishes"})

P = TypeVar("P", bound=StrictModel)


# --------------------------------------------------------------------------- rule set


class Source(StrictModel):
    name: str = Field(min_length=1)
    paragraph: str | None = None
    url: str | None = None
    note: str = Field(
        default="", description="What the text says, and what about the date is not verified"
    )

    def cite(self) -> str:
        """'Fastlegeforskriften (...) § 13 (https://...)' or 'Lokal praksis, ønsker'."""
        text = self.name
        if self.paragraph:
            joined = self.paragraph.startswith(("§", "pkt"))
            text += (" " if joined else ", ") + self.paragraph
        return text + (f" ({self.url})" if self.url else "")


class RuleVersion(StrictModel):
    valid_from: dt.date
    valid_to: dt.date | None = None
    in_force: bool = Field(
        default=True,
        description="False: the rule did not apply in this period (not yet in force, or a "
        "transition period); the source says why. Such a version has no parameters.",
    )
    params: dict[str, Any] = Field(default_factory=dict)
    source: Source

    @model_validator(mode="after")
    def _no_params_when_not_in_force(self) -> RuleVersion:
        if not self.in_force and self.params:
            raise ValueError(
                f"versjonen fra {self.valid_from} er ikke i kraft og har ingen verdier"
            )
        return self

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class RuleDef(StrictModel):
    id: str
    title: str = Field(min_length=1, description="Norwegian title a leader understands")
    description: str = Field(min_length=1)
    versions: tuple[RuleVersion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> RuleDef:
        if self.id not in RULE_PARAMS:
            raise ValueError(f"ukjent regel-id: {self.id}")
        model = RULE_PARAMS[self.id]
        for v in self.versions:
            if v.in_force:
                model.model_validate(v.params)
        ordered = sorted(self.versions, key=lambda v: v.valid_from)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.valid_to is None or a.valid_to >= b.valid_from:
                raise ValueError(f"regel {self.id}: versjonene overlapper ({b.valid_from})")
        return self


class RuleSet(StrictModel):
    name: str
    version: str
    description: str = ""
    rules: tuple[RuleDef, ...]

    @model_validator(mode="after")
    def _complete(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        missing = sorted(set(RULE_PARAMS) - set(ids))
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if missing:
            raise ValueError(f"regelsettet mangler regler: {', '.join(missing)}")
        if dup:
            raise ValueError(f"regel-id brukt flere ganger: {', '.join(dup)}")
        return self

    def rule(self, rule_id: str) -> RuleDef:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


class RuleError(ValueError):
    """A rule cannot be applied (no version valid on a date, a bad override)."""


@cache
def ruleset_names() -> list[str]:
    """The rule sets shipped with the package (roster/rulesets/NAME.yaml)."""
    folder = resources.files("roster").joinpath("rulesets")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_ruleset(name: str = "norge") -> RuleSet:
    """Load a rule set shipped with the package, by name only: never a path (an unknown
    name is FileNotFoundError, whatever files exist elsewhere)."""
    if name not in ruleset_names():
        raise FileNotFoundError(name)
    text = resources.files("roster").joinpath(f"rulesets/{name}.yaml").read_text("utf-8")
    return RuleSet.model_validate(yaml.safe_load(text))


class RuleBook:
    """The parameters in force on each date: rule set versions plus local overrides."""

    def __init__(self, ruleset: RuleSet, overrides: tuple[RuleOverride, ...] = ()) -> None:
        self.ruleset = ruleset
        self.overrides = overrides
        problems: list[str] = []
        for o in overrides:
            if o.rule not in RULE_PARAMS:
                problems.append(f"overstyring av ukjent regel '{o.rule}'")
                continue
            fields = RULE_PARAMS[o.rule].model_fields
            unknown = sorted(set(o.params) - set(fields))
            if unknown:
                problems.append(
                    f"overstyring av regel '{o.rule}': ukjente parametre {', '.join(unknown)}"
                )
        if problems:
            raise RuleError("; ".join(problems))
        self._cache: dict[tuple[str, dt.date], tuple[StrictModel | None, Source]] = {}
        #: Facts about one doctor on one date under these rules (roster.eligibility.memo):
        #: eligibility asks them for every duty, and the duties of a day share them.
        self.memo: dict[tuple[object, ...], tuple[object, object]] = {}

    def _resolve(self, rule_id: str, day: dt.date) -> tuple[StrictModel | None, Source]:
        """The parameters in force on the date and their source; None for the parameters
        when the rule was not in force then (local overrides cannot bring it in force)."""
        key = (rule_id, day)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        rule = self.ruleset.rule(rule_id)
        version = next((v for v in rule.versions if v.covers(day)), None)
        if version is None:
            raise RuleError(f"regel '{rule_id}' har ingen versjon som gjelder {day.isoformat()}")
        if not version.in_force:
            self._cache[key] = (None, version.source)
            return None, version.source
        params = dict(version.params)
        source = version.source
        for o in self.overrides:
            if o.rule != rule_id:
                continue
            if o.valid_from and day < o.valid_from or o.valid_to and day > o.valid_to:
                continue
            params.update(o.params)
            source = Source(
                name=f"Lokal overstyring: {o.reason or 'vedtatt av legevakten'}",
                paragraph=None,
                url=None,
            )
        try:
            value = RULE_PARAMS[rule_id].model_validate(params)
        except ValidationError as exc:
            raise RuleError(
                f"regel '{rule_id}' på {day.isoformat()}: ugyldige verdier: {exc}"
            ) from exc
        self._cache[key] = (value, source)
        return value, source

    def in_force(self, rule_id: str, day: dt.date) -> bool:
        """Did the rule apply on this date? (A plan dated before a rule existed is not
        judged by it.)"""
        return self._resolve(rule_id, day)[0] is not None

    def params(self, rule_id: str, day: dt.date, model: type[P]) -> P:
        value, _ = self._resolve(rule_id, day)
        if value is None:
            raise RuleError(f"regel '{rule_id}' gjaldt ikke {day.isoformat()}")
        if not isinstance(value, model):
            raise TypeError(f"{rule_id} has parameters of type {type(value).__name__}")
        return value

    def source(self, rule_id: str, day: dt.date) -> Source:
        return self._resolve(rule_id, day)[1]

    def title(self, rule_id: str) -> str:
        return self.ruleset.rule(rule_id).title

    def check_dates(self, first: dt.date, last: dt.date) -> list[str]:
        """Problems with applying the rule set to every date in [first, last]."""
        problems: list[str] = []
        day = first
        while day <= last:
            for rule_id in RULE_PARAMS:
                try:
                    self._resolve(rule_id, day)
                except RuleError as exc:
                    problems.append(str(exc))
            day += dt.timedelta(days=1)
        return sorted(set(problems))

    def record(self) -> dict[str, Any]:
        """What a plan records about the rules it used."""
        return {
            "ruleset": self.ruleset.name,
            "version": self.ruleset.version,
            "overrides": [o.model_dump(mode="json") for o in self.overrides],
        }
