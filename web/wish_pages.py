"""Pages for wishes and absences before a plan is made (Norwegian bokmål): the doctor enters
them on /min-side/onsker before the leader's deadline; the leader sets the deadline, sees every
doctor's requests, and accepts (perhaps adjusted) or refuses each. Data through web.wishes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from roster.errors import InputError
from roster.glossary import ABSENCE_NO
from web import store, wishes
from web.access import DoctorAccess, LegevaktAccess, doctor_of, leads_legevakt
from web.deps import check_csrf, db
from web.doctor_steps import add_doctor_step
from web.errors import AppError
from web.mail import smtp_from_env
from web.pages import redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

ENTRY_FIELDS = {
    "absences": ("kind", "start", "end", "note"),
    "wishes": ("want", "start", "end", "note"),
}


def _doctor_ctx(s: Session, who: DoctorAccess) -> dict[str, Any]:
    instance = store.instance_from_text(who.row.instance_yaml)
    return {
        "row": who.row,
        "doctor": instance.doctor(who.doctor_id),
        "win": wishes.window(s, who.row),
        "mine": wishes.requests(s, who.row, who.doctor_id),
        "describe": lambda r: wishes.describe(instance, r.section, r.data),
        "status_no": wishes.STATUS_NO,
        "absence_kinds": [(k.value, ABSENCE_NO[k]) for k in wishes.DOCTOR_ABSENCES],
        "shift_types": instance.shift_types,
        "problems": [],
    }


@router.get("/min-side/onsker")
def doctor_wishes(
    request: Request, who: DoctorAccess = Depends(doctor_of), s: Session = Depends(db)
) -> Response:
    return render(request, "min_onsker.html", _doctor_ctx(s, who))


@router.post("/min-side/onsker")
async def doctor_wish_add(
    request: Request, who: DoctorAccess = Depends(doctor_of), s: Session = Depends(db)
) -> Response:
    form = await request.form()
    section = str(form.get("del", ""))
    if section not in ENTRY_FIELDS:
        raise AppError(400, "ukjent_handling", "Ukjent skjema.")
    data: dict[str, Any] = {}
    for key in ENTRY_FIELDS[section]:
        value = form.get(key)
        if isinstance(value, str) and value.strip():
            data[key] = value.strip()
    if section == "wishes":
        data["shift_types"] = [v for v in form.getlist("shift_types") if isinstance(v, str) and v]
    try:
        wishes.submit(s, who.row, who.doctor_id, section, data)
        s.commit()
    except InputError as err:
        s.rollback()
        ctx = _doctor_ctx(s, who)
        ctx["problems"] = err.problems
        return render(request, "min_onsker.html", ctx, status_code=422)
    return redirect("/min-side/onsker?lagret=1")


add_doctor_step(
    router,
    "/min-side/onsker/{item_id}/trekk",
    "doctor_wish_withdraw",
    wishes.withdraw,
    "/min-side/onsker",
)


# --------------------------------------------------------------------------- the leader's side


@router.get("/legevakter/{slug}/onsker")
def leader_wishes(
    request: Request,
    slug: str,
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = la.row
    instance = store.instance_from_text(row.instance_yaml)
    win = wishes.window(s, row)
    s.commit()  # the policy row, made on first visit
    ctx = {
        "row": row,
        "win": win,
        "pending": wishes.requests(s, row, status=("pending",)),
        "decided": [
            r
            for r in wishes.requests(s, row, status=("accepted", "adjusted", "refused"))
            if r.period_start == win.start
        ],
        "name": lambda d: instance.doctor(d).name if instance.has_doctor(d) else d,
        "describe": lambda r: wishes.describe(instance, r.section, r.data),
        "status_no": wishes.STATUS_NO,
    }
    return render(request, "onsker.html", ctx)


@router.post("/legevakter/{slug}/onsker/frist")
def leader_deadline(
    slug: str,
    frist: str = Form(""),
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    try:
        deadline = dt.date.fromisoformat(frist.strip()) if frist.strip() else None
    except ValueError:
        raise AppError(
            422, "ugyldig_dato", f"Ugyldig dato «{frist[:20]}» (bruk ÅÅÅÅ-MM-DD)."
        ) from None
    wishes.set_deadline(s, la.row, deadline, la.user.username)
    s.commit()
    return redirect(f"/legevakter/{slug}/onsker")


@router.post("/legevakter/{slug}/onsker/{request_id}/{handling}")
def leader_decide(
    slug: str,
    request_id: int,
    handling: str,
    start: str = Form(""),
    end: str = Form(""),
    grunn: str = Form(""),
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    if handling == "godta":
        changes = {"start": start.strip(), "end": end.strip()}
        wishes.accept(s, la.row, request_id, changes, la.user.username, smtp_from_env())
    elif handling == "avvis":
        wishes.refuse(s, la.row, request_id, grunn, la.user.username, smtp_from_env())
    else:
        raise AppError(404, "finnes_ikke", "Siden finnes ikke.")
    s.commit()
    return redirect(f"/legevakter/{slug}/onsker")
