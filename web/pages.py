"""Server-rendered pages for leaders (Norwegian bokmål). Each handler reads or changes data
through web.store and renders a template; errors go to the one mapping in web.app."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from roster import fairness_view
from roster.calendar import OSLO
from roster.errors import InputError, Problem
from roster.fairness import FairnessReport, evaluate
from roster.formats.exchange import Roster, holes, roster_csv_text
from roster.formats.exports import month_html, workbook
from roster.glossary import (
    ABSENCE_NO,
    COST_KEY_NO,
    DOCTOR_KIND_NO,
    EXEMPTION_NO,
    SCOPE_NO,
    parse_date_no,
)
from roster.instance import Instance
from web import auditwords as words
from web import period, preview, staffupload, store, views
from web.access import (
    JobAccess,
    LegevaktAccess,
    Principal,
    administrator,
    leads_job,
    leads_legevakt,
    led_rows,
    signed_in,
)
from web.deps import Settings, check_csrf, csrf_token, db, settings, sign_in, sign_out
from web.deps import login as login_check
from web.errors import AppError, not_found
from web.facts import Facts, FactsCache
from web.models import LegevaktRow, PublishedVersion, SolveJob
from web.renders import Bodies, version_xlsx
from web.security import safe_upload_name

T = TypeVar("T")

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


# --------------------------------------------------------------------------- plans


@router.get("/planer/{job_id}")
def plan_page(
    request: Request, ja: JobAccess = Depends(leads_job), s: Session = Depends(db)
) -> Response:
    job, row = ja.job, ja.row
    if job.status != "done":
        return render(request, "progress.html", {"row": row, "job": job})
    view = _job_view(s, job)
    published = store.published_as(s, job)
    last = None if published else store.latest_version(s, row.id)
    ctx = {**_view_ctx(view), "publish_problems": [], "published": published, "last": last}
    if last is not None:  # a re-plan: what publishing it changes, per doctor
        old = (store.instance_from_text(last.instance_yaml), store.roster_from_json(last.roster))
        ctx["preview"] = preview.doctor_changes(*old, view.instance, view.roster)
    return render(request, "plan.html", ctx)


@router.post("/planer/{job_id}/avbryt")
def cancel(
    request: Request, ja: JobAccess = Depends(leads_job), s: Session = Depends(db)
) -> Response:
    if store.cancel_job(s, ja.job, ja.user.username):
        request.app.state.runner.cancel(ja.job.id)
    return redirect(f"/planer/{ja.job.id}")


@router.post("/planer/{job_id}/publiser")
def publish(ja: JobAccess = Depends(leads_job), s: Session = Depends(db)) -> Response:
    v = store.publish(s, ja.job, ja.user.username)
    return redirect(f"/legevakter/{ja.row.slug}/versjoner/{v.number}")


@dataclass
class PlanView:
    kind: str  # "plan" (a draft from a solve) or "versjon" (published, immutable)
    title: str
    base: str
    row: LegevaktRow
    instance: Instance
    roster: Roster
    report: dict[str, Any]
    job: SolveJob | None = None
    version: PublishedVersion | None = None
    #: What is computed from the plan, once per process (web.facts): holes, fairness …
    facts: Facts | None = None

    @property
    def fairness(self) -> FairnessReport:
        if self.facts is None:
            return evaluate(self.instance, self.roster)
        return self.facts.fairness

    def once(self, key: Any, make: Callable[[], T]) -> T:
        """`make()`, kept with the plan's facts when there are any (computed once per
        process for an immutable plan)."""
        return make() if self.facts is None else self.facts.once(key, make)


def _planview(kind: str, title: str, base: str, row: LegevaktRow, facts: Facts) -> PlanView:
    return PlanView(
        kind=kind,
        title=title,
        base=base,
        row=row,
        instance=facts.instance,
        roster=facts.roster,
        report=facts.report,
        facts=facts,
    )


def _job_view(s: Session, job: SolveJob, cache: FactsCache | None = None) -> PlanView:
    if job.status != "done" or job.roster is None:
        raise AppError(409, "ikke_ferdig", "Planen er ikke ferdig ennå.")
    row = s.get(LegevaktRow, job.legevakt_id)
    assert row is not None
    published = store.published_as(s, job)
    title = (
        f"Plan {job.id}, publisert som versjon {published.number}"
        if published
        else f"Utkast (plan {job.id})"
    )
    roster = job.roster

    def load() -> Facts:
        return Facts(job.instance_yaml, roster, job.report or {})

    facts = cache.get(("plan", job.id), load) if cache is not None else load()
    view = _planview("plan", title, f"/planer/{job.id}", row, facts)
    view.job = job
    return view


def _version_view(
    s: Session, row: LegevaktRow, number: int, cache: FactsCache | None = None
) -> PlanView:
    v = store.version(s, row, number, light=True)  # the texts are read only when not cached

    def load() -> Facts:
        return Facts(v.instance_yaml, v.roster, v.report or {})

    facts = cache.get(("versjon", v.id), load) if cache is not None else load()
    base = f"/legevakter/{row.slug}/versjoner/{v.number}"
    view = _planview("versjon", f"Publisert versjon {v.number}", base, row, facts)
    view.version = v
    return view


def job_view(
    request: Request, s: Session = Depends(db), ja: JobAccess = Depends(leads_job)
) -> PlanView:
    return _job_view(s, ja.job, request.app.state.facts)


def version_view(
    request: Request,
    number: int,
    s: Session = Depends(db),
    lv: LegevaktAccess = Depends(leads_legevakt),
) -> PlanView:
    return _version_view(s, lv.row, number, request.app.state.facts)


def _view_ctx(view: PlanView) -> dict[str, Any]:
    return {
        "view": view,
        "row": view.row,
        "instance": view.instance,
        "holes": view.facts.holes if view.facts else holes(view.instance, view.roster),
        "deviation_words": views.deviation_words(view.report.get("largest_deviation")),
        "duty_count": view.once("duty_count", lambda: views.duty_count(view.instance, view.roster)),
        "months": views.months_of(view.instance),
    }


@router.get("/legevakter/{slug}/versjoner/{number}")
def version_page(
    request: Request, view: PlanView = Depends(version_view), s: Session = Depends(db)
) -> Response:
    assert view.version is not None
    versions = store.versions(s, view.row)
    prev = store.previous_version(s, view.version)
    return render(
        request,
        "plan.html",
        {**_view_ctx(view), "versions": versions, "prev": prev, "publish_problems": []},
    )


def plan_part(
    request: Request, view: PlanView, name: str, key: Any, make_ctx: Callable[[], dict[str, Any]]
) -> Markup:
    """The template `name` rendered from `make_ctx()`: the part of a page that follows from
    the plan alone (no user, session or CSRF token), so it is rendered once per plan and
    `key` (web.facts keeps it with the plan; access is still checked on every request)."""

    def make() -> Markup:
        template = request.app.state.templates.get_template(name)
        return Markup(template.render(make_ctx()))

    return view.once(("part", name, view.base, key), make)


def _page(request: Request, view: PlanView, name: str, main: Markup, **ctx: Any) -> Response:
    """A plan page: the page around a part rendered once (plan_part)."""
    return render(request, name, {"view": view, "row": view.row, "main": main, **ctx})


def _calendar(request: Request, view: PlanView, maned: str | None) -> Response:
    keys = [k for k, _ in view.once("months", lambda: views.months_of(view.instance))]
    key = maned if maned in keys else keys[0]  # only the plan's months are kept

    def make_ctx() -> dict[str, Any]:
        grids = view.facts.month_grid if view.facts else None  # kept per process (web.facts)
        return {**_view_ctx(view), **views.month_ctx(view.instance, view.roster, key, grids)}

    main = plan_part(request, view, "_kalender.html", key, make_ctx)
    return _page(request, view, "kalender.html", main, grid_title=views.month_title(key))


def _week(request: Request, view: PlanView, uke: str | None) -> Response:
    weeks = views.weeks_of(view.instance)
    keys = [k for k, _ in weeks]
    this_week = views.week_of(dt.date.today())  # the web app has a clock; the core does not
    key = uke if uke in keys else this_week if this_week in keys else keys[0]
    i = keys.index(key)
    week = views.week_view(view.instance, view.roster, key)
    monday = week.days[0]
    assert monday is not None
    in_plan = next((c.date for c in week.days if c and c.in_plan), monday.date)
    return render(
        request,
        "uke.html",
        {
            **_view_ctx(view),
            "week": week,
            "weeks": weeks,
            "prev_key": keys[i - 1] if i > 0 else None,
            "next_key": keys[i + 1] if i + 1 < len(keys) else None,
            "month_key": f"{in_plan.year:04d}-{in_plan.month:02d}",
            "legend": views.LEGEND,
            "codes": views.chip_codes(view.instance),
        },
    )


def _fairness(request: Request, view: PlanView) -> Response:
    main = plan_part(request, view, "_rettferdighet.html", None, lambda: _fairness_ctx(view))
    return _page(request, view, "rettferdighet.html", main)


def _fairness_ctx(view: PlanView) -> dict[str, Any]:
    fairness = view.fairness
    stages = view.report.get("stages", [])
    rows = view.once("rows", lambda: fairness_view.doctor_rows(view.instance, fairness))
    parts = fairness_view.band_parts(rows, view.report.get("remarks"))
    return {
        **_view_ctx(view),
        "fairness": fairness,
        "words": fairness_view.fairness_words(fairness, stages),
        "notes": fairness_view.plan_notes(view.report.get("notes", []), parts),
        "kinds": fairness_view.kinds(view.instance),
        "rows": rows,
        "bars": view.once("bars", lambda: fairness_view.band_bars(view.instance, fairness)),
        "doctor_chart": view.once(
            "doctor_chart", lambda: views.doctor_chart(view.instance, fairness)
        ),
        "muni_chart": views.municipality_chart(fairness),
        "stage_lines": fairness_view.stage_lines(stages, parts),
        "cost_key_no": COST_KEY_NO[view.instance.legevakt.cost_key],
        "base": view.base,
    }


def _doctor(request: Request, view: PlanView, doctor_id: str, s: Session) -> Response:
    if not view.instance.has_doctor(doctor_id):
        raise not_found("Legen")
    doctor = view.instance.doctor(doctor_id)
    fairness = view.fairness
    load = next(d for d in fairness.doctors if d.doctor_id == doctor_id)
    token = store.active_token(s, view.row.id, doctor_id)
    feed_url = str(request.url_for("feed", token=token.token)) if token else None
    return render(
        request,
        "lege.html",
        {
            **_view_ctx(view),
            "doctor": doctor,
            "load": load,
            "counts": fairness_view.doctor_counts(view.instance, load),
            "duties": views.duties_of(view.instance, view.roster, doctor_id),
            "feed_url": feed_url,
            "webcal_url": feed_url.replace("https://", "webcal://").replace("http://", "webcal://")
            if feed_url
            else None,
            "muni": {m.id: m.name for m in view.instance.legevakt.municipalities}.get(
                doctor.municipality, doctor.municipality
            ),
            "kind_no": DOCTOR_KIND_NO,
            "back": request.url.path,
        },
    )


EXPORTS: dict[str, tuple[str, str]] = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "vaktplan.xlsx"),
    "csv": ("text/csv; charset=utf-8", "roster.csv"),
    "html": ("text/html; charset=utf-8", ""),
}


def edition_words(view: PlanView) -> str:
    """Which plan a printout is: «Versjon 2, publisert 3. desember 2026» or the draft."""
    if view.version is not None:
        at = view.version.published_at.astimezone(OSLO).date()
        return f"Versjon {view.version.number}, publisert {views.date_no(at)}"
    assert view.job is not None
    return f"{view.title}, ikke publisert" if view.title.startswith("Utkast") else view.title


def export_response(
    view: PlanView, fmt: str, s: Session | None = None, bodies: Bodies | None = None
) -> Response:
    if fmt not in EXPORTS:
        raise not_found("Eksportformatet")
    media, filename = EXPORTS[fmt]
    body: bytes | str
    if fmt == "xlsx" and view.version is not None and s is not None and bodies is not None:
        body = version_xlsx(s, bodies, view.version)  # made once, for every web process
    elif fmt == "xlsx" and view.facts is not None:
        body = view.facts.xlsx()
    elif fmt == "xlsx":
        buf = io.BytesIO()
        workbook(view.instance, view.roster).save(buf)
        body = buf.getvalue()
    elif fmt == "csv":
        body = roster_csv_text(view.instance, view.roster)
    else:
        body = month_html(view.instance, view.roster, edition_words(view))
    headers = {}
    if filename:
        number = view.version.number if view.version else view.job.id if view.job else 0
        stem = f"{view.row.slug}-{view.kind}-{number}"  # e.g. innherred-versjon-2.xlsx
        ext = filename.rsplit(".", 1)[1]
        headers["Content-Disposition"] = f'attachment; filename="{quote(stem)}.{ext}"'
    return Response(content=body, media_type=media, headers=headers)


def _register(prefix: str, dep: Callable[..., PlanView]) -> None:
    def calendar_page(
        request: Request, maned: str | None = None, view: PlanView = Depends(dep)
    ) -> Response:
        return _calendar(request, view, maned)

    def week_page(
        request: Request, uke: str | None = None, view: PlanView = Depends(dep)
    ) -> Response:
        return _week(request, view, uke)

    def fairness_page(request: Request, view: PlanView = Depends(dep)) -> Response:
        return _fairness(request, view)

    def doctor_page(
        request: Request, doctor_id: str, view: PlanView = Depends(dep), s: Session = Depends(db)
    ) -> Response:
        return _doctor(request, view, doctor_id, s)

    def export(
        request: Request, fmt: str, view: PlanView = Depends(dep), s: Session = Depends(db)
    ) -> Response:
        return export_response(view, fmt, s, request.app.state.renders)

    router.add_api_route(prefix + "/kalender", calendar_page, methods=["GET"])
    router.add_api_route(prefix + "/uke", week_page, methods=["GET"])
    router.add_api_route(prefix + "/rettferdighet", fairness_page, methods=["GET"])
    router.add_api_route(prefix + "/leger/{doctor_id}", doctor_page, methods=["GET"])
    router.add_api_route(prefix + "/eksport.{fmt}", export, methods=["GET"])


_register("/planer/{job_id}", job_view)
_register("/legevakter/{slug}/versjoner/{number}", version_view)


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
