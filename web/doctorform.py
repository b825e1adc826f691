"""One doctor in a form (/legevakter/{slug}/oppsett/leger/{id}): add a doctor, change one
(the id stays), or take one off the list, without a staff file.

The form has the staff list's own columns, under the same Norwegian names (Ansattnr,
Fødselsdato, Andel, Kurs akuttmedisin …), and is read by the staff list's own reader
(roster.formats.staff): one form is one row, so dates, shares, doctor types and
municipalities are understood, and refused, exactly as in an uploaded list. The whole plan
file is then checked as after every change (web.setupsave). A doctor's absences, exemptions and
wishes stay when the doctor is changed; they are edited on the doctor's own page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from roster.errors import InputError, Problem
from roster.formats.staff import COLUMNS, build_doctor, cell_parsers, map_headers
from roster.glossary import DOCTOR_KIND_NO
from roster.instance import InstanceFile
from roster.model import Doctor, DoctorKind, Legevakt
from web import store
from web.access import LegevaktAccess, leads_legevakt
from web.deps import check_csrf, db
from web.errors import not_found
from web.pages import redirect, render
from web.setupsave import FormError, save_change, setup_context
from web.staffupload import still_named

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

#: The staff list's columns a form shows (exemptions have their own forms).
FIELDS = tuple(c for c in COLUMNS if not c.key.startswith(("exemption.", "family.")))
DATE_KEYS = frozenset(
    {"birth_date", "rota_from", "rota_until"}
    | {c.key for c in FIELDS if c.key.startswith("competence.") and "shifts" not in c.key}
)
FORM = "skjemaet"  # what the reader calls the «file» in its messages (never shown)


def doctor_from_form(form: Any, legevakt: Legevakt, old: Doctor | None) -> Doctor:
    """The form as one row of a staff list -> a Doctor, or FormError naming each field."""
    cells = [_value(form, c.key) for c in FIELDS]
    if old is not None:
        cells[0] = old.id  # the id of a doctor on the list cannot change
    headers, problems = map_headers([c.canonical for c in FIELDS], FORM, 1)
    doctor, row_problems = build_doctor(2, cells, headers, cell_parsers(legevakt), FORM)
    problems += row_problems
    if problems or doctor is None:
        error = FormError("lege", [], form)
        error.problems = [Problem(field=p.column, message=p.message) for p in problems]
        raise error  # named by the staff list's column names, which the form shows
    if old is not None:  # what the doctor's own page edits stays as it was
        doctor = doctor.model_copy(
            update={"exemptions": old.exemptions, "absences": old.absences, "wishes": old.wishes}
        )
    return doctor


def _named_nowhere(doc: InstanceFile, doctors: list[Doctor], form: Any) -> None:
    """A doctor taken off the list may not keep entries in the plan file: say so in words."""
    try:
        still_named(doc, doctors, left="skal fjernes", or_else="")
    except InputError as err:
        raise FormError("lege", err.problems, form) from None


def _value(form: Any, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def form_values(doctor: Doctor | None) -> dict[str, str]:
    """A doctor's fields as the form shows them (dates as the date field wants them)."""
    if doctor is None:
        return {"share": "1"}
    data = doctor.model_dump(mode="json")
    out: dict[str, str] = {}
    for c in FIELDS:
        group, _, name = c.key.partition(".")
        value = data[group][name] if name else data[group]
        if value is None:
            out[c.key] = ""
        elif c.key == "share":
            out[c.key] = f"{value:g}".replace(".", ",")
        else:
            out[c.key] = str(value)
    return out


def _page(
    request: Request, lv: LegevaktAccess, doctor: Doctor | None, error: FormError | None = None
) -> Response:
    ctx = setup_context(lv.row, error)
    ctx.update(
        doctor=doctor,
        fields=FIELDS,
        date_keys=DATE_KEYS,
        kinds=[(k.value, DOCTOR_KIND_NO[k]) for k in DoctorKind],
        shown=dict(error.values) if error else form_values(doctor),
    )
    return render(request, "oppsett_lege.html", ctx, status_code=422 if error else 200)


@router.get("/legevakter/{slug}/oppsett/leger/{doctor_id}")
def doctor_form_page(
    request: Request, doctor_id: str, lv: LegevaktAccess = Depends(leads_legevakt)
) -> Response:
    doc = store.document(lv.row.instance_yaml)
    found = next((d for d in doc.doctors if d.id == doctor_id), None)
    if found is None and doctor_id != "ny":
        raise not_found("Legen")
    return _page(request, lv, found)


@router.post("/legevakter/{slug}/oppsett/leger")
async def save_doctor(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """Add a doctor, change one (`gammel`: its id), or take one off the list (`slett`)."""
    form = await request.form()
    old_id = _value(form, "gammel")
    doc = store.document(lv.row.instance_yaml)
    doctors = list(doc.doctors)
    old = next((d for d in doctors if d.id == old_id), None) if old_id else None
    if old_id and old is None:
        raise not_found("Legen")
    try:
        if old is not None and form.get("slett"):
            doctors.remove(old)
            _named_nowhere(doc, doctors, form)
            detail = f"lege fjernet: {old.name}"
        else:
            doctor = doctor_from_form(form, doc.legevakt, old)
            if old is None:
                doctors.append(doctor)
                detail = f"lege lagt til: {doctor.name}"
            else:
                doctors[doctors.index(old)] = doctor
                detail = f"lege endret: {doctor.name}"
        new = tuple(doctors)
        save_change(
            s,
            lv.row,
            lv.user,
            "lege",
            form,
            lambda d: d.model_copy(update={"doctors": new}),
            detail,
        )
        s.commit()
    except FormError as err:
        s.rollback()
        return _page(request, lv, old, err)
    return redirect(f"/legevakter/{lv.row.slug}/oppsett?lagret=leger#leger")
