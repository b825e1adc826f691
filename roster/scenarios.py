"""What-if scenarios: named lists of changes to an instance, written in a small YAML file.

    scenarios:
      - name: Dr Hoseth fritatt for netter fra mars
        changes:
          - {exempt: lev-02, from: 2027-03-01, scope: nights}
      - name: Frosta går ut
        changes:
          - {remove_municipality: frosta}

Each change is one mapping whose first key says what it does (see `CHANGES`). Applying a
scenario gives a new, fully validated Instance; nothing else is touched. Every problem in a
file is reported at once, in Norwegian, with the line it is on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from roster.errors import InputError, Problem, problems_from_validation
from roster.formats import yamlio
from roster.instance import Instance
from roster.model import (
    RENAMED_RULES,
    Competence,
    Doctor,
    DoctorKind,
    Exemption,
    ExemptionKind,
    History,
    Id,
    Municipality,
    RuleOverride,
    Scope,
    ShiftType,
    StrictModel,
)
from roster.rules import RULE_PARAMS


class _Change(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Exempt(_Change):
    """Exempt a doctor (from a date, for a scope), as if the municipality had granted it."""

    exempt: Id
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")
    scope: Scope = Scope.all
    shift_types: tuple[Id, ...] = ()
    kind: ExemptionKind = ExemptionKind.agreement


class Unexempt(_Change):
    """Take away a doctor's exemptions (all of them, or of one kind), from a date or for the
    whole period."""

    unexempt: Id
    kind: ExemptionKind | None = None
    start: dt.date | None = Field(default=None, alias="from")


class ClaimAgeExemption(_Change):
    """Every doctor who has not claimed the age exemption claims it (the right itself follows
    the rule `age_exemption`): what happens if all who may, do."""

    claim_age_exemption: Literal["all"]


class AddDoctors(_Change):
    """Hire doctors who can work alone (specialist, courses done), e.g. employed legevakt
    doctors."""

    add_doctors: int = Field(ge=1, le=50)
    municipality: Id
    kind: DoctorKind = DoctorKind.legevaktlege
    share: float = Field(default=1.0, ge=0, le=3)
    name: str = "Ny lege"


class RemoveDoctors(_Change):
    remove_doctors: tuple[Id, ...] = Field(min_length=1)


class RemoveMunicipality(_Change):
    """A member municipality leaves: its doctors go, and shift types only it staffed go too."""

    remove_municipality: Id


class AddMunicipality(_Change):
    """A new member municipality, with doctors who can work alone."""

    add_municipality: Id
    name: str = Field(min_length=1)
    population: int = Field(ge=0)
    doctors: int = Field(default=0, ge=0, le=50)
    join: tuple[Id, ...] = Field(
        default=(), description="Shift types with a pool that the new municipality joins"
    )


class ChangeRule(_Change):
    """A rule value as it would be if the law or the local agreement changed."""

    rule: Id
    params: dict[str, Any] = Field(min_length=1)
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")


class ChangeShiftType(_Change):
    """Change a shift type's fields (mode, start, end, doctors, points, pool, days ...)."""

    shift_type: Id
    set: dict[str, Any] = Field(min_length=1)


class ChangeMunicipalityKey(_Change):
    municipality_key: Id
    population: int | None = Field(default=None, ge=0)
    share: float | None = Field(default=None, ge=0)


class ChangeShare(_Change):
    """Participation share for the named doctors, or for everyone ('all')."""

    share: float = Field(ge=0, le=3)
    doctors: tuple[Id, ...] | Literal["all"] = "all"


class ScaleShare(_Change):
    """Multiply participation shares (of the named doctors, or everyone's) by a factor."""

    scale_share: float = Field(gt=0, le=3)
    doctors: tuple[Id, ...] | Literal["all"] = "all"


Change = (
    Exempt
    | Unexempt
    | ClaimAgeExemption
    | AddDoctors
    | RemoveDoctors
    | RemoveMunicipality
    | AddMunicipality
    | ChangeRule
    | ChangeShiftType
    | ChangeMunicipalityKey
    | ChangeShare
    | ScaleShare
)

#: The first key of a change says which it is.
CHANGES: dict[str, type[_Change]] = {
    "exempt": Exempt,
    "unexempt": Unexempt,
    "claim_age_exemption": ClaimAgeExemption,
    "add_doctors": AddDoctors,
    "remove_doctors": RemoveDoctors,
    "remove_municipality": RemoveMunicipality,
    "add_municipality": AddMunicipality,
    "rule": ChangeRule,
    "shift_type": ChangeShiftType,
    "municipality_key": ChangeMunicipalityKey,
    "share": ChangeShare,
    "scale_share": ScaleShare,
}


