"""Instance files: one YAML file per legevakt plan, referring to a staff file beside it.

`InstanceFile` is the document as a person writes it (round-trips unchanged through load and
save). `Instance` is the resolved plan input: doctors from the staff file merged with the
exemptions, absences and wishes written in the YAML, every cross-reference checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from roster.calendar import Shift, expand
from roster.errors import InputError, Problem, problems_from_validation
from roster.formats import yamlio
from roster.limits import MAX_DOCTORS, MAX_SHIFT_TYPES
from roster.model import (
    Absence,
    Doctor,
    Exemption,
    ExemptionKind,
    FairnessConfig,
    History,
    Id,
    Legevakt,
    Name,
    PlanPeriod,
    Role,
    RuleOverride,
    ShiftType,
    StrictModel,
    Wish,
)
from roster.rules import RuleBook, RuleError, RuleSet, load_ruleset, ruleset_names


class DoctorExemption(Exemption):
    doctor: Id


class DoctorAbsence(Absence):
    doctor: Id


class DoctorWish(Wish):
    doctor: Id


class InstanceFile(StrictModel):
    """The YAML document as written by a leader."""

    schema_version: Literal[1] = 1
    name: Name
    legevakt: Legevakt
    period: PlanPeriod
    staff: str | None = Field(default=None, description="Staff file beside this file (CSV/XLSX)")
    doctors: tuple[Doctor, ...] = Field(
        default=(), max_length=MAX_DOCTORS, description="Doctors written inline"
    )
    shift_types: tuple[ShiftType, ...] = Field(min_length=1, max_length=MAX_SHIFT_TYPES)
    exemptions: tuple[DoctorExemption, ...] = ()
    absences: tuple[DoctorAbsence, ...] = ()
    wishes: tuple[DoctorWish, ...] = ()
    history: History = History()
    ruleset: str = Field(default="norge", description="A rule set shipped with Vaktplan, by name")
    rule_overrides: tuple[RuleOverride, ...] = ()
    fairness: FairnessConfig = FairnessConfig()

    @field_validator("ruleset")
    @classmethod
    def _known_ruleset(cls, name: str) -> str:
        """Only the names of the rule sets in the package: never a path to a file."""
        known = ruleset_names()
        if name not in known:
            shown = name if len(name) <= 40 and name.isprintable() else name[:40] + "…"
            raise ValueError(f"ukjent regelsett «{shown}» (finnes: {', '.join(known)})")
        return name


class Instance(StrictModel):
    """A resolved plan input: everything the solver and the checker need."""

    name: str
    legevakt: Legevakt
    period: PlanPeriod
    doctors: tuple[Doctor, ...] = Field(max_length=MAX_DOCTORS)
    shift_types: tuple[ShiftType, ...] = Field(max_length=MAX_SHIFT_TYPES)
    history: History = History()
    ruleset: RuleSet
    rule_overrides: tuple[RuleOverride, ...] = ()
    fairness: FairnessConfig = FairnessConfig()

    @model_validator(mode="after")
    def _cross_references(self) -> Instance:
        problems = cross_reference_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @cached_property
    def rules(self) -> RuleBook:
        return RuleBook(self.ruleset, self.rule_overrides)

    @cached_property
    def shifts(self) -> list[Shift]:
        return expand(self.period, self.shift_types)

    @cached_property
    def _doctor_index(self) -> dict[str, Doctor]:
        return {d.id: d for d in self.doctors}

    @cached_property
    def _type_index(self) -> dict[str, ShiftType]:
        return {t.id: t for t in self.shift_types}

    def doctor(self, doctor_id: str) -> Doctor:
        return self._doctor_index[doctor_id]

    def has_doctor(self, doctor_id: str) -> bool:
        return doctor_id in self._doctor_index

    def shift_type(self, type_id: str) -> ShiftType:
        return self._type_index[type_id]


def cross_reference_problems(inst: Instance) -> list[str]:
    """Every reference that points nowhere, in Norwegian."""
    out: list[str] = []
    munis = {m.id for m in inst.legevakt.municipalities}
    type_ids = [t.id for t in inst.shift_types]
    types = {t.id: t for t in inst.shift_types}
    for dup in sorted({i for i in type_ids if type_ids.count(i) > 1}):
        out.append(f"vakttype-id «{dup}» er brukt flere ganger")
    doc_ids = [d.id for d in inst.doctors]
    for dup in sorted({i for i in doc_ids if doc_ids.count(i) > 1}):
        out.append(f"lege-id «{dup}» er brukt flere ganger")
    for t in inst.shift_types:
        for m in t.pool or ():
            if m not in munis:
                out.append(f"vakttype «{t.id}»: ukjent kommune «{m}» i pool")
        for c in t.covers:
            if c not in types:
                out.append(f"vakttype «{t.id}»: dekker ukjent vakttype «{c}»")
            elif types[c].role != Role.primary:
                out.append(f"vakttype «{t.id}»: kan bare dekke vakttyper for lege i vakt («{c}»)")
    for d in inst.doctors:
        if d.municipality not in munis:
            out.append(f"lege «{d.id}»: ukjent kommune «{d.municipality}»")
        for e in d.exemptions:
            for st in e.shift_types:
                if st not in types:
                    out.append(f"lege «{d.id}»: fritak gjelder ukjent vakttype «{st}»")
            if e.kind == ExemptionKind.breastfeeding and not (e.reference_date or d.child_birth()):
                out.append(
                    f"lege «{d.id}»: fritak for amming krever barnets fødselsdato "
                    "(eller et fritak for graviditet med termin)"
                )
        for w in d.wishes:
            for st in w.shift_types:
                if st not in types:
                    out.append(f"lege «{d.id}»: ønske gjelder ukjent vakttype «{st}»")
    try:
        book = RuleBook(inst.ruleset, inst.rule_overrides)
        out.extend(book.check_dates(inst.period.start, inst.period.end))
    except RuleError as exc:
        out.append(str(exc))
    return out


# --------------------------------------------------------------------------- files


def read_instance_file(path: Path) -> InstanceFile:
    """Parse and validate the YAML document; raise InputError with every problem."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(file=str(path), message="filen finnes ikke")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(file=name, message="filen er ikke UTF-8-tekst")]) from None
    except OSError as exc:
        raise InputError(
            [Problem(file=name, message=f"kan ikke lese filen ({exc.strerror})")]
        ) from None
    return parse_instance_text(text, name)


