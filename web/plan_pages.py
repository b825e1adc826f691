"""The pages of one plan: a draft from a solve (/planer/{job_id}) or a published version
(/legevakter/{slug}/versjoner/{number}), with its calendar, week, fairness and doctor pages
and its exports. `PlanView` is the immutable plan a page shows; what is computed from it is
kept once per process (web.facts), and so is the part of the calendar and fairness pages
that follows from the plan alone (`plan_part`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from roster import fairness_view
from roster.calendar import OSLO
from roster.fairness import FairnessReport, evaluate
from roster.formats.exchange import Roster, holes, roster_csv_text
from roster.formats.exports import month_html, workbook
from roster.glossary import COST_KEY_NO, DOCTOR_KIND_NO
from roster.instance import Instance
from web import preview, store, views
from web.access import JobAccess, VersionAccess, leads_job, leads_version
from web.deps import check_csrf, db
from web.errors import AppError, not_found
from web.facts import NOT_KEPT, Facts, FactsCache, FactsKey
from web.models import LegevaktRow, PublishedVersion, SolveJob
from web.pages import redirect, render
from web.renders import Bodies, version_xlsx

T = TypeVar("T")

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


@router.get("/planer/{job_id}")
def plan_page(
    request: Request, ja: JobAccess = Depends(leads_job), s: Session = Depends(db)
) -> Response:
    job, row = ja.job, ja.row
    if job.status != "done":
        return render(request, "progress.html", {"row": row, "job": job})
    view = _job_plan(ja, _job_facts(job, request.app.state.facts))
    published = ja.published
    last = None if published else store.latest_version(s, row.id, light=True)
    ctx = {**_view_ctx(view), "publish_problems": [], "published": published, "last": last}
    if last is not None:  # a re-plan: what publishing it changes, per doctor
        ctx["preview"] = view.once(("preview", last.id), lambda: _changes(last, view))
    return render(request, "plan.html", ctx)


def _changes(last: PublishedVersion, view: PlanView) -> Any:
    """What publishing the plan changes against `last`, per doctor (its texts read here)."""
    old = (store.instance_from_text(last.instance_yaml), store.roster_from_json(last.roster))
    return preview.doctor_changes(*old, view.instance, view.roster)


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
    #: Set on a copy that may only use what is kept (`once` raises NotKept for the rest).
    kept_only: bool = False

    @property
    def fairness(self) -> FairnessReport:
        if self.facts is None:
            return evaluate(self.instance, self.roster)
        return self.facts.fairness

    def once(self, key: Any, make: Callable[[], T]) -> T:
        """`make()`, kept with the plan's facts when there are any (computed once per
        process for an immutable plan)."""
        if self.kept_only:
            value = NOT_KEPT if self.facts is None else self.facts.kept(key)
            if value is NOT_KEPT:
                raise NotKept(key)
            found: T = value
            return found
        return make() if self.facts is None else self.facts.once(key, make)


class NotKept(Exception):
    """A page asked for a part of the plan that is not computed yet (PlanView.kept_only)."""


async def kept_or_in_thread(
    page: Callable[..., Response], request: Request, view: PlanView, *args: Any
) -> Response:
    """`page(request, view, *args)` on the event loop when all it takes from the plan is
    kept (what is left is rendering a small page around kept parts: no I/O, no lock to wait
    for); otherwise in the thread pool, where the parts are made."""
    try:
        return page(request, dataclasses.replace(view, kept_only=True), *args)
    except NotKept:
        return await run_in_threadpool(page, request, view, *args)


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


def _job_key(job: SolveJob) -> FactsKey:
    """What a finished plan's facts are kept under: its id and when it finished (a finished
    plan never changes; an id SQLite gives again after a deletion is another plan)."""
    return ("plan", job.id, job.finished_at)


def _job_facts(job: SolveJob, cache: FactsCache | None) -> Facts:
    """The facts of a finished plan: kept, or read and parsed (its texts read only then)."""
    if job.status != "done":
        raise AppError(409, "ikke_ferdig", "Planen er ikke ferdig ennå.")
    kept = cache.kept(_job_key(job)) if cache is not None else None
    if kept is not None:
        return kept
    if job.roster is None:
        raise AppError(409, "ikke_ferdig", "Planen er ikke ferdig ennå.")
    roster = job.roster

    def load() -> Facts:
        return Facts(job.instance_yaml, roster, job.report or {})

    return cache.get(_job_key(job), load) if cache is not None else load()


def _job_plan(ja: JobAccess, facts: Facts) -> PlanView:
    job, published = ja.job, ja.published
    title = (
        f"Plan {job.id}, publisert som versjon {published.number}"
        if published
        else f"Utkast (plan {job.id})"
    )
    view = _planview("plan", title, f"/planer/{job.id}", ja.row, facts)
    view.job = job
    return view


def _job_view(ja: JobAccess, cache: FactsCache | None = None) -> PlanView:
    return _job_plan(ja, _job_facts(ja.job, cache))


def _version_facts(v: PublishedVersion, cache: FactsCache | None) -> Facts:
    def load() -> Facts:  # the texts are read here, only when not kept
        return Facts(v.instance_yaml, v.roster, v.report or {})

    return cache.get(("versjon", v.id), load) if cache is not None else load()


def _version_plan(row: LegevaktRow, v: PublishedVersion, facts: Facts) -> PlanView:
    base = f"/legevakter/{row.slug}/versjoner/{v.number}"
    view = _planview("versjon", f"Publisert versjon {v.number}", base, row, facts)
    view.version = v
    return view


def _version_view(
    s: Session, row: LegevaktRow, number: int, cache: FactsCache | None = None
) -> PlanView:
    v = store.version(s, row, number, light=True)  # the texts are read only when not cached
    return _version_plan(row, v, _version_facts(v, cache))


async def job_view(request: Request, ja: JobAccess = Depends(leads_job)) -> PlanView:
    """On the event loop when this process keeps the plan's facts (nothing to read); the
    first time, they are read and parsed in the thread pool. Access is checked by
    `leads_job` on every request either way."""
    cache: FactsCache = request.app.state.facts
    if ja.job.status == "done" and cache.kept(_job_key(ja.job)) is not None:
        return _job_view(ja, cache)
    return await run_in_threadpool(_job_view, ja, cache)


async def version_view(
    request: Request,
    number: int,  # checked here (a 422), after the sign-in and access checks, as before
    s: Session = Depends(db),
    va: VersionAccess = Depends(leads_version),
) -> PlanView:
    """On the event loop when this process keeps the version's facts (nothing to read);
    the first time, they are read and parsed in the thread pool."""
    if va.version is None:
        raise not_found("Versjonen")
    cache: FactsCache = request.app.state.facts
    facts = cache.kept(("versjon", va.version.id))
    if facts is None:
        facts = await run_in_threadpool(_version_facts, va.version, cache)
    return _version_plan(va.row, va.version, facts)


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
    weeks = view.once("weeks", lambda: views.weeks_of(view.instance))
    keys = [k for k, _ in weeks]
    this_week = views.week_of(dt.date.today())  # the web app has a clock; the core does not
    key = uke if uke in keys else this_week if this_week in keys else keys[0]
    i = keys.index(key)  # only the plan's weeks are kept
    week = view.once(("week", key), lambda: views.week_view(view.instance, view.roster, key))
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
            "codes": view.once("codes", lambda: views.chip_codes(view.instance)),
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
            "counts": view.once(
                ("counts", doctor_id), lambda: fairness_view.doctor_counts(view.instance, load)
            ),
            "duties": view.once(
                ("duties", doctor_id),
                lambda: views.duties_of(view.instance, view.roster, doctor_id),
            ),
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


def _register(prefix: str, dep: Callable[..., Any]) -> None:
    """The pages of a plan under `prefix`; `dep` gives the PlanView (plain or async)."""

    async def calendar_page(
        request: Request, maned: str | None = None, view: PlanView = Depends(dep)
    ) -> Response:
        return await kept_or_in_thread(_calendar, request, view, maned)

    def week_page(
        request: Request, uke: str | None = None, view: PlanView = Depends(dep)
    ) -> Response:
        return _week(request, view, uke)

    async def fairness_page(request: Request, view: PlanView = Depends(dep)) -> Response:
        return await kept_or_in_thread(_fairness, request, view)

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
