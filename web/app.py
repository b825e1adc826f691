"""The FastAPI application: storage, sessions, the job runner, and the one place where
errors become responses (a JSON shape under /api, a Norwegian HTML page elsewhere, plain text
for feeds: a bare 404 only for what does not exist, so that a calendar client never takes a
fault of ours for a deleted calendar). Users never see a traceback; it goes to the server
log."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from roster.errors import InputError, Problem
from roster.glossary import describe_duty, number_no, signed_no, spread_no
from web import auditwords, views
from web.db import database_url, make_engine, migrate, session_factory
from web.deps import NotLoggedIn, Settings, csrf_token
from web.errors import AppError, error_body
from web.facts import FactsCache
from web.jobs import JobRunner, ThreadJobRunner, fail_interrupted
from web.models import AppSetting
from web.renders import Bodies
from web.throttle import LoginThrottle

log = logging.getLogger("web")
HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "vaktplan_session"
SESSION_MAX_AGE = 12 * 3600

STATUS_TITLES = {
    400: "Ugyldig forespørsel",
    401: "Du må logge inn",
    403: "Ikke tillatt",
    404: "Finnes ikke",
    405: "Ikke tillatt",
    409: "Konflikt",
    429: "For mange forsøk",
    413: "For stor fil",
    422: "Ugyldige inndata",
    500: "Noe gikk galt",
}


def secret_key(factory: Any) -> str:
    """The session signing key: kept in the database so sessions survive a restart."""
    with factory() as s:
        row = s.get(AppSetting, "session_key")
        if row is None:
            s.add(AppSetting(key="session_key", value=secrets.token_urlsafe(48)))
            try:
                s.commit()
            except IntegrityError:  # another web process made it at the same moment
                s.rollback()
            row = s.get(AppSetting, "session_key", populate_existing=True)
        assert row is not None
        return str(row.value)


class BodyLimit:
    """Refuse request bodies over a limit, declared (Content-Length) or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await too_large(scope, self.max_bytes)(scope, receive, send)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise AppError(413, "for_stor", _too_large_text(self.max_bytes))
            return message

        await self.app(scope, counting, send)


def _too_large_text(limit: int) -> str:
    return f"Forespørselen er for stor (mer enn {number_no(limit / 1024 / 1024, 1)} MB)."


def too_large(scope: Scope, limit: int) -> Response:
    err = AppError(413, "for_stor", _too_large_text(limit))
    if scope.get("path", "").startswith("/api"):
        return JSONResponse(error_body(err), status_code=413)
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>For stor fil</title><p>{err.melding}</p>",
        status_code=413,
    )