def parse_instance_text(text: str, name: str = "instance.yaml") -> InstanceFile:
    try:
        data = yamlio.load(text)
    except Exception as exc:  # yaml errors carry a position
        raise InputError([yamlio.problem(exc, name, text)]) from None
    if not isinstance(data, dict):
        raise InputError(
            [Problem(file=name, message="filen må være en YAML-tabell (nøkkel: verdi)")]
        )
    try:
        return InstanceFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, name, yamlio.line_map(text))) from None


def instance_file_text(doc: InstanceFile) -> str:
    data = doc.model_dump(mode="json", exclude_defaults=True)
    data = {"schema_version": doc.schema_version, **data}
    return yamlio.dump(data)


def save_instance_file(doc: InstanceFile, path: Path) -> None:
    path.write_text(instance_file_text(doc), encoding="utf-8")


def _merge(doc: InstanceFile, staff: list[Doctor], name: str) -> list[Doctor]:
    doctors = [*staff, *doc.doctors]
    known = {d.id for d in doctors}
    problems: list[Problem] = []
    sections: tuple[tuple[str, Sequence[DoctorExemption | DoctorAbsence | DoctorWish]], ...] = (
        ("exemptions", doc.exemptions),
        ("absences", doc.absences),
        ("wishes", doc.wishes),
    )
    for section, items in sections:
        for i, item in enumerate(items):
            if item.doctor not in known:
                problems.append(
                    Problem(
                        file=name,
                        field=f"{section}[{i}].doctor",
                        message=f"ukjent lege «{item.doctor}»",
                    )
                )
    if problems:
        raise InputError(problems)
    merged = []
    for d in doctors:
        ex = tuple(
            Exemption(**e.model_dump(exclude={"doctor"}))
            for e in doc.exemptions
            if e.doctor == d.id
        )
        ab = tuple(
            Absence(**a.model_dump(exclude={"doctor"})) for a in doc.absences if a.doctor == d.id
        )
        wi = tuple(Wish(**w.model_dump(exclude={"doctor"})) for w in doc.wishes if w.doctor == d.id)
        if ex or ab or wi:
            d = d.model_copy(
                update={
                    "exemptions": d.exemptions + ex,
                    "absences": d.absences + ab,
                    "wishes": d.wishes + wi,
                }
            )
        merged.append(d)
    return merged


def resolve(doc: InstanceFile, base: Path | None = None, name: str = "instance.yaml") -> Instance:
    """Turn a document into an Instance: read the staff file, merge, check references."""
    from roster.formats.staff import import_staff  # local: staff imports model only

    staff: list[Doctor] = []
    if doc.staff:
        staff_path = (base or Path(".")) / doc.staff
        staff = import_staff(staff_path, doc.legevakt)
    doctors = _merge(doc, staff, name)
    try:
        ruleset = load_ruleset(doc.ruleset)
    except FileNotFoundError:
        raise InputError(
            [Problem(file=name, field="ruleset", message="ukjent regelsett")]
        ) from None
    try:
        return Instance(
            name=doc.name,
            legevakt=doc.legevakt,
            period=doc.period,
            doctors=tuple(doctors),
            shift_types=doc.shift_types,
            history=doc.history,
            ruleset=ruleset,
            rule_overrides=doc.rule_overrides,
            fairness=doc.fairness,
        )
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, name)) from None


def load_instance(path: Path | str) -> Instance:
    """Load examples/<name>/instance.yaml and the staff file beside it."""
    p = Path(path)
    doc = read_instance_file(p)
    return resolve(doc, p.parent, p.name)


def instance_json_schema() -> dict[str, Any]:
    return InstanceFile.model_json_schema()
