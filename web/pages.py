"""Server-rendered pages for leaders (Norwegian bokmål): login, the list of legevakter and
one legevakt's page (staff list, plan file, new plans, calendar links, log, comparing
versions). Each handler reads or changes data through web.store and renders a template;
errors go to the one mapping in web.app. The pages of one plan are in web.plan_pages, a
doctor's entries in the plan file in web.doctor_edit_pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from roster.errors import InputError, Problem
from roster.glossary import DOCTOR_KIND_NO, EXEMPTION_NO, SCOPE_NO, parse_date_no
from web import auditwords as words
from web import period, staffupload, store
from web.access import (
    LegevaktAccess,
    Principal,
    administrator,
    leads_legevakt,
    led_rows,
    signed_in,
)
from web.deps import Settings, check_csrf, csrf_token, db, settings, sign_in, sign_out
from web.deps import login as login_check
from web.errors import AppError, not_found
from web.models import LegevaktRow
from web.security import safe_upload_name

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

JOB_STATUS_NO = {
    "queued": "i kø",
    "running": "lager planen",
    "done": "ferdig",
    "failed": "mislyktes",
    "cancelled": "avbrutt",
}


def render(
    request: Request, name: str, ctx: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    templates = request.app.state.templates
    who = getattr(request.state, "principal", None)
    base = {
        "user": who.username if who else None,
        "is_admin": bool(who and who.is_admin),
        "is_doctor": bool(who and who.doctor),
        "job_status_no": JOB_STATUS_NO,
    }
    response: HTMLResponse = templates.TemplateResponse(
        request, name, {**base, **ctx}, status_code=status_code
    )
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def local_path(target: str | None, default: str = "/") -> str:
    """Only same-site paths (no //host, no scheme) are followed after login or a form."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


# --------------------------------------------------------------------------- login


@router.get("/login")
def login_page(request: Request, neste: str = "/") -> Response:
    csrf_token(request)
    return render(request, "login.html", {"neste": local_path(neste), "feil": None})


@router.post("/login")
def login(
    request: Request,
    brukernavn: str = Form(""),
    passord: str = Form(""),
    neste: str = Form("/"),
    s: Session = Depends(db),
) -> Response:
    user = login_check(request, s, brukernavn, passord)
    if user is None:
        return render(
            request,
            "login.html",
            {"neste": local_path(neste), "feil": "Feil brukernavn eller passord."},
            status_code=401,
        )
    sign_in(request, s, user)
    return redirect(local_path(neste))


@router.post("/logout")
def logout(request: Request, s: Session = Depends(db)) -> Response:
    sign_out(request, s)
    return redirect("/login")


# --------------------------------------------------------------------------- legevakter


def index_page(
    request: Request,
    s: Session,
    who: Principal,
    problems: list[Problem],
    yaml: str = "",
    form_values: Any = None,
    status: int = 200,
) -> Response:
    """The list of legevakter, with the forms for a new one (and their problems)."""
    rows = led_rows(s, who)
    return render(
        request,
        "index.html",
        {
            "rows": rows,
            "latest": {r.id: store.latest_version(s, r.id) for r in rows},
            "examples": store.EXAMPLES,
            "problems": problems,
            "yaml": yaml,
            "values": form_values or {},
        },
        status_code=status,
    )


@router.get("/")
def index(
    request: Request, who: Principal = Depends(signed_in), s: Session = Depends(db)
) -> Response:
    """The legevakter this login leads (all of them for an administrator); a doctor's own
    page for a doctor."""
    if who.doctor:
        return redirect("/min-side")
    return index_page(request, s, who, [])


@router.post("/legevakter")
def create_legevakt(
    request: Request,
    eksempel: str = Form(""),
    yaml: str = Form(""),
    who: Principal = Depends(administrator),
    s: Session = Depends(db),
) -> Response:
    try:
        text = store.example_text(eksempel) if eksempel else yaml
        if not text.strip():
            raise InputError([Problem(message="velg et eksempel eller lim inn en planfil (YAML)")])
        row = store.create_legevakt(s, text, who.username)
        s.commit()
    except (InputError, AppError) as err:
        s.rollback()
        problems = err.problems if isinstance(err, InputError) else err.problemer
        if isinstance(err, AppError) and not problems:
            problems = [Problem(message=err.melding)]
        status = 422 if isinstance(err, InputError) else err.status
        return index_page(request, s, who, problems, yaml, status=status)
    return redirect(f"/legevakter/{row.slug}")


def _legevakt_ctx(s: Session, row: LegevaktRow, cfg: Settings) -> dict[str, Any]:
    instance = store.instance_from_text(row.instance_yaml)
    munis = {m.id: m.name for m in instance.legevakt.municipalities}
    all_token = store.active_token(s, row.id, None)
    return {
        "row": row,
        "instance": instance,
        "munis": munis,
        "kind_no": DOCTOR_KIND_NO,
        "exemption_no": EXEMPTION_NO,
        "scope_no": SCOPE_NO,
        "jobs": store.jobs_for(s, row),
        "versions": store.versions(s, row),
        "all_token": all_token,
        "time_limit": cfg.time_limit,
        "time_limits": sorted({cfg.time_limit, 10.0, 30.0, 60.0, 120.0, 300.0}),
        "upload_problems": [],
        "period_problems": [],
        "upload_ok": None,
        "upload_changes": {},
        "staff_preview": None,
    }


@router.get("/legevakter/{slug}")
def legevakt_page(
    request: Request,
    slug: str,
    importert: int | None = None,
    nye: int = 0,
    fjernet: int = 0,
    endret: int = 0,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
    cfg: Settings = Depends(settings),
) -> Response:
    row = lv.row
    ctx = _legevakt_ctx(s, row, cfg)
    ctx["upload_ok"] = importert
    ctx["upload_changes"] = {"nye": nye, "fjernet": fjernet, "endret": endret}
    return render(request, "legevakt.html", ctx)


def _read_upload(file: UploadFile, limit: int) -> tuple[str, bytes]:
    name = safe_upload_name(file.filename)
    if name is None:
        raise InputError(
            [
                Problem(
                    message="ugyldig filnavn (bruk et vanlig filnavn uten mapper, "
                    "for eksempel ansatte.csv)"
                )
            ]
        )
    data = file.file.read(limit + 1)
    if len(data) > limit:
        mb = limit / 1024 / 1024
        raise InputError(
            [
                Problem(
                    file=name, message=f"filen er for stor; største tillatte størrelse er {mb:g} MB"
                )
            ]
        )
    return name, data


@router.post("/legevakter/{slug}/ansatte")
def upload_staff(
    request: Request,
    slug: str,
    fil: UploadFile = File(...),
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
    cfg: Settings = Depends(settings),
) -> Response:
    """Step one: read and check the list, show what it would change. Nothing is saved."""
    row = lv.row
    ctx = _legevakt_ctx(s, row, cfg)
    try:
        name, data = _read_upload(fil, cfg.max_upload_bytes)
        ctx["staff_preview"] = staffupload.preview(row, data, name)
    except InputError as err:
        ctx["upload_problems"] = err.problems
        ctx["upload_name"] = fil.filename
        return render(request, "legevakt.html", ctx, status_code=422)
    return render(request, "legevakt.html", ctx)


@router.post("/legevakter/{slug}/ansatte/lagre")
def confirm_staff(
    request: Request,
    slug: str,
    leger: str = Form(...),
    filnavn: str = Form(""),
    grunnlag: str = Form(""),
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
    cfg: Settings = Depends(settings),
) -> Response:
    """Step two: save the list the leader saw and confirmed."""
    name = safe_upload_name(filnavn) or "legeliste"
    try:
        diff = staffupload.confirm(s, lv.row, leger, name, grunnlag, lv.user.username)
        s.commit()
    except (InputError, AppError) as err:
        s.rollback()
        ctx = _legevakt_ctx(s, store.legevakt(s, slug), cfg)
        problems = err.problems if isinstance(err, InputError) else [Problem(message=err.melding)]
        ctx["upload_problems"] = problems
        ctx["upload_name"] = name
        status = 422 if isinstance(err, InputError) else err.status
        return render(request, "legevakt.html", ctx, status_code=status)
    count = len(store.instance_from_text(lv.row.instance_yaml).doctors)
    added, removed, changed = len(diff.added), len(diff.removed), len(diff.changed)
    return redirect(
        f"/legevakter/{slug}?importert={count}&nye={added}&fjernet={removed}&endret={changed}"
        "#ansatte"
    )


@router.get("/legevakter/{slug}/rediger")
def edit_page(
    request: Request,
    slug: str,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = lv.row
    return render(request, "rediger.html", {"row": row, "yaml": row.instance_yaml, "problems": []})


@router.post("/legevakter/{slug}/rediger")
def edit_save(
    request: Request,
    slug: str,
    yaml: str = Form(...),
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = lv.row
    try:
        store.save_text(s, row, yaml.replace("\r\n", "\n"), lv.user.username, "planfil_endret")
        s.commit()
    except InputError as err:
        s.rollback()
        return render(
            request,
            "rediger.html",
            {"row": row, "yaml": yaml, "problems": err.problems},
            status_code=422,
        )
    return redirect(f"/legevakter/{slug}")


@router.post("/legevakter/{slug}/lag")
def make_plan(
    request: Request,
    slug: str,
    start: str = Form(...),
    slutt: str = Form(...),
    tidsgrense: float = Form(60.0),
    fra_versjon: str = Form(""),
    behold_for: str = Form(""),
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
    cfg: Settings = Depends(settings),
) -> Response:
    row = lv.row
    try:
        store.set_period(
            s, row, parse_date_no(start, "fra"), parse_date_no(slutt, "til"), lv.user.username
        )
        limit = min(max(1.0, tidsgrense), cfg.max_time_limit)
        previous = store.version(s, row, int(fra_versjon)) if fra_versjon.isdigit() else None
        freeze = parse_date_no(behold_for, "behold_for") if behold_for.strip() else None
        job = store.create_job(s, row, lv.user.username, limit, previous, freeze)
        store.commit_job(s, row)
    except InputError as err:
        s.rollback()
        row = store.legevakt(s, slug)
        ctx = _legevakt_ctx(s, row, cfg)
        ctx["period_problems"] = err.problems
        return render(request, "legevakt.html", ctx, status_code=422)
    request.app.state.runner.submit(job.id)
    return redirect(f"/planer/{job.id}")


@router.post("/legevakter/{slug}/kalenderlenker")
def feed_links(
    request: Request,
    slug: str,
    lege: str = Form(""),
    handling: str = Form(...),
    tilbake: str = Form(""),
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = lv.row
    doctor_id = lege or None
    if doctor_id is not None and not store.instance_from_text(row.instance_yaml).has_doctor(
        doctor_id
    ):
        raise not_found("Legen")
    if handling == "forny":
        store.rotate_token(s, row, doctor_id, lv.user.username)
    elif handling == "trekk":
        store.revoke_token(s, row, doctor_id, lv.user.username)
    else:
        raise AppError(400, "ukjent_handling", "Ukjent handling.")
    s.commit()
    return redirect(local_path(tilbake, f"/legevakter/{slug}"))


@router.get("/legevakter/{slug}/logg")
def audit_page(
    request: Request,
    slug: str,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = lv.row
    return render(
        request,
        "logg.html",
        {"row": row, "entries": store.audit_entries(s, row), "action_words": words.action_words},
    )


@router.get("/legevakter/{slug}/sammenlign")
def compare_page(
    request: Request,
    slug: str,
    fra: int,
    til: int,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    row = lv.row
    a, b = store.version(s, row, fra), store.version(s, row, til)
    changes = store.version_diff(a, b)
    return render(
        request,
        "sammenlign.html",
        {
            "row": row,
            "a": a,
            "b": b,
            "changes": changes,
            "why": period.reasons(s, row, a.number, b.number),
            "versions": store.versions(s, row),
        },
    )
