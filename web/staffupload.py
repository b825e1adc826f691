"""A staff list uploaded in two steps: first what it would change (who is added, removed and
changed, and in which fields), then, when the leader confirms, the save.

Nothing is kept on the server between the steps: the preview page carries the doctors it
read (as YAML) and a fingerprint of the plan file it compared against. The confirmation is
checked like any other save (every rule of the file), and refused when the plan file has
changed in between, so that nobody saves a list against a comparison they did not see.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pydantic import Field, ValidationError
from sqlalchemy.orm import Session

from roster.errors import InputError, Problem, problems_from_validation
from roster.formats import yamlio
from roster.formats.staff import parse_staff_bytes
from roster.glossary import DOCTOR_KIND_NO
from roster.instance import InstanceFile
from roster.limits import MAX_DOCTORS
from roster.model import Doctor, StrictModel
from web import auditwords as words
from web import store
from web.errors import AppError
from web.models import LegevaktRow

#: A doctor's fields as the leader knows them from the staff list.
FIELD_NO = {
    "name": "navn",
    "birth_date": "fødselsdato",
    "municipality": "kommune",
    "kind": "type",
    "share": "andel",
    "fixed_shifts": "avtalt antall vakter",
    "competence": "kompetanse",
    "exemptions": "fritak",
    "absences": "fravær",
    "wishes": "ønsker",
    "email": "e-post",
    "phone": "telefon",
}


@dataclass
class Changed:
    name: str
    fields: list[str]


@dataclass
class StaffDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def compare(old: tuple[Doctor, ...] | list[Doctor], new: list[Doctor]) -> StaffDiff:
    """Who the new list adds, removes and changes (matched by id), by name."""
    before = {d.id: d for d in old}
    after = {d.id: d for d in new}
    out = StaffDiff()
    for d in new:
        if d.id not in before:
            out.added.append(d.name)
            continue
        a, b = before[d.id].model_dump(), d.model_dump()
        fields = [FIELD_NO.get(k, k) for k in b if a.get(k) != b[k]]
        if fields:
            out.changed.append(Changed(d.name, fields))
        else:
            out.unchanged += 1
    out.removed = [d.name for d in old if d.id not in after]
    return out


@dataclass
class Preview:
    filename: str
    doctors: list[Doctor]
    diff: StaffDiff
    payload: str  # the doctors as YAML, for the confirmation
    base: str  # fingerprint of the plan file compared against

    def kind_counts(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for d in self.doctors:
            counts[DOCTOR_KIND_NO[d.kind]] = counts.get(DOCTOR_KIND_NO[d.kind], 0) + 1
        return sorted(counts.items())


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def preview(row: LegevaktRow, data: bytes, filename: str) -> Preview:
    """Read and check a staff list against the legevakt (every rule of the plan file, as a
    save would); nothing is saved. Raises InputError with every problem."""
    doc = store.document(row.instance_yaml)
    doctors = parse_staff_bytes(data, filename, doc.legevakt)
    still_named(doc, doctors)
    store.validated_text(doc.model_copy(update={"doctors": tuple(doctors)}))
    payload = yamlio.dump(
        {"doctors": [d.model_dump(mode="json", exclude_defaults=True) for d in doctors]}
    )
    return Preview(
        filename, doctors, compare(doc.doctors, doctors), payload, fingerprint(row.instance_yaml)
    )


def still_named(
    doc: InstanceFile,
    doctors: list[Doctor],
    left: str = "er ikke med i den nye listen",
    or_else: str = ", eller ta legen med i listen",
) -> None:
    """A doctor who leaves the list may not keep absences, exemptions or wishes in the plan
    file (they would name nobody): say who, and what to do, in words."""
    kept = {d.id for d in doctors}
    sections = (("fritak", doc.exemptions), ("fravær", doc.absences), ("ønsker", doc.wishes))
    problems = []
    for d in doc.doctors:
        if d.id in kept:
            continue
        has = [word for word, items in sections if any(e.doctor == d.id for e in items)]
        if has:
            problems.append(
                Problem(
                    message=f"{d.name} ({d.id}) {left}, men har "
                    f"{' og '.join(has)} i planfilen: fjern dem først (Fravær, fritak og "
                    f"ønsker på legens side){or_else}"
                )
            )
    if problems:
        raise InputError(problems)


class _Payload(StrictModel):
    doctors: tuple[Doctor, ...] = Field(max_length=MAX_DOCTORS)


def confirm(
    s: Session, row: LegevaktRow, payload: str, filename: str, base: str, username: str
) -> StaffDiff:
    """Save the doctors a preview showed. Refused (409) if the plan file changed since."""
    if base != fingerprint(row.instance_yaml):
        raise AppError(
            409,
            "endret_imens",
            "Legevakten er endret siden du lastet opp listen. Last opp filen på nytt og se "
            "over endringene før du lagrer.",
        )
    try:
        doctors = _Payload.model_validate(yamlio.load(payload)).doctors
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, filename)) from None
    except Exception:
        raise InputError([Problem(file=filename, message="listen kunne ikke leses")]) from None
    doc = store.document(row.instance_yaml)
    still_named(doc, list(doctors))
    diff = compare(doc.doctors, list(doctors))
    text = store.validated_text(doc.model_copy(update={"doctors": doctors}))
    detail = f"{filename}: {words.count(len(doctors), 'lege', 'leger')}"
    detail += f" ({summary(diff)})"
    store.save_text(s, row, text, username, "legeliste_importert", detail)
    return diff


def summary(diff: StaffDiff) -> str:
    parts = [
        words.count(len(diff.added), "ny", "nye"),
        words.count(len(diff.removed), "fjernet", "fjernet"),
        words.count(len(diff.changed), "endret", "endret"),
    ]
    return ", ".join(parts)
