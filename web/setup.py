"""The plan file in Norwegian forms (/legevakter/{slug}/oppsett): the legevakt and its
municipalities, shift types with times, days, mode, points, pool, doctors and response time,
back-up types and what they cover, fairness settings, local rule values, what earlier periods
left (carried points, big holidays worked), and absences and exemptions for many doctors at
once. A new legevakt from scratch (no YAML): web/newlegevakt.py.

Every save changes one part of the plan file and goes through the same checks as the file
itself (web.setupsave); a form with errors shows each of them by its field's Norwegian label
and saves nothing. Form values become the plan file's data in web.setupforms. The YAML editor
stays for those who want it. Access: web.access (leaders of the legevakt; a new legevakt:
administrators); CSRF: web.deps.check_csrf, as on every form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from roster.errors import Problem
from roster.instance import DoctorAbsence, DoctorExemption, InstanceFile
from roster.model import (
    CostKey,
    FairnessConfig,
    History,
    Legevakt,
    Municipality,
    PlanPeriod,
    RuleOverride,
    ShiftType,
)
from roster.rules import RULE_PARAMS
from web import setupforms as forms
from web import store
from web.access import LegevaktAccess, leads_legevakt
from web.deps import check_csrf, db
from web.errors import AppError, not_found
from web.models import LegevaktRow
from web.pages import render
from web.setupsave import FormError, page, put, save_section, setup_context, validate

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


@router.get("/legevakter/{slug}/oppsett")
def setup_page(
    request: Request, lagret: str = "", lv: LegevaktAccess = Depends(leads_legevakt)
) -> Response:
    ctx = setup_context(lv.row)
    ctx["saved"] = lagret
    return render(request, "oppsett.html", ctx)


# --------------------------------------------------------------------------- the legevakt


@router.post("/legevakter/{slug}/oppsett/legevakt")
async def save_basics(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    form = await request.form()

    def build(doc: InstanceFile) -> tuple[dict[str, Any], str]:
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
        return {"legevakt": legevakt, "period": period, "name": plan_name}, "legevakten"

    return save_section(request, lv, s, form, "legevakt", build)


@router.post("/legevakter/{slug}/oppsett/kommuner")
async def save_municipality(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """Add a municipality, change one (its id stays), or remove one (`slett`)."""
    form = await request.form()
    old = forms.text(form, "gammel")

    def build(doc: InstanceFile) -> tuple[dict[str, Any], str]:
        items = doc.legevakt.municipalities
        if forms.checked(form, "slett"):
            items, detail = put(items, old, None), f"kommune fjernet: {old}"
        else:
            data = forms.pick(form, ("id", "name", "population", "share"))
            if old:
                data["id"] = old
            m = validate("kommuner", Municipality, data, form)
            items, detail = put(items, old, m), f"kommune {m.name}"
        legevakt = doc.legevakt.model_copy(update={"municipalities": items})
        return {"legevakt": legevakt}, detail

    return save_section(request, lv, s, form, "kommuner", build)


# --------------------------------------------------------------------------- shift types


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

    def build(doc: InstanceFile) -> tuple[dict[str, Any], str]:
        if forms.checked(form, "slett"):
            return {"shift_types": put(doc.shift_types, old, None)}, f"vakttype fjernet: {old}"
        t = validate("vakttype", ShiftType, forms.shift_type_data(form, old), form)
        return {"shift_types": put(doc.shift_types, old, t)}, f"vakttype {t.label}"

    def shown_again(err: FormError) -> Response:
        ctx = setup_context(lv.row, err)
        ctx["shift"] = next((t for t in ctx["doc"].shift_types if t.id == old), None)
        return render(request, "oppsett_vakttype.html", ctx, status_code=422)

    return save_section(request, lv, s, form, "vakttype", build, "vakttyper", shown_again)


# --------------------------------------------------------------------------- fairness


@router.post("/legevakter/{slug}/oppsett/rettferdighet")
async def save_fairness(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    form = await request.form()

    def build(doc: InstanceFile) -> tuple[dict[str, Any], str]:
        data = {
            **doc.fairness.model_dump(mode="json"),
            **forms.pick(form, ("tolerance_points", "replan_tolerance_points")),
            "exemption_makeup": forms.checked(form, "exemption_makeup"),
            "category_weights": {
                k: forms.number(form, f"weight_{k}") or "0" for k in forms.WEIGHT_NO
            },
        }
        fairness = validate("rettferdighet", FairnessConfig, data, form)
        return {"fairness": fairness}, "rettferdighet"

    return save_section(request, lv, s, form, "rettferdighet", build)


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

    def build(doc: InstanceFile) -> tuple[dict[str, Any], str]:
        items = list(doc.rule_overrides)
        if forms.checked(form, "slett"):
            gone = items.pop(_index(form, len(items), "Den lokale regelen"))
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
        return {"rule_overrides": tuple(items)}, detail

    def shown_again(err: FormError) -> Response:
        if forms.checked(form, "slett"):
            return page(request, lv.row, err)
        ctx = _rule_context(lv.row, rule, err)
        return render(request, "oppsett_regel.html", ctx, status_code=422)

    return save_section(request, lv, s, form, "regel", build, "regler", shown_again)


def _index(form: Any, count: int, what: str) -> int:
    """The list position posted as `nr` (with `slett`), or 404 naming `what`."""
    nr = forms.text(form, "nr") or ""
    if not nr.isdigit() or int(nr) >= count:
        raise not_found(what)
    return int(nr)


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

    def build(doc: InstanceFile) -> tuple[dict[str, Any], str]:
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
        detail = (
            f"{'fravær' if section == 'absences' else 'fritak'} for "
            f"{len(doctors)} {'lege' if len(doctors) == 1 else 'leger'}"
        )
        return {section: (*getattr(doc, section), *added)}, detail

    return save_section(request, lv, s, form, section, build)


# --------------------------------------------------------------------------- history


@router.post("/legevakter/{slug}/oppsett/historikk")
async def save_history(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> Response:
    """What earlier periods left: points each doctor carries (`carry_<id>`), or a big holiday
    a doctor worked (`year`, `holiday`, `doctor`; `slett` with `nr` removes one)."""
    form = await request.form()

    def build(doc: InstanceFile) -> tuple[dict[str, Any], str]:
        data = doc.history.model_dump(mode="json")
        if forms.checked(form, "slett"):
            data["big_holidays"].pop(_index(form, len(data["big_holidays"]), "Høytiden"))
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
        return {"history": history}, "tidligere perioder"

    return save_section(request, lv, s, form, "historikk", build)