class Scenario(StrictModel):
    name: str = Field(min_length=1)
    changes: tuple[Any, ...] = Field(min_length=1)  # Change models (parsed in `parse`)


# --------------------------------------------------------------------------- parsing


def parse_scenarios_text(text: str, name: str = "scenarios.yaml") -> list[Scenario]:
    """Parse and check the scenario file; raise InputError with every problem and its line."""
    try:
        data = yamlio.load(text)
    except Exception as exc:  # yaml errors carry a position
        raise InputError([yamlio.problem(exc, name, text)]) from None
    lines = yamlio.line_map(text)
    items = data.get("scenarios") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise InputError(
            [Problem(file=name, message="filen må ha en liste «scenarios:» med minst ett scenario")]
        )
    problems: list[Problem] = []
    out: list[Scenario] = []
    names: set[str] = set()
    for i, item in enumerate(items):
        where = ("scenarios", i)
        if not isinstance(item, dict):
            problems.append(_problem(name, lines, where, "et scenario må ha «name» og «changes»"))
            continue
        extra = sorted(set(item) - {"name", "changes"})
        for key in extra:
            problems.append(_problem(name, lines, (*where, key), "ukjent felt (skrivefeil?)"))
        title = item.get("name")
        if isinstance(title, int | float) and not isinstance(title, bool):
            title = str(title)  # "name: 55" is a name, not a number
        if not isinstance(title, str) or not title.strip():
            problems.append(_problem(name, lines, where, "scenariet mangler navn («name»)"))
            title = f"scenario {i + 1}"
        elif title in names:
            problems.append(
                _problem(name, lines, (*where, "name"), f"navnet «{title}» er brukt før")
            )
        names.add(title)
        raw = item.get("changes")
        if not isinstance(raw, list) or not raw:
            problems.append(
                _problem(name, lines, where, f"«{title}»: mangler endringer («changes»)")
            )
            continue
        changes = []
        for j, change in enumerate(raw):
            parsed = _parse_change(change, name, lines, (*where, "changes", j), problems)
            if parsed is not None:
                changes.append(parsed)
        if len(changes) == len(raw):
            out.append(Scenario(name=title, changes=tuple(changes)))
    if problems:
        raise InputError(problems)
    return out


def read_scenarios(path: Path) -> list[Scenario]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(file=str(path), message="filen finnes ikke")]) from None
    except (UnicodeDecodeError, OSError):
        raise InputError(
            [Problem(file=path.name, message="kan ikke lese filen som tekst")]
        ) from None
    return parse_scenarios_text(text, path.name)


def _problem(
    file: str, lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...], message: str
) -> Problem:
    probe = loc
    while probe and probe not in lines:
        probe = probe[:-1]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return Problem(file=file, line=lines.get(probe), field=path or None, message=message)


def _parse_change(
    raw: Any,
    file: str,
    lines: dict[tuple[Any, ...], int],
    loc: tuple[Any, ...],
    problems: list[Problem],
) -> _Change | None:
    if not isinstance(raw, dict) or not raw:
        problems.append(_problem(file, lines, loc, "en endring må være en tabell (nøkkel: verdi)"))
        return None
    kinds = [k for k in raw if k in CHANGES]
    if len(kinds) != 1:
        known = ", ".join(CHANGES)
        what = "ingen kjent endring" if not kinds else f"flere endringer ({', '.join(kinds)})"
        problems.append(_problem(file, lines, loc, f"{what}: én endring per punkt, en av {known}"))
        return None
    try:
        return CHANGES[kinds[0]].model_validate(raw)
    except ValidationError as exc:
        for p in problems_from_validation(exc, file):
            sub = tuple(p.field.split(".")) if p.field else ()
            problems.append(_problem(file, lines, (*loc, *sub), p.message))
        return None


# --------------------------------------------------------------------------- applying


