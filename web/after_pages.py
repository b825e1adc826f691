"""Pages after publication (Norwegian bokmål): the doctor's own page (sign-in link, duties,
counts against target, feed link with QR code, offers and the open board), and the leader's
side (sign-in links, approvals, moving a duty, the worked ledger with CSV/XLSX per month,
closing the period). Data through web.after; errors to the one mapping in web.app.

Doctor routes depend on `doctor_of`, the one check for the doctor role: a doctor acts only as
the doctor the session was signed in for, never for another, and no route takes a doctor id
from the path or a form for the doctor acting.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from roster import fairness_view
from roster.fairness import evaluate
from roster.formats.changes import changes_csv_text
from roster.formats.ledger import ledger_csv_text, ledger_xlsx_bytes
from roster.glossary import (
    CHANGE_KIND_NO,
    MONTH_NO,
    describe_duty,
)
from roster.ledger import month_window
from roster.model import ChangeKind
from roster.offers import holders
from web import after, links, notify, offers, period, store, views, wishes
from web.access import DoctorAccess, LegevaktAccess, doctor_of, leads_legevakt
from web.deps import check_csrf, db, sign_in, sign_out
from web.doctor_steps import Step, add_doctor_step, mailing
from web.errors import AppError
from web.mail import smtp_from_env
from web.models import utcnow
from web.pages import redirect, render
from web.qr import qr_svg
from web.security import SESSION_TOKEN, SESSION_VIA_LINK

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


@router.get("/inn/{token}")
def sign_in_with_link(token: str, request: Request, s: Session = Depends(db)) -> Response:
    link = links.use_link(s, token)
    user = links.doctor_user(s, link)
    sign_in(request, s, user)  # a fresh server-side session, committed
    request.session[SESSION_VIA_LINK] = request.session[SESSION_TOKEN]
    return redirect("/min-side")


@router.post("/min-side/logg-ut")
def doctor_sign_out(
    request: Request, who: DoctorAccess = Depends(doctor_of), s: Session = Depends(db)
) -> Response:
    sign_out(request, s)
    return render(request, "lege_ute.html", {})


# --------------------------------------------------------------------------- the doctor's page


@router.get("/min-side")
def doctor_page(
    request: Request, who: DoctorAccess = Depends(doctor_of), s: Session = Depends(db)
) -> Response:
    cur = after.current(s, who.row)
    doctor = cur.instance.doctor(who.doctor_id)
    load = next(x for x in evaluate(cur.instance, cur.roster).doctors if x.doctor_id == doctor.id)
    token = store.active_token(s, who.row.id, doctor.id)
    duties, now = after.duty_rows(cur, doctor.id), utcnow()
    mine = [o for o in offers.listed(s, who.row) if o.from_doctor == doctor.id]
    feed_url = f"{str(request.base_url).rstrip('/')}/kalender/{token.token}.ics" if token else None
    ctx = {
        "row": who.row,
        "doctor": doctor,
        "cur": cur,
        "load": load,
        "counts": fairness_view.doctor_counts(cur.instance, load),
        "duties": [d for d in duties if d["shift"].start > now],
        "past": [d for d in duties if d["shift"].start <= now],
        "offered": {o.shift_id for o in mine if o.status in ("open", "accepted")},
        "feed_url": feed_url,
        "webcal_url": feed_url.replace("https://", "webcal://").replace("http://", "webcal://")
        if feed_url
        else None,
        "qr": qr_svg(feed_url) if feed_url else None,
        "board": offers.board(s, who.row, doctor.id),
        "mine": mine,
        "to_me": offers.to_me(s, who.row, doctor.id),
        "status_no": offers.OFFER_STATUS_NO,
        "kind_no": {k.value: v for k, v in CHANGE_KIND_NO.items()},
        "notes": notify.for_doctor(s, who.row, doctor.id),
        "phone": cur.instance.legevakt.phone,
        "describe": lambda o: offers.describe_offer(cur, o),
        "wishes": wishes.window(s, who.row),
    }
    return render(request, "min_side.html", ctx)


@router.post("/min-side/varsler/lest")
def notes_read(who: DoctorAccess = Depends(doctor_of), s: Session = Depends(db)) -> Response:
    notify.mark_read(s, who.row, who.doctor_id)
    s.commit()
    return redirect("/min-side")


@router.get("/min-side/kolleger")
def give_or_swap_page(
    request: Request,
    vakt: str,
    bytt_med: str = "",
    who: DoctorAccess = Depends(doctor_of),
    s: Session = Depends(db),
) -> Response:
    """Give one of my duties to a colleague, or swap it for one of theirs: only colleagues,
    and only their duties, for which every rule holds (the checker decides)."""
    cur = after.current(s, who.row)
    shift = cur.shift(vakt)
    if who.doctor_id not in holders(cur.roster, shift.id):
        raise AppError(409, "ikke_din_vakt", "Du har ikke denne vakten.")
    offers.not_started(shift, utcnow())
    others = sorted(
        (d for d in cur.instance.doctors if d.id != who.doctor_id), key=lambda d: d.name
    )
    partner = bytt_med if any(d.id == bytt_med for d in others) else ""
    options = offers.swap_options(cur, who.doctor_id, shift.id, partner) if partner else []
    ctx = {
        "row": who.row,
        "shift": shift,
        "text": describe_duty(shift),
        "ids": offers.eligible_colleagues(s, who.row, who.doctor_id, shift.id),
        "cur": cur,
        "others": others,
        "partner": partner,
        "allowed": [sid for sid, found in options if not found],
        "blocked": [
            (sid, after.finding_text(cur.instance, found[0], who.doctor_id))
            for sid, found in options
            if found
        ],
        "describe_id": lambda sid: describe_duty(cur.shift(sid)),
    }
    return render(request, "kolleger.html", ctx)


@router.post("/min-side/tilby")
def offer_duty(
    request: Request,
    vakt: str = Form(...),
    type: str = Form("board"),
    kollega: str = Form(""),
    bytt_mot: str = Form(""),
    notat: str = Form(""),
    who: DoctorAccess = Depends(doctor_of),
    s: Session = Depends(db),
) -> Response:
    offers.make_offer(
        s,
        who.row,
        who.doctor_id,
        vakt,
        type,
        kollega or None,
        bytt_mot or None,
        notat,
        smtp_from_env(),
    )
    s.commit()
    return redirect("/min-side#tilbud")


#: What a doctor does with an offer, by the last part of its path: take one (from the board, or
#: made to me), say no to one made to me, withdraw my own.
OFFER_STEPS: tuple[tuple[str, str, Step], ...] = (
    ("ta", "take_offer", mailing(offers.take)),
    ("avslaa", "decline_offer", mailing(offers.decline)),
    ("trekk", "withdraw_offer", offers.withdraw),
)
for _path, _name, _step in OFFER_STEPS:
    add_doctor_step(
        router, f"/min-side/tilbud/{{item_id}}/{_path}", _name, _step, "/min-side#tilbud"
    )


# --------------------------------------------------------------------------- the leader's side


@router.post("/legevakter/{slug}/leger/{doctor_id}/innloggingslenke")
def make_link(
    slug: str,
    doctor_id: str,
    request: Request,
    handling: str = Form("lag"),
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = la.row
    if handling == "trekk":
        links.revoke_links(s, row, doctor_id, la.user.username)
        s.commit()
        return redirect(f"/legevakter/{slug}/leger/{doctor_id}")
    token = links.create_link(s, row, doctor_id, la.user.username)
    s.commit()
    url = f"{str(request.base_url).rstrip('/')}/inn/{token}"
    doctor = store.instance_from_text(row.instance_yaml).doctor(doctor_id)
    ctx = {"row": row, "doctor": doctor, "url": url, "days": links.LINK_DAYS}
    return render(request, "innloggingslenke.html", ctx)


@router.get("/legevakter/{slug}/endringer")
def changes_page(
    slug: str,
    request: Request,
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = la.row
    cur = after.current(s, row)
    p = after.policy(s, row)
    s.commit()
    ctx = {
        "row": row,
        "cur": cur,
        "policy": p,
        "approval_no": after.APPROVAL_NO,
        "waiting": offers.listed(s, row, ("accepted",)),
        "open": offers.listed(s, row, ("open",)),
        "status_no": offers.OFFER_STATUS_NO,
        "kind_no": {k.value: v for k, v in CHANGE_KIND_NO.items()},
        "notes": notify.for_doctor(s, row, None),
        "describe": lambda sid: describe_duty(cur.shift(sid)),
    }
    return render(request, "endringer.html", ctx)


@router.post("/legevakter/{slug}/tilbud/{offer_id}/{handling}")
def decide_offer(
    slug: str,
    offer_id: int,
    handling: str,
    grunn: str = Form(""),
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = la.row
    if handling == "godkjenn":
        offers.approve(s, row, offer_id, la.user.username, smtp_from_env())
    elif handling == "avvis":
        offers.refuse(s, row, offer_id, la.user.username, grunn, smtp_from_env())
        s.commit()
    else:
        raise AppError(404, "finnes_ikke", "Siden finnes ikke.")
    return redirect(f"/legevakter/{slug}/endringer")


@router.post("/legevakter/{slug}/flytt")
def move_duty(
    slug: str,
    vakt: str = Form(...),
    fra: str = Form(""),
    til: str = Form(""),
    grunn: str = Form("sick"),
    notat: str = Form(""),
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = la.row
    offers.leader_move(
        s, row, vakt, fra or None, til or None, grunn, notat, la.user.username, smtp_from_env()
    )
    return redirect(f"/legevakter/{slug}/endringer")


@router.post("/legevakter/{slug}/regler-for-endringer")
def set_policy(
    slug: str,
    godkjenning: str = Form("leader"),
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    after.set_policy(s, la.row, godkjenning, la.user.username)
    s.commit()
    return redirect(f"/legevakter/{slug}/endringer")


def _window(maned: str | None) -> tuple[dt.date, dt.date] | None:
    if not maned:
        return None
    try:
        year, month = (int(x) for x in maned.split("-"))
        return month_window(year, month)
    except ValueError:
        raise AppError(422, "ugyldig_maned", f"Ugyldig måned «{maned}» (bruk ÅÅÅÅ-MM).") from None


@router.get("/legevakter/{slug}/regnskap")
def ledger_page(
    slug: str,
    request: Request,
    maned: str | None = None,
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = la.row
    window = _window(maned)
    instance, led, changes = period.worked_ledger(s, row, window)
    months = sorted({(sh.date.year, sh.date.month) for sh in instance.shifts})
    ctx = {
        "row": row,
        "led": led,
        "changes": changes,
        "maned": maned,
        "months": [(f"{y}-{m:02d}", f"{MONTH_NO[m - 1]} {y}") for y, m in months],
        "kind_no": {k.value: v for k, v in CHANGE_KIND_NO.items()},
        "names": {d.id: d.name for d in instance.doctors},
        "period": instance.period,
        "ChangeKind": ChangeKind,
    }
    return render(request, "regnskap.html", ctx)


@router.get("/legevakter/{slug}/endringer.csv")
def changes_export(
    slug: str, la: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """The approved changes since the last solved version, as changes.csv (the file
    `legevakt check --changes` and `legevakt ledger` read); no field runs as a formula."""
    base = period.base_version(s, la.row)
    return Response(
        changes_csv_text(period.recorded_changes(s, la.row, base.number)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="changes-{la.row.slug}.csv"'},
    )


@router.get("/legevakter/{slug}/regnskap.{fmt}")
def ledger_export(
    slug: str,
    fmt: str,
    maned: str | None = None,
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = la.row
    _, led, _ = period.worked_ledger(s, row, _window(maned))
    name = f"regnskap-{row.slug}-{maned or 'periode'}"
    if fmt == "csv":
        return Response(
            ledger_csv_text(led),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "xlsx":
        title = f"{row.name}: gjort og tildelt, {maned or 'hele perioden'}"
        return Response(
            ledger_xlsx_bytes(led, title),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    raise AppError(404, "finnes_ikke", "Siden finnes ikke.")


@router.post("/legevakter/{slug}/lukk-periode")
def close_period(
    slug: str, la: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    row = la.row
    period.close_period(s, row, la.user.username)
    s.commit()
    return redirect(f"/legevakter/{slug}")


@router.get("/min-side/plan")
def whole_plan(
    request: Request,
    maned: str | None = None,
    who: DoctorAccess = Depends(doctor_of),
    s: Session = Depends(db),
) -> Response:
    """The whole published plan, read-only: who has which duty (names only: no phone
    numbers, exemptions, absences or wishes of colleagues), the doctor's own duties marked."""
    cur = after.current(s, who.row)
    ctx = {
        "row": who.row,
        "cur": cur,
        "me": cur.instance.doctor(who.doctor_id).name,
        **views.month_ctx(cur.instance, cur.roster, maned),
    }
    return render(request, "min_plan.html", ctx)
