"""The leader moves one duty by hand (sickness), in three choices on one page: the doctor,
the duty, the colleague who takes it. Only colleagues for whom every rule holds can be
chosen (the checker decides, kompetansebakvakt pairing included); the others are listed with
the rule that stands in the way, in full, since the leader may see it. Posting goes to
/legevakter/{slug}/flytt (web.offers.leader_move), which checks again and publishes a new
version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from roster.glossary import CHANGE_KIND_NO, describe_duty
from roster.model import ChangeKind
from roster.offers import colleagues, holders
from web import after
from web.access import LegevaktAccess, leads_legevakt
from web.deps import db
from web.errors import AppError
from web.models import utcnow
from web.pages import render

router = APIRouter(include_in_schema=False)

#: The reasons a leader gives for a hand move (changes.csv kinds).
MOVE_KINDS = (ChangeKind.sick, ChangeKind.leader)


@router.get("/legevakter/{slug}/flytt")
def move_page(
    slug: str,
    request: Request,
    fra: str = "",
    vakt: str = "",
    la: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    cur = after.current(s, la.row)
    frm = fra if fra and cur.instance.has_doctor(fra) else ""
    ctx: dict[str, Any] = {
        "row": la.row,
        "cur": cur,
        "doctors": sorted(cur.instance.doctors, key=lambda d: d.name),
        "frm": frm,
        "duties": after.duty_rows(cur, frm) if frm else [],
        "shift": None,
        "kinds": [(k.value, CHANGE_KIND_NO[k]) for k in MOVE_KINDS],
    }
    if frm and vakt:
        shift = cur.shift(vakt)
        if frm not in holders(cur.roster, shift.id):
            raise AppError(409, "ikke_legens_vakt", f"{cur.name(frm)} har ikke denne vakten.")
        found = colleagues(cur.instance, cur.roster, shift.id, frm, ChangeKind.sick, utcnow())
        ctx["shift"] = shift
        ctx["text"] = describe_duty(shift)
        ctx["allowed"] = sorted((d for d, f in found.items() if not f), key=cur.name)
        ctx["blocked"] = sorted(
            (
                (cur.name(d), after.finding_text(cur.instance, f[0], None))
                for d, f in found.items()
                if f
            )
        )
    return render(request, "flytt.html", ctx)
