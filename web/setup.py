"""The plan file in Norwegian forms (/legevakter/{slug}/oppsett): the legevakt and its
municipalities, shift types with times, days, mode, points, pool, doctors and response time,
back-up types and what they cover, fairness settings, local rule values, what earlier periods
left (carried points, big holidays worked), and absences and exemptions for many doctors at
once. A new legevakt from scratch (no YAML): web/newlegevakt.py.

Every save changes one part of the plan file and goes through the same checks as the file
itself (roster's pydantic models, then the whole file resolved); a form with errors shows
each of them by its field's Norwegian label and saves nothing. The YAML editor stays for
those who want it. Access: web.access (leaders of the legevakt; a new legevakt:
administrators); CSRF: web.deps.check_csrf, as on every form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from roster.errors import InputError, Problem, problems_from_validation
from roster.glossary import ABSENCE_NO, BIG_HOLIDAY_NO, EXEMPTION_NO, FAIRNESS_CATEGORY_NO
from roster.instance import DoctorAbsence, DoctorExemption, InstanceFile
from roster.model import (
    AbsenceKind,
    BigHoliday,
    CostKey,
    DayKind,
    ExemptionKind,
    FairnessConfig,
    History,
    Legevakt,
    Mode,
    Municipality,
    Period,
    PlanPeriod,
    Role,
    RuleOverride,
    Scope,
    ShiftType,
)
from roster.rules import RULE_PARAMS
from web import setupforms as forms
from web import store
from web.access import LegevaktAccess, Principal, leads_legevakt
from web.deps import check_csrf, db
from web.errors import AppError, not_found
from web.models import LegevaktRow
from web.pages import redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

WEIGHT_NO = {**FAIRNESS_CATEGORY_NO, "types": "Hver vakttype"}


class FormError(Exception):
    """Problems in one form, with the values the leader wrote (shown again)."""

    def __init__(self, section: str, problems: list[Problem], values: Any) -> None:
        self.section, self.problems = section, forms.named(problems)
        self.values = values  # the posted form (get, getlist), shown again


def validate(section: str, model: type[Any], data: dict[str, Any], values: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FormError(section, problems_from_validation(exc), values) from None


def save_change(
    s: Session,
    row: LegevaktRow,
    who: Principal,
    section: str,
    values: Any,
    change: Callable[[InstanceFile], InstanceFile],
    detail: str,
) -> None:
    """Apply one change to the plan file and save it after every check of the file."""
    doc = store.document(row.instance_yaml)
    try:
        text = store.validated_text(change(doc))
        store.save_text(s, row, text, who.username, "oppsett_endret", detail)
    except InputError as err:
        raise FormError(section, err.problems, values) from None


def setup_context(row: LegevaktRow, error: FormError | None = None) -> dict[str, Any]:
    doc = store.document(row.instance_yaml)
    instance = store.instance_from_text(row.instance_yaml)
    return {
        "row": row,
        "doc": doc,
        "instance": instance,
        "munis": {m.id: m.name for m in doc.legevakt.municipalities},
        "labels": forms.LABELS,
        "choices": forms.CHOICES,
        "cost_keys": list(CostKey),
        "periods": list(Period),
        "day_kinds": list(DayKind),
        "roles": list(Role),
        "modes": list(Mode),
        "scopes": [sc for sc in Scope if sc != Scope.shift_types],
        "absence_kinds": [(k.value, ABSENCE_NO[k]) for k in AbsenceKind],
        "exemption_kinds": [(k.value, EXEMPTION_NO[k]) for k in ExemptionKind],
        "weights": WEIGHT_NO,
        "big_holidays": [(h.value, BIG_HOLIDAY_NO[h]) for h in BigHoliday],
        "rules": [(r, instance.rules.title(r)) for r in RULE_PARAMS if RULE_PARAMS[r].model_fields],
        "rule_title": instance.rules.title,
        "error": error,
        "problems": error.problems if error else [],
        "values": error.values if error else {},
    }


def _page(request: Request, row: LegevaktRow, error: FormError | None = None) -> Response:
    status = 422 if error else 200
    return render(request, "oppsett.html", setup_context(row, error), status_code=status)


@router.get("/legevakter/{slug}/oppsett")
def setup_page(
    request: Request, lagret: str = "", lv: LegevaktAccess = Depends(leads_legevakt)
) -> Response:
    ctx = setup_context(lv.row)
    ctx["saved"] = lagret
    return render(request, "oppsett.html", ctx)


def _done(slug: str, section: str) -> Response:
    return redirect(f"/legevakter/{slug}/oppsett?lagret={section}#{section}")


# --------------------------------------------------------------------------- the legevakt


@router.post("/legevakter/{slug}/oppsett/legevakt")
async def save_basics(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    form = await request.form()
    try:
        doc = store.document(lv.row.instance_yaml)
        data = {
            **doc.legevakt.model_dump(mode="json"),
            "name": forms.text(form, "name") or "",
            "host": forms.text(form, "host") or "",
            "address": forms.text(form, "address") or "",
            "phone": forms.text(form, "phone") or "",
            "cost_key": forms.text(form, "cost_key") or CostKey.population.value,
        }
        legevakt = validate("legevakt", Legevakt, data, form)
        period = validate("legevakt", PlanPeriod, forms.pick(form, ("start", "end")), form)
        plan_name = forms.text(form, "plan_name") or doc.name
        save_change(
            s,
            lv.row,
            lv.user,
            "legevakt",
            form,
            lambda d: d.model_copy(
                update={"legevakt": legevakt, "period": period, "name": plan_name}
            ),
            "legevakten",
        )
        s.commit()
    except FormError as err:
        s.rollback()
        return _page(request, lv.row, err)
    return _done(lv.row.slug, "legevakt")


@router.post("/legevakter/{slug}/oppsett/kommuner")
async def save_municipality(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """Add a municipality, change one (its id stays), or remove one (`slett`)."""
    form = await request.form()
    old = forms.text(form, "gammel")
    try:
        doc = store.document(lv.row.instance_yaml)
        items = list(doc.legevakt.municipalities)
        if forms.checked(form, "slett"):
            items = [m for m in items if m.id != old]
            detail = f"kommune fjernet: {old}"
        else:
            data = forms.pick(form, ("id", "name", "population", "share"))
            if old:
                data["id"] = old
            m = validate("kommuner", Municipality, data, form)
            at = next((i for i, x in enumerate(items) if x.id == old), None)
            if at is None:
                items.append(m)
            else:
                items[at] = m
            detail = f"kommune {m.name}"
        legevakt = doc.legevakt.model_copy(update={"municipalities": tuple(items)})
        save_change(
            s,
            lv.row,
            lv.user,
            "kommuner",
            form,
            lambda d: d.model_copy(update={"legevakt": legevakt}),
            detail,
        )
        s.commit()
    except FormError as err:
        s.rollback()
        return _page(request, lv.row, err)
    return _done(lv.row.slug, "kommuner")


# --------------------------------------------------------------------------- shift types


SHIFT_FIELDS = ("id", "label", "start", "end", "response_minutes", "doctors", "points")


def shift_type_data(form: Any, old: str | None) -> dict[str, Any]:
    data = forms.pick(form, SHIFT_FIELDS)
    if old:
        data["id"] = old
    for key in ("period", "role", "mode"):
        if forms.text(form, key):
            data[key] = forms.text(form, key)
    data["days"] = forms.values(form, "days")
    if not forms.checked(form, "pool_all"):
        data["pool"] = forms.values(form, "pool")
    data["covers"] = (
        forms.values(form, "covers") if data.get("role") == Role.backup_competence.value else []
    )
    return data


@router.get("/legevakter/{slug}/oppsett/vakttyper/{type_id}")
def shift_type_page(
    request: Request, type_id: str, lv: LegevaktAccess = Depends(leads_legevakt)
) -> Response:
    ctx = setup_context(lv.row)
    doc = ctx["doc"]
    found = next((t for t in doc.shift_types if t.id == type_id), None)
    if found is None and type_id != "ny":
        raise not_found("Vakttypen")
    ctx["shift"] = found
    return render(request, "oppsett_vakttype.html", ctx)


@router.post("/legevakter/{slug}/oppsett/vakttyper")
async def save_shift_type(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """Add a shift type, change one (its id stays), or remove one (`slett`)."""
    form = await request.form()
    old = forms.text(form, "gammel")
    try:
        doc = store.document(lv.row.instance_yaml)
        items = list(doc.shift_types)
        if forms.checked(form, "slett"):
            items = [t for t in items if t.id != old]
            detail = f"vakttype fjernet: {old}"
        else:
            t = validate("vakttype", ShiftType, shift_type_data(form, old), form)
            at = next((i for i, x in enumerate(items) if x.id == old), None)
            if at is None:
                items.append(t)
            else:
                items[at] = t
            detail = f"vakttype {t.label}"
        save_change(
            s,
            lv.row,
            lv.user,
            "vakttype",
            form,
            lambda d: d.model_copy(update={"shift_types": tuple(items)}),
            detail,
        )
        s.commit()
    except FormError as err:
        s.rollback()
        ctx = setup_context(lv.row, err)
        ctx["shift"] = next((t for t in ctx["doc"].shift_types if t.id == old), None)
        return render(request, "oppsett_vakttype.html", ctx, status_code=422)
    return _done(lv.row.slug, "vakttyper")


# --------------------------------------------------------------------------- fairness


@router.post("/legevakter/{slug}/oppsett/rettferdighet")
async def save_fairness(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    form = await request.form()
    try:
        doc = store.document(lv.row.instance_yaml)
        data = {
            **doc.fairness.model_dump(mode="json"),
            **forms.pick(form, ("tolerance_points", "replan_tolerance_points")),
            "exemption_makeup": forms.checked(form, "exemption_makeup"),
            "category_weights": {
                k: forms.number(form, f"weight_{k}") or "0" for k in WEIGHT_NO if k in WEIGHT_NO
            },
        }
        fairness = validate("rettferdighet", FairnessConfig, data, form)
        save_change(
            s,
            lv.row,
            lv.user,
            "rettferdighet",
            form,
            lambda d: d.model_copy(update={"fairness": fairness}),
            "rettferdighet",
        )
        s.commit()
    except FormError as err:
        s.rollback()
        return _page(request, lv.row, err)
    return _done(lv.row.slug, "rettferdighet")


# --------------------------------------------------------------------------- local rules


@router.get("/legevakter/{slug}/oppsett/regler/ny")
def rule_page(
    request: Request, regel: str = "", lv: LegevaktAccess = Depends(leads_legevakt)
) -> Response:
    return render(request, "oppsett_regel.html", _rule_context(lv.row, regel))


def _rule_context(row: LegevaktRow, rule: str, error: FormError | None = None) -> dict[str, Any]:
    if rule not in RULE_PARAMS or not RULE_PARAMS[rule].model_fields:
        raise not_found("Regelen")
    ctx = setup_context(row, error)
    instance = ctx["instance"]
    day = instance.period.start
    current = (
        instance.rules.params(rule, day, RULE_PARAMS[rule])
        if instance.rules.in_force(rule, day)
        else None
    )
    ctx.update(rule=rule, fields=forms.param_fields(RULE_PARAMS[rule], current), day=day)
    return ctx


@router.post("/legevakter/{slug}/oppsett/regler")
async def save_rule(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """Add a local value for a rule (`rule`, its parameters, dates, reason), or remove one
    (`slett` with its number in the list)."""
    form = await request.form()
    rule = forms.text(form, "rule") or ""
    try:
        doc = store.document(lv.row.instance_yaml)
        items = list(doc.rule_overrides)
        if forms.checked(form, "slett"):
            nr = forms.text(form, "nr") or ""
            if not nr.isdigit() or int(nr) >= len(items):
                raise not_found("Den lokale regelen")
            gone = items.pop(int(nr))
            detail = f"lokal regel fjernet: {_title(lv.row, gone.rule)}"
        else:
            if rule not in RULE_PARAMS:
                raise not_found("Regelen")
            fields = forms.param_fields(RULE_PARAMS[rule], None)
            params = forms.param_values(form, fields)
            if not params:
                raise FormError(
                    "regel", [Problem(field="params", message="fyll inn minst én verdi")], form
                )
            typed = validate("regel", RULE_PARAMS[rule], _merged(lv.row, rule, params), form)
            params = {k: v for k, v in typed.model_dump(mode="json").items() if k in params}
            data = {"rule": rule, "params": params, **forms.pick(form, ("valid_from", "valid_to"))}
            data["reason"] = forms.text(form, "reason") or ""
            items.append(validate("regel", RuleOverride, data, form))
            detail = f"lokal regel: {_title(lv.row, rule)}"
        save_change(
            s,
            lv.row,
            lv.user,
            "regel",
            form,
            lambda d: d.model_copy(update={"rule_overrides": tuple(items)}),
            detail,
        )
        s.commit()
    except FormError as err:
        s.rollback()
        if forms.checked(form, "slett"):
            return _page(request, lv.row, err)
        ctx = _rule_context(lv.row, rule, err)
        return render(request, "oppsett_regel.html", ctx, status_code=422)
    return _done(lv.row.slug, "regler")


def _title(row: LegevaktRow, rule: str) -> str:
    return store.instance_from_text(row.instance_yaml).rules.title(rule)


def _merged(row: LegevaktRow, rule: str, params: dict[str, Any]) -> dict[str, Any]:
    """The rule's parameters in force at the period's start with the new values on top:
    what the rule book will check, field by field."""
    instance = store.instance_from_text(row.instance_yaml)
    day = instance.period.start
    if not instance.rules.in_force(rule, day):
        return params
    current = instance.rules.params(rule, day, RULE_PARAMS[rule])
    return {**current.model_dump(mode="json"), **params}


# --------------------------------------------------------------------------- many doctors


@router.post("/legevakter/{slug}/oppsett/fravaer")
async def save_many(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """The same absence (`del=absences`) or exemption (`del=exemptions`) for every doctor
    ticked, in one save."""
    form = await request.form()
    section = forms.text(form, "del")
    if section not in ("absences", "exemptions"):
        raise AppError(400, "ukjent_handling", "Ukjent skjema.")
    model = DoctorAbsence if section == "absences" else DoctorExemption
    keys = ("kind", "start", "end", "note", "scope", "reference_date")
    doctors = forms.values(form, "leger")
    try:
        if not doctors:
            raise FormError(section, [Problem(field="doctor", message="velg minst én lege")], form)
        data = forms.pick(form, keys if section == "exemptions" else keys[:4])
        if section == "exemptions":
            data["granted"] = forms.checked(form, "granted")
        added = [validate(section, model, {**data, "doctor": d}, form) for d in doctors]
        instance = store.instance_from_text(lv.row.instance_yaml)
        for d in doctors:
            if not instance.has_doctor(d):
                raise not_found("Legen")
        save_change(
            s,
            lv.row,
            lv.user,
            section,
            form,
            lambda doc: doc.model_copy(update={section: (*getattr(doc, section), *added)}),
            f"{'fravær' if section == 'absences' else 'fritak'} for "
            f"{len(doctors)} {'lege' if len(doctors) == 1 else 'leger'}",
        )
        s.commit()
    except FormError as err:
        s.rollback()
        return _page(request, lv.row, err)
    return _done(lv.row.slug, section)


# --------------------------------------------------------------------------- history


@router.post("/legevakter/{slug}/oppsett/historikk")
async def save_history(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """What earlier periods left: points each doctor carries (`carry_<id>`), or a big holiday
    a doctor worked (`year`, `holiday`, `doctor`; `slett` with `nr` removes one)."""
    form = await request.form()
    try:
        doc = store.document(lv.row.instance_yaml)
        data = doc.history.model_dump(mode="json")
        if forms.checked(form, "slett"):
            nr = forms.text(form, "nr") or ""
            if not nr.isdigit() or int(nr) >= len(data["big_holidays"]):
                raise not_found("Høytiden")
            data["big_holidays"].pop(int(nr))
        elif forms.text(form, "holiday"):
            data["big_holidays"].append(forms.pick(form, ("year", "holiday", "doctor")))
        else:
            instance = store.instance_from_text(lv.row.instance_yaml)
            data["carry_points"] = {
                d.id: value
                for d in instance.doctors
                if (value := forms.number(form, f"carry_{d.id}")) not in (None, "0")
            }
        history = validate("historikk", History, data, form)
        save_change(
            s,
            lv.row,
            lv.user,
            "historikk",
            form,
            lambda d: d.model_copy(update={"history": history}),
            "tidligere perioder",
        )
        s.commit()
    except FormError as err:
        s.rollback()
        return _page(request, lv.row, err)
    return _done(lv.row.slug, "historikk")