class SecurityHeaders:
    """Security headers on every answer (a plain ASGI middleware: cheap on the feeds' hot
    path, where Starlette's BaseHTTPMiddleware cost more than the feed itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if not path.startswith(("/kalender/", "/docs", "/redoc")):
                    headers.setdefault("Content-Security-Policy", CSP)
            await send(message)

        await self.app(scope, receive, sending)


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'"
)


def _runner(settings: Settings, factory: Any, given: JobRunner | None) -> JobRunner:
    """Celery workers when a broker is configured; else the in-process worker thread, and
    jobs a stopped server left behind are failed (nobody else can be running them)."""
    if settings.broker_url:
        from web.queue import CeleryJobRunner, lease_from_env

        return given or CeleryJobRunner(factory, settings.broker_url, lease_from_env())
    fail_interrupted(factory)
    return given or ThreadJobRunner(factory, workers=settings.solver_workers)


def create_app(settings: Settings | None = None, runner: JobRunner | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(database_url(settings.database_url))
    migrate(engine)
    factory = session_factory(engine)
    job_runner = _runner(settings, factory, runner)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        job_runner.shutdown()

    app = FastAPI(
        title="Vaktplan",
        description=(
            "Rettferdige vaktplaner for legevakt. JSON-API for alt sidene gjør. Innlogging med "
            "POST /api/innlogging gir en sesjonskapsel og et CSRF-token som sendes i "
            "X-CSRF-Token på alle endringer. Alle feil har formen "
            '{"feil": {"kode", "melding", "problemer"}}.'
        ),
        version="1",
        lifespan=lifespan,
        docs_url=None,  # web.help serves Swagger UI from a package, never from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = factory
    app.state.runner = job_runner
    app.state.renders = Bodies()  # web.renders: this process's copies of stored bodies
    app.state.facts = FactsCache()  # web.facts: what pages compute from immutable plans
    app.state.login_throttle = LoginThrottle(factory)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(
        number_no=number_no,
        signed_no=signed_no,
        spread_no=spread_no,
        date_no=views.date_no,
        breakable=views.breakable,
        day_no=views.day_no,
        iso_day_no=views.iso_day_no,
        short_day_no=views.short_day_no,
        when_no=views.when_no,
        csrf_token=csrf_token,
        describe_duty=describe_duty,
        count_no=auditwords.count,
    )
    app.state.templates = templates

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key or secret_key(factory),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.https,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.trusted_proxies:  # outermost: every layer sees the real client and scheme
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    _errors(app, templates)

    from web import (
        admin,
        after_pages,
        api,
        doctor_account,
        doctor_edit_pages,
        doctorform,
        feeds,
        help,
        move_pages,
        newlegevakt,
        pages,
        plan_pages,
        setup,
        wish_pages,
    )

    help.swagger_offline(app)

    app.include_router(feeds.router)  # first: calendar apps poll it most
    app.include_router(admin.api)
    app.include_router(admin.pages)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(plan_pages.router)
    app.include_router(doctor_edit_pages.router)
    app.include_router(after_pages.router)
    app.include_router(wish_pages.router)
    app.include_router(doctor_account.router)
    app.include_router(move_pages.router)
    app.include_router(help.router)
    app.include_router(setup.router)
    app.include_router(newlegevakt.router)
    app.include_router(doctorform.router)
    return app


# --------------------------------------------------------------------------- errors


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _errors(app: FastAPI, templates: Jinja2Templates) -> None:
    def respond(request: Request, err: AppError) -> Response:
        if _wants_json(request):
            return JSONResponse(error_body(err), status_code=err.status)
        if request.url.path.startswith("/kalender/"):
            # Only "not found" may say so: a calendar client takes a 404 as "deleted"
            if err.status == 404:
                return PlainTextResponse("Finnes ikke.", status_code=404)
            return PlainTextResponse(err.melding, status_code=err.status)
        if isinstance(err, NotLoggedIn):
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            return RedirectResponse(f"/login?neste={quote(target)}", status_code=303)
        who = getattr(request.state, "principal", None)
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "title": STATUS_TITLES.get(err.status, "Feil"),
                "err": err,
                "user": who.username if who else None,
                "is_admin": bool(who and who.is_admin),
            },
            status_code=err.status,
        )

    @app.exception_handler(AppError)
    async def _app_error(request: Request, err: AppError) -> Response:
        return respond(request, err)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, err: InputError) -> Response:
        return respond(request, AppError.from_input(err))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> Response:
        problems = [
            Problem(
                field=".".join(str(p) for p in e.get("loc", ()) if p != "body") or None,
                message=_request_message(e),
            )
            for e in err.errors()
        ]
        return respond(
            request, AppError(422, "ugyldig_foresporsel", "Ugyldig forespørsel.", problems)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        melding = {
            404: "Siden finnes ikke.",
            405: "Metoden er ikke tillatt her.",
        }.get(exc.status_code, STATUS_TITLES.get(exc.status_code, "Feil") + ".")
        return respond(request, AppError(exc.status_code, f"http_{exc.status_code}", melding))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return respond(
            request,
            AppError(
                500,
                "intern_feil",
                "Noe gikk galt hos oss. Feilen er logget; prøv igjen, eller meld fra.",
            ),
        )


def _request_message(e: dict[str, Any]) -> str:
    kind = e.get("type", "")
    if kind == "missing":
        return "mangler"
    return {
        "json_invalid": "ugyldig JSON",
        "string_type": "må være tekst",
        "float_parsing": "må være et tall",
        "int_parsing": "må være et heltall",
        "date_from_datetime_parsing": "ugyldig dato (bruk åååå-mm-dd)",
    }.get(kind, "ugyldig verdi")


def first_admin_needed(app: FastAPI) -> bool:
    from web.models import User

    with app.state.sessions() as s:
        return s.scalar(select(User.id).limit(1)) is None