def apply(instance: Instance, scenario: Scenario) -> Instance:
    """The instance as the scenario would make it. Raises InputError (in Norwegian, naming
    the scenario and the change) if a change refers to something that is not there or
    leaves an instance that does not hold together."""
    data: dict[str, Any] = {
        "name": f"{instance.name} – {scenario.name}",
        "legevakt": instance.legevakt,
        "period": instance.period,
        "doctors": list(instance.doctors),
        "shift_types": list(instance.shift_types),
        "history": instance.history,
        "ruleset": instance.ruleset,
        "rule_overrides": list(instance.rule_overrides),
        "fairness": instance.fairness,
    }
    problems: list[Problem] = []
    for j, change in enumerate(scenario.changes):
        try:
            APPLY[type(change)](data, change, scenario.name)
        except ScenarioError as exc:
            field = f"changes[{j}]"
            problems.append(Problem(field=field, message=f"«{scenario.name}»: {exc}"))
    if problems:
        raise InputError(problems)
    try:
        return Instance(**data)
    except ValidationError as exc:
        found = problems_from_validation(exc)
        raise InputError(
            [p.model_copy(update={"message": f"«{scenario.name}»: {p.message}"}) for p in found]
        ) from None


class ScenarioError(ValueError):
    """A change that cannot be applied to this instance (message in Norwegian)."""


def _doctor_index(data: dict[str, Any], doctor_id: str) -> int:
    for i, d in enumerate(data["doctors"]):
        if d.id == doctor_id:
            return i
    raise ScenarioError(f"ukjent lege «{doctor_id}»")


def _municipality(data: dict[str, Any], mid: str) -> Municipality:
    for m in data["legevakt"].municipalities:
        if m.id == mid:
            return m  # type: ignore[no-any-return]
    raise ScenarioError(f"ukjent kommune «{mid}»")


def _shift_type_ids(data: dict[str, Any]) -> set[str]:
    return {t.id for t in data["shift_types"]}


def _apply_exempt(data: dict[str, Any], c: Exempt, name: str) -> None:
    i = _doctor_index(data, c.exempt)
    unknown = sorted(set(c.shift_types) - _shift_type_ids(data))
    if unknown:
        raise ScenarioError(f"ukjent vakttype «{unknown[0]}»")
    try:
        ex = Exemption(
            kind=c.kind,
            scope=c.scope,
            shift_types=c.shift_types,
            start=c.start,
            end=c.end,
            claimed=True,
            granted=True,
            note=f"scenario: {name}",
        )
    except ValidationError as exc:
        raise ScenarioError("; ".join(p.message for p in problems_from_validation(exc))) from None
    d = data["doctors"][i]
    data["doctors"][i] = d.model_copy(update={"exemptions": (*d.exemptions, ex)})


def _apply_unexempt(data: dict[str, Any], c: Unexempt, name: str) -> None:
    i = _doctor_index(data, c.unexempt)
    d = data["doctors"][i]
    hit = [e for e in d.exemptions if c.kind is None or e.kind == c.kind]
    if not hit:
        raise ScenarioError(f"legen «{c.unexempt}» har ikke noe slikt fritak")
    kept = [e for e in d.exemptions if e not in hit]
    if c.start is not None:  # the exemption still holds before that date
        last = c.start - dt.timedelta(days=1)
        kept += [
            e.model_copy(update={"end": min(e.end or last, last)})
            for e in hit
            if e.start is None or e.start <= last
        ]
    data["doctors"][i] = d.model_copy(update={"exemptions": tuple(kept)})


def _apply_claim_age(data: dict[str, Any], c: ClaimAgeExemption, name: str) -> None:
    claim = Exemption(kind=ExemptionKind.age, claimed=True, note=f"scenario: {name}")
    data["doctors"] = [
        d
        if any(e.kind == ExemptionKind.age and e.claimed for e in d.exemptions)
        else d.model_copy(update={"exemptions": (*d.exemptions, claim)})
        for d in data["doctors"]
    ]


def new_doctor(
    doctor_id: str, name: str, municipality: str, kind: DoctorKind, share: float, start: dt.date
) -> Doctor:
    """A doctor who can work alone: specialist for years, courses taken a year ago, 45 years
    old (no age exemption)."""
    year_ago = start - dt.timedelta(days=365)
    return Doctor(
        id=doctor_id,
        name=name,
        birth_date=start.replace(year=start.year - 45),
        municipality=municipality,
        kind=kind,
        share=share,
        competence=Competence(
            specialist_since=start.replace(year=start.year - 10),
            authorised_since=start.replace(year=start.year - 15),
            acute_course=year_ago,
            violence_course=year_ago,
        ),
    )


def _fresh_ids(data: dict[str, Any], prefix: str, n: int) -> list[str]:
    taken = {d.id for d in data["doctors"]}
    out: list[str] = []
    k = 1
    while len(out) < n:
        candidate = f"{prefix}-{k}"
        if candidate not in taken:
            out.append(candidate)
            taken.add(candidate)
        k += 1
    return out


