"""Request dependencies shared by pages and API: the database session, the CSRF check, the
app's settings, and signing in and out (the throttle, the server-side session). Who may do
what is web.access."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from roster.formats.staff import MAX_STAFF_FILE_BYTES
from web import users
from web.errors import AppError
from web.models import User
from web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_CSRF,
    SESSION_TOKEN,
    csrf_ok,
    new_csrf_token,
)
from web.throttle import client_address

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The API's login takes JSON only (a cross-site form cannot send it without CORS, which this
#: app never allows) and is where an API client gets its first CSRF token.
CSRF_EXEMPT = frozenset({"/api/innlogging"})


@dataclass
class Settings:
    database_url: str | None = None
    secret_key: str | None = None
    https: bool = False  # Secure cookies (set when served over https)
    time_limit: float = 60.0  # default solve time limit, seconds
    max_time_limit: float = 600.0
    solver_workers: int = 2
    max_upload_bytes: int = MAX_STAFF_FILE_BYTES
    max_body_bytes: int = MAX_STAFF_FILE_BYTES + 256 * 1024
    examples: dict[str, str] = field(default_factory=dict)
    #: Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses
    #: or networks, e.g. ("127.0.0.1", "10.0.0.0/8")); empty: the peer address is the client.
    trusted_proxies: tuple[str, ...] = ()
    #: A Celery broker (redis://…): solves go to `legevakt worker` processes on any machine
    #: instead of a thread in this one (web.queue). None: the in-process worker.
    broker_url: str | None = None


async def db(request: Request) -> AsyncIterator[Session]:
    """The request's database session. Making one does no I/O (a connection is taken on
    first use), so it is made on the event loop; ending it gives the connection back (a
    rollback), in the thread pool when it holds one."""
    s: Session = request.app.state.sessions()
    failed = True
    try:
        yield s
        failed = False
    finally:
        if failed or s.in_transaction():
            await run_in_threadpool(_end, s, failed)
        else:
            s.close()  # nothing to give back


def _end(s: Session, failed: bool) -> None:
    try:
        if failed:
            s.rollback()
    finally:
        s.close()


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


class NotLoggedIn(AppError):
    def __init__(self) -> None:
        super().__init__(401, "ikke_innlogget", "Du må logge inn.")


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use)."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = new_csrf_token()
        request.session[SESSION_CSRF] = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Unsafe methods need the session's token, in the form field or the X-CSRF-Token header."""
    if request.method in SAFE_METHODS or request.url.path in CSRF_EXEMPT:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_ok(request.session.get(SESSION_CSRF), given):
        raise AppError(
            403,
            "csrf",
            "Skjemaet er utløpt eller kom ikke fra denne siden. Last siden på nytt og prøv igjen.",
        )


def login(request: Request, s: Session, username: str, password: str) -> User | None:
    """Check a login; 429 while this name and address must wait (web.throttle)."""
    throttle = request.app.state.login_throttle
    address = client_address(request)
    throttle.check(username, address)
    user = users.authenticate(s, username, password)
    if user is None:
        throttle.failed(username, address)
    else:
        throttle.succeeded(username, address)
    return user


def sign_in(request: Request, s: Session, user: User) -> str:
    """A fresh server-side session (never the one the browser came with); returns its CSRF
    token."""
    users.end_session(s, _session_token(request))
    users.purge_expired_sessions(s)
    request.session.clear()
    new = users.start_session(s, user, client_address(request))
    s.commit()
    request.session[SESSION_TOKEN] = new.token
    token = new_csrf_token()
    request.session[SESSION_CSRF] = token
    return token


def sign_out(request: Request, s: Session) -> None:
    users.end_session(s, _session_token(request))
    s.commit()
    request.session.clear()


def _session_token(request: Request) -> str:
    token = request.session.get(SESSION_TOKEN)
    return token if isinstance(token, str) else ""
