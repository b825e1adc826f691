"""The JSON API: everything the pages do, in FastAPI's OpenAPI (/docs, /openapi.json).

Log in with POST /api/innlogging; the answer carries the CSRF token to send in the
X-CSRF-Token header on every change. Every error has one shape, documented as `FeilSvar`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from roster.formats.exchange import holes, roster_rows
from roster.instance import Instance
from web import store
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
from web.deps import Settings, check_csrf, db, settings, sign_in, sign_out
from web.deps import login as login_check
from web.errors import AppError
from web.models import FeedToken, LegevaktRow, PublishedVersion, SolveJob, utcnow
from web.pages import _read_upload
from web.plan_pages import _job_view, _version_view, export_response


class Problem(BaseModel):
    melding: str
    tekst: str
    fil: str | None = None
    rad: int | None = None
    kolonne: str | None = None
    felt: str | None = None
    linje: int | None = None


class Feil(BaseModel):
    kode: str = Field(description="Stabil kode, f.eks. ugyldige_inndata, csrf, finnes_ikke")
    melding: str
    problemer: list[Problem] = []


class FeilSvar(BaseModel):
    feil: Feil


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": FeilSvar, "description": text}
    for code, text in (
        (401, "Ikke innlogget"),
        (403, "CSRF-token mangler eller er feil, eller ingen tilgang til legevakten"),
        (404, "Finnes ikke"),
        (409, "Konflikt"),
        (413, "For stor forespørsel"),
        (429, "For mange mislykkede innlogginger"),
        (422, "Ugyldige inndata, med hvert problem"),
    )
}

router = APIRouter(prefix="/api", dependencies=[Depends(check_csrf)], responses=ERRORS)


class Innlogging(BaseModel):
    brukernavn: str
    passord: str


class NyLegevakt(BaseModel):
    eksempel: str | None = Field(None, description="innherred eller small")
    yaml: str | None = Field(None, description="En hel planfil (instance.yaml), legene inline")


class Planfil(BaseModel):
    yaml: str


class Periode(BaseModel):
    start: dt.date
    slutt: dt.date


class NyPlan(BaseModel):
    start: dt.date | None = None
    slutt: dt.date | None = None
    tidsgrense: float | None = Field(None, ge=1, description="Sekunder")
    fra_versjon: int | None = Field(
        None, description="Publisert versjon å endre med færrest mulig endringer"
    )
    behold_for: dt.date | None = Field(
        None, description="Med fra_versjon: behold vaktene før denne datoen"
    )


class Kalenderlenke(BaseModel):
    lege: str | None = Field(None, description="Lege-id; tom for hele legevakten")


# --------------------------------------------------------------------------- shapes


def legevakt_json(row: LegevaktRow, instance: Instance) -> dict[str, Any]:
    return {
        "id": row.slug,
        "navn": row.name,
        "periode": {
            "start": instance.period.start.isoformat(),
            "slutt": instance.period.end.isoformat(),
        },
        "kommuner": [{"id": m.id, "navn": m.name} for m in instance.legevakt.municipalities],
        "leger": len(instance.doctors),
        "vakttyper": [t.id for t in instance.shift_types],
        "endret": row.updated_at.isoformat(),
    }


def job_json(job: SolveJob) -> dict[str, Any]:
    report = job.report or {}
    progress = dict(job.progress or {})
    if job.status == "running" and job.started_at is not None:
        # the solver reports when it finds something; the clock runs in between
        running = (utcnow() - job.started_at).total_seconds()
        progress["elapsed"] = round(max(float(progress.get("elapsed") or 0), running), 1)
    return {
        "id": job.id,
        "status": job.status,
        "fremdrift": progress,
        "melding": job.message,
        "tidsgrense": job.time_limit,
        "forsok": job.attempts,
        "arbeider": job.worker,
        "fra_versjon_id": job.previous_version_id,
        "behold_for": job.freeze_before.isoformat() if job.freeze_before else None,
        "laget": job.created_at.isoformat(),
        "ferdig": job.finished_at.isoformat() if job.finished_at else None,
        "resultat": {
            "status": report.get("status"),
            "storste_avvik": report.get("largest_deviation"),
            "brudd": report.get("breaches"),
            "ubemannet": len(report.get("uncovered") or []),
        }
        if job.status == "done"
        else None,
    }


def version_json(v: PublishedVersion) -> dict[str, Any]:
    return {
        "nummer": v.number,
        "plan": v.job_id,
        "publisert": v.published_at.isoformat(),
        "publisert_av": v.published_by,
    }


def token_json(request: Request, t: FeedToken) -> dict[str, Any]:
    return {
        "lege": t.doctor_id,
        "url": str(request.url_for("feed", token=t.token)),
        "laget": t.created_at.isoformat(),
    }


# --------------------------------------------------------------------------- login


@router.post("/innlogging")
def api_login(body: Innlogging, request: Request, s: Session = Depends(db)) -> dict[str, Any]:
    user = login_check(request, s, body.brukernavn, body.passord)
    if user is None:
        raise AppError(401, "feil_innlogging", "Feil brukernavn eller passord.")
    token = sign_in(request, s, user)
    return {"bruker": user.username, "csrf_token": token}


@router.post("/utlogging")
def api_logout(request: Request, s: Session = Depends(db)) -> dict[str, Any]:
    sign_out(request, s)
    return {"ok": True}


# --------------------------------------------------------------------------- legevakter


@router.get("/legevakter")
def api_legevakter(
    who: Principal = Depends(signed_in), s: Session = Depends(db)
) -> list[dict[str, Any]]:
    """The legevakter this login leads (all of them for an administrator)."""
    return [legevakt_json(r, store.instance_from_text(r.instance_yaml)) for r in led_rows(s, who)]


@router.post("/legevakter", status_code=201)
def api_create(
    body: NyLegevakt, who: Principal = Depends(administrator), s: Session = Depends(db)
) -> dict[str, Any]:
    """A new legevakt (administrators only)."""
    if bool(body.eksempel) == bool(body.yaml):
        raise AppError(422, "ugyldig_foresporsel", "Oppgi enten «eksempel» eller «yaml».")
    text = store.example_text(body.eksempel) if body.eksempel else str(body.yaml)
    row = store.create_legevakt(s, text, who.username)
    s.commit()
    return legevakt_json(row, store.instance_from_text(row.instance_yaml))


@router.get("/legevakter/{slug}")
def api_legevakt(lv: LegevaktAccess = Depends(leads_legevakt)) -> dict[str, Any]:
    return {
        **legevakt_json(lv.row, store.instance_from_text(lv.row.instance_yaml)),
        "yaml": lv.row.instance_yaml,
    }


@router.put("/legevakter/{slug}/planfil")
def api_save_yaml(
    body: Planfil, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> dict[str, Any]:
    store.save_text(s, lv.row, body.yaml, lv.user.username, "planfil_endret")
    s.commit()
    return legevakt_json(lv.row, store.instance_from_text(lv.row.instance_yaml))


@router.post("/legevakter/{slug}/ansatte")
def api_upload_staff(
    fil: UploadFile = File(...),
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
    cfg: Settings = Depends(settings),
) -> dict[str, Any]:
    name, data = _read_upload(fil, cfg.max_upload_bytes)
    count = store.import_staff_file(s, lv.row, data, name, lv.user.username)
    s.commit()
    return {
        "leger": count,
        "legevakt": legevakt_json(lv.row, store.instance_from_text(lv.row.instance_yaml)),
    }


@router.put("/legevakter/{slug}/periode")
def api_period(
    body: Periode, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> dict[str, Any]:
    store.set_period(s, lv.row, body.start, body.slutt, lv.user.username)
    s.commit()
    return legevakt_json(lv.row, store.instance_from_text(lv.row.instance_yaml))


@router.post("/legevakter/{slug}/planer", status_code=202)
def api_make_plan(
    body: NyPlan,
    request: Request,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
    cfg: Settings = Depends(settings),
) -> dict[str, Any]:
    """Start «Lag vaktplan» in the background; poll GET /api/planer/{id}. One plan at a time
    per legevakt: 409 while another is queued or running."""
    row, username = lv.row, lv.user.username
    store.lock_legevakt(s, row)
    if body.start or body.slutt:
        instance = store.instance_from_text(row.instance_yaml)
        store.set_period(
            s,
            row,
            body.start or instance.period.start,
            body.slutt or instance.period.end,
            username,
        )
    limit = min(body.tidsgrense or cfg.time_limit, cfg.max_time_limit)
    previous = store.version(s, row, body.fra_versjon) if body.fra_versjon else None
    job = store.create_job(s, row, username, limit, previous, body.behold_for)
    store.commit_job(s, row)
    request.app.state.runner.submit(job.id)
    return job_json(job)


@router.get("/legevakter/{slug}/planer")
def api_plans(
    lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> list[dict[str, Any]]:
    return [job_json(j) for j in store.jobs_for(s, lv.row, limit=50)]


@router.get("/planer/{job_id}")
def api_plan(ja: JobAccess = Depends(leads_job)) -> dict[str, Any]:
    return job_json(ja.job)


def _done(job: SolveJob) -> tuple[Instance, Any]:
    if job.status != "done" or job.roster is None:
        raise AppError(409, "ikke_ferdig", "Planen er ikke ferdig ennå.")
    return store.instance_from_text(job.instance_yaml), store.roster_from_json(job.roster)


@router.get("/planer/{job_id}/vaktplan")
def api_plan_rows(ja: JobAccess = Depends(leads_job)) -> dict[str, Any]:
    """The roster as the rows of roster.csv (holes have empty doctor fields)."""
    instance, roster = _done(ja.job)
    return {"rader": roster_rows(instance, roster), "ubemannet": len(holes(instance, roster))}


@router.get("/planer/{job_id}/rapport")
def api_plan_report(ja: JobAccess = Depends(leads_job)) -> dict[str, Any]:
    """report.json of the solve: stages, largest deviation and bound, fairness, checker."""
    _done(ja.job)
    return dict(ja.job.report or {})


@router.get("/planer/{job_id}/rettferdighet")
def api_plan_fairness(request: Request, ja: JobAccess = Depends(leads_job)) -> dict[str, Any]:
    return _job_view(ja, request.app.state.facts).fairness.to_dict()


@router.post("/planer/{job_id}/avbryt")
def api_cancel(
    request: Request, ja: JobAccess = Depends(leads_job), s: Session = Depends(db)
) -> dict[str, Any]:
    """Stop a queued or running solve (status «cancelled»). 409 when it has already ended."""
    if not store.cancel_job(s, ja.job, ja.user.username):
        raise AppError(409, "ikke_aktiv", "Planen er allerede ferdig og kan ikke avbrytes.")
    request.app.state.runner.cancel(ja.job.id)
    return job_json(ja.job)


@router.post("/planer/{job_id}/publiser", status_code=201)
def api_publish(ja: JobAccess = Depends(leads_job), s: Session = Depends(db)) -> dict[str, Any]:
    """Publish a finished plan as the next version. Publications of one legevakt are made one
    at a time; a plan already published, or published meanwhile, is a 409."""
    v = store.publish(s, ja.job, ja.user.username)
    return version_json(v)


# --------------------------------------------------------------------------- versions


@router.get("/legevakter/{slug}/versjoner")
def api_versions(
    lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> list[dict[str, Any]]:
    return [version_json(v) for v in store.versions(s, lv.row)]


@router.get("/legevakter/{slug}/versjoner/{number}")
def api_version(
    number: int, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> dict[str, Any]:
    v = store.version(s, lv.row, number)
    instance = store.instance_from_text(v.instance_yaml)
    return {**version_json(v), "rader": roster_rows(instance, store.roster_from_json(v.roster))}


@router.get("/legevakter/{slug}/versjoner/{number}/endringer")
def api_compare(
    number: int,
    mot: int,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> dict[str, Any]:
    """Changed duties from version `mot` to version `number`."""
    a, b = store.version(s, lv.row, mot), store.version(s, lv.row, number)
    changes = store.version_diff(a, b)
    return {
        "fra": mot,
        "til": number,
        "endringer": [
            {"vakt": c.shift_id, "dato": c.date, "navn": c.label, "for": c.before, "etter": c.after}
            for c in changes
        ],
    }


# --------------------------------------------------------------------------- doctors


Del = Literal["absences", "exemptions", "wishes"]


def _doctor_json(row: LegevaktRow, doctor_id: str) -> dict[str, Any]:
    instance = store.instance_from_text(row.instance_yaml)
    _known_doctor(row, doctor_id)
    entries = store.doctor_entries(row.instance_yaml, doctor_id)
    return {
        "lege": instance.doctor(doctor_id).model_dump(mode="json"),
        **{
            section: [{"nr": i, **e.model_dump(mode="json", exclude={"doctor"})} for i, e in items]
            for section, items in entries.items()
        },
    }


@router.get("/legevakter/{slug}/leger/{doctor_id}")
def api_doctor(doctor_id: str, lv: LegevaktAccess = Depends(leads_legevakt)) -> dict[str, Any]:
    """A doctor as resolved (staff list plus the file), and the entries written in the file
    (absences, exemptions, wishes), each with its index for DELETE."""
    return _doctor_json(lv.row, doctor_id)


@router.post("/legevakter/{slug}/leger/{doctor_id}/{section}", status_code=201)
def api_doctor_add(
    doctor_id: str,
    section: Del,
    body: dict[str, Any],
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> dict[str, Any]:
    """Add an absence, exemption or wish (fields as in instance.yaml, without `doctor`)."""
    _known_doctor(lv.row, doctor_id)
    store.add_entry(s, lv.row, doctor_id, section, body, lv.user.username)
    s.commit()
    return _doctor_json(lv.row, doctor_id)


@router.delete("/legevakter/{slug}/leger/{doctor_id}/{section}/{nr}")
def api_doctor_remove(
    doctor_id: str,
    section: Del,
    nr: int,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> dict[str, Any]:
    store.remove_entry(s, lv.row, doctor_id, section, nr, lv.user.username)
    s.commit()
    return _doctor_json(lv.row, doctor_id)


# --------------------------------------------------------------------------- exports


@router.get(
    "/planer/{job_id}/eksport/{fmt}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def api_plan_export(
    request: Request,
    fmt: Literal["xlsx", "csv", "html"],
    ja: JobAccess = Depends(leads_job),
) -> Response:
    """Excel workbook, roster.csv or the print view of a finished plan."""
    return export_response(_job_view(ja, request.app.state.facts), fmt)


@router.get(
    "/legevakter/{slug}/versjoner/{number}/eksport/{fmt}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def api_version_export(
    request: Request,
    number: int,
    fmt: Literal["xlsx", "csv", "html"],
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> Response:
    return export_response(
        _version_view(s, lv.row, number, request.app.state.facts), fmt, s, request.app.state.renders
    )


@router.get("/legevakter/{slug}/versjoner/{number}/rettferdighet")
def api_version_fairness(
    request: Request,
    number: int,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> dict[str, Any]:
    return _version_view(s, lv.row, number, request.app.state.facts).fairness.to_dict()


# --------------------------------------------------------------------------- feeds, log


@router.get("/legevakter/{slug}/kalenderlenker")
def api_feed_links(
    request: Request, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> list[dict[str, Any]]:
    instance = store.instance_from_text(lv.row.instance_yaml)
    out = []
    for doctor_id in [None, *(d.id for d in instance.doctors)]:
        t = store.active_token(s, lv.row.id, doctor_id)
        if t is not None:
            out.append(token_json(request, t))
    return out


@router.post("/legevakter/{slug}/kalenderlenker/forny")
def api_rotate(
    body: Kalenderlenke,
    request: Request,
    lv: LegevaktAccess = Depends(leads_legevakt),
    s: Session = Depends(db),
) -> dict[str, Any]:
    _known_doctor(lv.row, body.lege)
    t = store.rotate_token(s, lv.row, body.lege, lv.user.username)
    s.commit()
    return token_json(request, t)


@router.post("/legevakter/{slug}/kalenderlenker/trekk")
def api_revoke(
    body: Kalenderlenke, lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> dict[str, Any]:
    _known_doctor(lv.row, body.lege)
    n = store.revoke_token(s, lv.row, body.lege, lv.user.username)
    s.commit()
    return {"trukket": n}


def _known_doctor(row: LegevaktRow, doctor_id: str | None) -> None:
    if doctor_id is not None and not store.instance_from_text(row.instance_yaml).has_doctor(
        doctor_id
    ):
        raise AppError(404, "finnes_ikke", f"Legen «{doctor_id}» finnes ikke.")


@router.get("/legevakter/{slug}/logg")
def api_audit(
    lv: LegevaktAccess = Depends(leads_legevakt), s: Session = Depends(db)
) -> list[dict[str, Any]]:
    return [
        {"tid": e.at.isoformat(), "bruker": e.username, "handling": e.action, "detaljer": e.detail}
        for e in store.audit_entries(s, lv.row)
    ]