def _add_doctors(
    data: dict[str, Any], n: int, municipality: str, kind: DoctorKind, share: float, name: str
) -> None:
    start = data["period"].start
    for k, doctor_id in enumerate(_fresh_ids(data, f"ny-{municipality}", n), start=1):
        label = f"{name} {k}" if n > 1 else name
        data["doctors"].append(new_doctor(doctor_id, label, municipality, kind, share, start))


def _apply_add_doctors(data: dict[str, Any], c: AddDoctors, name: str) -> None:
    _municipality(data, c.municipality)
    _add_doctors(data, c.add_doctors, c.municipality, c.kind, c.share, c.name)


def _drop_doctors(data: dict[str, Any], ids: set[str]) -> None:
    data["doctors"] = [d for d in data["doctors"] if d.id not in ids]
    h: History = data["history"]
    data["history"] = History(
        carry_points={k: v for k, v in h.carry_points.items() if k not in ids},
        big_holidays=tuple(b for b in h.big_holidays if b.doctor not in ids),
    )


def _apply_remove_doctors(data: dict[str, Any], c: RemoveDoctors, name: str) -> None:
    for doctor_id in c.remove_doctors:
        _doctor_index(data, doctor_id)
    _drop_doctors(data, set(c.remove_doctors))


def _drop_shift_types(data: dict[str, Any], gone: set[str]) -> None:
    """Remove shift types, back-ups left covering nothing, and references to them."""
    while gone:
        kept: list[ShiftType] = []
        more: set[str] = set()
        for t in data["shift_types"]:
            if t.id in gone:
                continue
            covers = tuple(x for x in t.covers if x not in gone)
            if t.covers and not covers:
                more.add(t.id)
                continue
            kept.append(t.model_copy(update={"covers": covers}) if covers != t.covers else t)
        data["shift_types"] = kept
        doctors = []
        for d in data["doctors"]:
            ex = tuple(
                e.model_copy(
                    update={"shift_types": tuple(s for s in e.shift_types if s not in gone)}
                )
                for e in d.exemptions
                if not (e.scope == Scope.shift_types and set(e.shift_types) <= gone)
            )
            wi = tuple(
                w.model_copy(
                    update={"shift_types": tuple(s for s in w.shift_types if s not in gone)}
                )
                for w in d.wishes
                if not (w.shift_types and set(w.shift_types) <= gone and w.start is None)
            )
            doctors.append(d.model_copy(update={"exemptions": ex, "wishes": wi}))
        data["doctors"] = doctors
        gone = more
    if not data["shift_types"]:
        raise ScenarioError("ingen vakttyper igjen")


def _apply_remove_municipality(data: dict[str, Any], c: RemoveMunicipality, name: str) -> None:
    mid = c.remove_municipality
    _municipality(data, mid)
    lv = data["legevakt"]
    if len(lv.municipalities) == 1:
        raise ScenarioError("legevakten kan ikke stå uten kommuner")
    data["legevakt"] = lv.model_copy(
        update={"municipalities": tuple(m for m in lv.municipalities if m.id != mid)}
    )
    _drop_doctors(data, {d.id for d in data["doctors"] if d.municipality == mid})
    gone: set[str] = set()
    types = []
    for t in data["shift_types"]:
        if t.pool is not None and mid in t.pool:
            pool = tuple(m for m in t.pool if m != mid)
            if not pool:
                gone.add(t.id)
            t = t.model_copy(update={"pool": pool})
        types.append(t)
    data["shift_types"] = types
    _drop_shift_types(data, gone)


def _apply_add_municipality(data: dict[str, Any], c: AddMunicipality, name: str) -> None:
    lv = data["legevakt"]
    if any(m.id == c.add_municipality for m in lv.municipalities):
        raise ScenarioError(f"kommunen «{c.add_municipality}» er med fra før")
    unknown = sorted(set(c.join) - _shift_type_ids(data))
    if unknown:
        raise ScenarioError(f"ukjent vakttype «{unknown[0]}»")
    muni = Municipality(id=c.add_municipality, name=c.name, population=c.population)
    data["legevakt"] = lv.model_copy(update={"municipalities": (*lv.municipalities, muni)})
    data["shift_types"] = [
        t.model_copy(update={"pool": (*t.pool, muni.id)})
        if t.id in c.join and t.pool is not None
        else t
        for t in data["shift_types"]
    ]
    if c.doctors:
        _add_doctors(data, c.doctors, muni.id, DoctorKind.fastlege, 1.0, f"Ny lege {c.name}")


