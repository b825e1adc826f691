"""What the setup forms know: Norwegian labels for every field of the plan file, choices in
Norwegian for every enum, form values turned into the plan file's data (validated after by
the same pydantic models as the file), and problems named by their field's label.

The forms post the plan file's own field names (never shown); the labels are what a leader
reads, beside the inputs and in every error message.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic.fields import FieldInfo

from roster.errors import Problem
from roster.glossary import (
    BIG_HOLIDAY_NO,
    COST_KEY_NO,
    DAY_KIND_NO,
    FAIRNESS_CATEGORY_NO,
    MODE_NO,
    PERIOD_NO,
    ROLE_NO,
    SCOPE_NO,
    WEEKDAY_NO,
)
from roster.model import Role, StrictModel

#: Every field of the plan file a form shows, as the leader reads it.
LABELS: dict[str, str] = {
    # the plan and the legevakt
    "name": "Navn",
    "id": "Kortnavn (id)",
    "host": "Nettadresse (vertsnavn)",
    "address": "Adresse",
    "phone": "Telefon",
    "cost_key": "Fordelingsnøkkel mellom kommunene",
    "municipalities": "Kommuner",
    "population": "Innbyggere",
    "share": "Avtalt andel",
    "period": "Tid på døgnet",
    "start": "Fra",
    "end": "Til",
    "ruleset": "Regelsett",
    # shift types
    "label": "Navn",
    "days": "Dager",
    "role": "Rolle",
    "mode": "Form",
    "response_minutes": "Responstid (minutter)",
    "doctors": "Antall leger",
    "points": "Belastningspoeng",
    "pool": "Kommuner som tar vakten",
    "covers": "Bakvakt for",
    "shift_types": "Vakttyper",
    # fairness
    "tolerance_points": "Slingringsmonn for jevne antall (poeng)",
    "replan_tolerance_points": "Slingringsmonn ved endring av publisert plan (poeng)",
    "category_weights": "Vekt per kategori",
    "exemption_makeup": "Delvis fritak tas igjen med andre vakter",
    "stages": "Rekkefølge",
    # rule overrides
    "rule": "Regel",
    "params": "Verdier",
    "valid_from": "Gjelder fra",
    "valid_to": "Gjelder til",
    "reason": "Begrunnelse",
    # absences and exemptions
    "kind": "Type",
    "scope": "Omfang",
    "note": "Merknad",
    "granted": "Innvilget av kommunen",
    "reference_date": "Termin / barnets fødselsdato",
    "born": "Født",
    "doctor": "Lege",
    "want": "Ønske",
    "weight": "Vekt",
    "carry_points": "Overført fra tidligere perioder (poeng)",
    "big_holidays": "Store høytider",
    "holiday": "Høytid",
    "year": "År",
    # rule parameters
    "age": "Alder",
    "may_apply_age": "Kan søke fra alder",
    "months_before_due": "Måneder før termin",
    "weeks_after_due_unborn": "Uker etter termin før fødselen er kjent",
    "child_age_months": "Barnets alder (måneder)",
    "acute_valid_months": "Kurs i akuttmedisin gjelder (måneder, tomt: alltid)",
    "violence_valid_months": "Kurs i vold og overgrep gjelder (måneder, tomt: alltid)",
    "specialist_counts": "Spesialist i allmennmedisin kan ha vakt alene",
    "months_after_authorisation": "Måneder etter autorisasjon",
    "shifts_required": "Legevakter som kreves",
    "gp_year_counts": "Ett år som fastlege teller",
    "lis1_exception_permitted": "LIS1-unntaket er tillatt",
    "lis1_exception": "Legevakten bruker LIS1-unntaket",
    "attend_in_person": "Bakvakten må kunne møte",
    "max_response_minutes": "Bakvaktens responstid høyst (minutter)",
    "onsite_rest_hours": "Hvile før og etter tilstedevakt (timer)",
    "standby_rest_hours": "Hvile før og etter hjemmevakt (timer)",
    "practice_weekdays": "Praksisdager",
    "practice_start": "Praksisdagen starter",
    "practice_end": "Praksisdagen slutter",
    "enabled": "Regelen brukes",
    "compensation_nok": "Kostnad for én fridag (kr)",
    "allow_back_to_back": "Kveld rett før natt regnes som én vakt",
    "max": "Høyst",
    "years": "Antall år før samme høytid igjen",
}

#: The Norwegian words for each enum's values, by enum class name.
CHOICES: dict[str, Mapping[Any, str]] = {
    "CostKey": COST_KEY_NO,
    "DayKind": DAY_KIND_NO,
    "Period": PERIOD_NO,
    "Role": ROLE_NO,
    "Mode": MODE_NO,
    "Scope": SCOPE_NO,
    "BigHoliday": BIG_HOLIDAY_NO,
}

#: The fairness categories a leader weighs, and «every shift type».
WEIGHT_NO = {**FAIRNESS_CATEGORY_NO, "types": "Hver vakttype"}


def label(field: str | None) -> str:
    """«municipalities[2].population» -> «Innbyggere (kommune 3)»."""
    if not field:
        return ""
    parts = field.replace("]", "").split(".")
    last = parts[-1].split("[")[0]
    text = LABELS.get(last, "Verdi")
    for part in parts[:-1]:
        name, _, index = part.partition("[")
        if name == "municipalities" and index.isdigit():
            text += f" (kommune {int(index) + 1})"
    return text


def named(problems: list[Problem]) -> list[Problem]:
    """The same problems with the field's Norwegian label in place of its path (and no line
    of a file the leader never saw)."""
    return [
        p.model_copy(update={"field": label(p.field) or None, "line": None, "file": None})
        for p in problems
    ]


# --------------------------------------------------------------------------- form values


def text(form: Mapping[str, Any], key: str) -> str | None:
    value = form.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def values(form: Any, key: str) -> list[str]:
    return [v for v in form.getlist(key) if isinstance(v, str) and v.strip()]


def number(form: Mapping[str, Any], key: str) -> str | None:
    """A number as written: a decimal comma becomes a point; pydantic checks the rest."""
    value = text(form, key)
    return value.replace(",", ".").replace("\u2212", "-") if value else None


def checked(form: Mapping[str, Any], key: str) -> bool:
    return form.get(key) in ("on", "1", "ja", "true")


def pick(form: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The filled-in fields among `keys` (empty ones are left to the model's defaults)."""
    out: dict[str, Any] = {}
    for key in keys:
        value = number(form, key)
        if value is not None:
            out[key] = value
    return out


