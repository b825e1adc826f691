"""A doctor's absences, exemptions and wishes as written in the legevakt's plan file, edited
by a leader; and a doctor's page in the newest plan."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from roster.errors import InputError
from roster.glossary import ABSENCE_NO, EXEMPTION_NO, SCOPE_NO
from web import store
from web.access import LegevaktAccess, leads_legevakt
from web.deps import check_csrf, db
from web.errors import AppError, not_found
from web.models import LegevaktRow
from web.pages import redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def _from_list(merged: tuple[Any, ...], written: list[tuple[int, Any]]) -> list[Any]:
    plain = [
        type(m).model_validate(w.model_dump(exclude={"doctor"}))
        for m in merged[:1]
        for _, w in written
    ]
    return [m for m in merged if m not in plain]


def _doctor_edit_ctx(row: LegevaktRow, doctor_id: str) -> dict[str, Any]:
    instance = store.instance_from_text(row.instance_yaml)
    if not instance.has_doctor(doctor_id):
        raise not_found("Legen")
    entries = store.doctor_entries(row.instance_yaml, doctor_id)
    doctor = instance.doctor(doctor_id)
    return {
        "row": row,
        "instance": instance,
        "doctor": doctor,
        "entries": entries,
        # the doctor carries both: entries from the staff list and those written in the file
        "list_absences": _from_list(doctor.absences, entries["absences"]),
        "list_exemptions": _from_list(doctor.exemptions, entries["exemptions"]),
        "absence_no": ABSENCE_NO,
        "exemption_no": EXEMPTION_NO,
        "scope_no": SCOPE_NO,
        "problems": [],
        "saved": False,
    }


@router.get("/legevakter/{slug}/leger/{doctor_id}/rediger")
def doctor_edit_page(
    request: Request,
    slug: str,
    doctor_id: str,
    lagret: int = 0,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    ctx = _doctor_edit_ctx(lv.row, doctor_id)
    ctx["saved"] = bool(lagret)
    return render(request, "lege_rediger.html", ctx)


FORM_FIELDS = {
    "absences": ("kind", "start", "end", "note"),
    "exemptions": ("kind", "scope", "start", "end", "granted", "reference_date", "born"),
    "wishes": ("want", "start", "end", "weight", "note"),
}


@router.post("/legevakter/{slug}/leger/{doctor_id}/legg-til")
async def doctor_add(
    request: Request,
    slug: str,
    doctor_id: str,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    form = await request.form()
    section = str(form.get("del", ""))
    if section not in FORM_FIELDS:
        raise AppError(400, "ukjent_handling", "Ukjent skjema.")
    data: dict[str, Any] = {}
    for key in FORM_FIELDS[section]:
        value = form.get(key)
        if isinstance(value, str) and value.strip():
            data[key] = value.strip()
    if section == "wishes":
        types = [v for v in form.getlist("shift_types") if isinstance(v, str) and v]
        if types:
            data["shift_types"] = types
    row = lv.row
    try:
        store.add_entry(s, row, doctor_id, section, data, lv.user.username)
        s.commit()
    except InputError as err:
        s.rollback()
        ctx = _doctor_edit_ctx(store.legevakt(s, slug), doctor_id)
        ctx["problems"] = err.problems
        return render(request, "lege_rediger.html", ctx, status_code=422)
    return redirect(f"/legevakter/{slug}/leger/{quote(doctor_id)}/rediger?lagret=1")


@router.post("/legevakter/{slug}/leger/{doctor_id}/fjern")
def doctor_remove(
    request: Request,
    slug: str,
    doctor_id: str,
    nr: int = Form(...),
    section: str = Form(..., alias="del"),
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    if section not in FORM_FIELDS:
        raise AppError(400, "ukjent_handling", "Ukjent skjema.")
    row = lv.row
    store.remove_entry(s, row, doctor_id, section, nr, lv.user.username)
    s.commit()
    return redirect(f"/legevakter/{slug}/leger/{quote(doctor_id)}/rediger?lagret=1")


@router.get("/legevakter/{slug}/leger/{doctor_id}")
def doctor_latest(
    request: Request,
    slug: str,
    doctor_id: str,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    """A doctor in the latest published version (or the newest finished plan; before any
    plan, the doctor's absences, exemptions and wishes)."""
    row = lv.row
    v = store.latest_version(s, row.id)
    if v is not None:
        return redirect(f"/legevakter/{slug}/versjoner/{v.number}/leger/{quote(doctor_id)}")
    for job in store.jobs_for(s, row):
        if job.status == "done":
            return redirect(f"/planer/{job.id}/leger/{quote(doctor_id)}")
    return redirect(f"/legevakter/{slug}/leger/{quote(doctor_id)}/rediger")  # no plan yet