def _apply_rule(data: dict[str, Any], c: ChangeRule, name: str) -> None:
    rule, params = c.rule, c.params
    if rule in RENAMED_RULES:
        rule, convert = RENAMED_RULES[rule]
        params = convert(params)
    if rule not in RULE_PARAMS:
        raise ScenarioError(f"ukjent regel «{rule}» (se docs/regler.md)")
    fields = RULE_PARAMS[rule].model_fields
    unknown = sorted(set(params) - set(fields))
    if unknown:
        known = ", ".join(fields)
        raise ScenarioError(f"regel «{rule}» har ikke verdien «{unknown[0]}» (har: {known})")
    data["rule_overrides"].append(
        RuleOverride(
            rule=rule,
            params=params,
            valid_from=c.start,
            valid_to=c.end,
            reason=f"scenario: {name}",
        )
    )


def _apply_shift_type(data: dict[str, Any], c: ChangeShiftType, name: str) -> None:
    types = data["shift_types"]
    at = next((i for i, t in enumerate(types) if t.id == c.shift_type), None)
    if at is None:
        raise ScenarioError(f"ukjent vakttype «{c.shift_type}»")
    unknown = sorted(set(c.set) - set(ShiftType.model_fields) | ({"id"} & set(c.set)))
    if unknown:
        raise ScenarioError(f"vakttypen har ikke feltet «{unknown[0]}» (eller det kan ikke endres)")
    merged = {**types[at].model_dump(), **c.set}
    try:
        types[at] = ShiftType.model_validate(merged)
    except ValidationError as exc:
        found = problems_from_validation(exc)
        raise ScenarioError("; ".join(f"{p.field}: {p.message}" for p in found)) from None


def _apply_municipality_key(data: dict[str, Any], c: ChangeMunicipalityKey, name: str) -> None:
    m = _municipality(data, c.municipality_key)
    update: dict[str, Any] = {}
    if c.population is not None:
        update["population"] = c.population
    if c.share is not None:
        update["share"] = c.share
    if not update:
        raise ScenarioError("oppgi «population» eller «share»")
    lv = data["legevakt"]
    data["legevakt"] = lv.model_copy(
        update={
            "municipalities": tuple(
                x.model_copy(update=update) if x.id == m.id else x for x in lv.municipalities
            )
        }
    )


def _named_doctors(data: dict[str, Any], doctors: tuple[str, ...] | Literal["all"]) -> set[str]:
    """The ids a change names ('all': everyone); ScenarioError for one that is not there."""
    if doctors == "all":
        return {d.id for d in data["doctors"]}
    for doctor_id in doctors:
        _doctor_index(data, doctor_id)
    return set(doctors)


def _apply_share(data: dict[str, Any], c: ChangeShare, name: str) -> None:
    ids = _named_doctors(data, c.doctors)
    data["doctors"] = [
        d.model_copy(update={"share": c.share}) if d.id in ids else d for d in data["doctors"]
    ]


def _apply_scale_share(data: dict[str, Any], c: ScaleShare, name: str) -> None:
    ids = _named_doctors(data, c.doctors)
    too_high = sorted(d.id for d in data["doctors"] if d.id in ids and d.share * c.scale_share > 3)
    if too_high:
        raise ScenarioError(f"andelen blir over 3 for {', '.join(too_high)}")
    data["doctors"] = [
        d.model_copy(update={"share": round(d.share * c.scale_share, 6)}) if d.id in ids else d
        for d in data["doctors"]
    ]


APPLY: dict[type[_Change], Callable[[dict[str, Any], Any, str], None]] = {
    Exempt: _apply_exempt,
    Unexempt: _apply_unexempt,
    ClaimAgeExemption: _apply_claim_age,
    AddDoctors: _apply_add_doctors,
    RemoveDoctors: _apply_remove_doctors,
    RemoveMunicipality: _apply_remove_municipality,
    AddMunicipality: _apply_add_municipality,
    ChangeRule: _apply_rule,
    ChangeShiftType: _apply_shift_type,
    ChangeMunicipalityKey: _apply_municipality_key,
    ChangeShare: _apply_share,
    ScaleShare: _apply_scale_share,
}


def quick_scenario(name: str, changes: Sequence[_Change]) -> Scenario:
    """A scenario made from command-line flags."""
    return Scenario(name=name, changes=tuple(changes))