SHIFT_FIELDS = ("id", "label", "start", "end", "response_minutes", "doctors", "points")


def shift_type_data(form: Any, old: str | None) -> dict[str, Any]:
    """A shift type's form as the plan file's data (`old`: the id of the one changed)."""
    data = pick(form, SHIFT_FIELDS)
    if old:
        data["id"] = old
    for key in ("period", "role", "mode"):
        if text(form, key):
            data[key] = text(form, key)
    data["days"] = values(form, "days")
    if not checked(form, "pool_all"):
        data["pool"] = values(form, "pool")
    data["covers"] = (
        values(form, "covers") if data.get("role") == Role.backup_competence.value else []
    )
    return data


# --------------------------------------------------------------------------- rule parameters


@dataclass
class ParamField:
    """One parameter of a rule as a form field."""

    name: str
    label: str
    kind: str  # "int", "float", "bool", "time", "choice", "weekdays"
    current: Any
    choices: list[tuple[str, str]]
    optional: bool


def _inner(annotation: Any) -> tuple[Any, bool]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        return next(a for a in args if a is not type(None)), True
    return annotation, False


def param_fields(model: type[StrictModel], current: StrictModel | None) -> list[ParamField]:
    """The form fields of a rule's parameters, with the values in force now."""
    out = []
    info: FieldInfo
    for name, info in model.model_fields.items():
        inner, optional = _inner(info.annotation)
        value = getattr(current, name, None) if current is not None else None
        choices: list[tuple[str, str]] = []
        if inner is bool:
            kind = "bool"
        elif inner is int:
            kind = "int"
        elif inner is float:
            kind = "float"
        elif inner is dt.time:
            kind = "time"
        elif isinstance(inner, type) and issubclass(inner, Enum):
            kind = "choice"
            words = CHOICES.get(inner.__name__, {})
            choices = [(m.value, words.get(m, m.value)) for m in inner]
        else:  # tuple[int, ...]: the weekdays of the practice
            kind = "weekdays"
            choices = [(str(i), w) for i, w in enumerate(WEEKDAY_NO)]
        out.append(ParamField(name, LABELS.get(name, name), kind, value, choices, optional))
    return out


def param_values(form: Any, fields: list[ParamField]) -> dict[str, Any]:
    """The parameters a leader filled in (blank: the rule set's value stays)."""
    out: dict[str, Any] = {}
    for f in fields:
        if f.kind == "bool":
            choice = text(form, f.name)
            if choice is not None:
                out[f.name] = choice == "ja"
        elif f.kind == "weekdays":
            days = values(form, f.name)
            if days:
                out[f.name] = [int(d) for d in days if d.isdigit()]
        else:
            value = number(form, f.name) if f.kind in ("int", "float") else text(form, f.name)
            if value is not None:
                out[f.name] = value
    return out


FAIRNESS_WEIGHTS = tuple(FAIRNESS_CATEGORY_NO)
