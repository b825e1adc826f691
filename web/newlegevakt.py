"""A new legevakt from a form, with no YAML: its name, id and address, one municipality, the
period and the shift types it starts with (each can be changed afterwards in the setup
forms, web/setup.py). Administrators only (web.access); CSRF as on every form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from roster.errors import InputError, Problem
from roster.instance import InstanceFile
from roster.model import Municipality
from roster.rules import load_ruleset
from web import setupforms as forms
from web import store
from web.access import Principal, administrator
from web.deps import check_csrf, db
from web.errors import AppError
from web.pages import index_page, redirect
from web.setupsave import FormError, validate

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


#: The shift types a new legevakt may start from (each can be changed afterwards).
STARTERS: dict[str, dict[str, Any]] = {
    "kveld": {
        "label": "Kveld",
        "period": "evening",
        "days": ["weekday"],
        "start": "16:00",
        "end": "23:00",
        "points": 2,
    },
    "natt": {
        "label": "Natt",
        "period": "night",
        "days": ["weekday", "saturday", "sunday", "holiday", "holiday_eve"],
        "start": "23:00",
        "end": "08:00",
        "mode": "standby",
        "response_minutes": 30,
        "points": 3,
    },
    "helg-dag": {
        "label": "Helg dag",
        "period": "day",
        "days": ["saturday", "sunday", "holiday", "holiday_eve"],
        "start": "08:00",
        "end": "16:00",
        "points": 3,
    },
    "helg-kveld": {
        "label": "Helg kveld",
        "period": "evening",
        "days": ["saturday", "sunday", "holiday", "holiday_eve"],
        "start": "16:00",
        "end": "23:00",
        "points": 3,
    },
}


@router.post("/legevakter/ny")
async def create_from_scratch(
    request: Request, who: Principal = Depends(administrator), s: Session = Depends(db)
) -> Response:
    """A new legevakt from a form: its name, id and address, one municipality, the period
    and the shift types it starts with. Then the staff list, the setup forms, a plan."""
    form = await request.form()
    try:
        municipality = validate(
            "ny",
            Municipality,
            {
                "id": forms.text(form, "kommune_id") or "",
                "name": forms.text(form, "kommune_navn") or "",
                "population": forms.number(form, "kommune_innbyggere") or "",
            },
            form,
        )
        starters = [k for k in forms.values(form, "vakttyper") if k in STARTERS]
        if not starters:
            raise FormError(
                "ny", [Problem(field="shift_types", message="velg minst én vakttype")], form
            )
        data = {
            "name": forms.text(form, "plan_name") or forms.text(form, "name") or "",
            "legevakt": {
                "id": forms.text(form, "id") or "",
                "name": forms.text(form, "name") or "",
                "host": forms.text(form, "host") or "",
                "municipalities": [municipality.model_dump(mode="json", exclude_none=True)],
            },
            "period": forms.pick(form, ("start", "end")),
            "shift_types": [{"id": k, **STARTERS[k]} for k in starters],
        }
        doc = validate("ny", InstanceFile, data, form)
        load_ruleset(doc.ruleset)
        row = store.create_legevakt(s, store.validated_text(doc), who.username)
        s.commit()
    except FormError as err:
        s.rollback()
        return index_page(request, s, who, err.problems, form_values=err.values, status=422)
    except (InputError, AppError) as exc:
        s.rollback()
        problems = (
            forms.named(exc.problems)
            if isinstance(exc, InputError)
            else [Problem(message=exc.melding)]
        )
        status = 422 if isinstance(exc, InputError) else exc.status
        return index_page(request, s, who, problems, form_values=form, status=status)
    return redirect(f"/legevakter/{row.slug}/oppsett?lagret=ny")
