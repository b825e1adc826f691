"""Request dependencies shared by pages and API: the database session, the logged-in user,
the CSRF check, and the app's settings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.formats.staff import MAX_STAFF_FILE_BYTES
from web.errors import AppError
from web.models import User
from web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_CSRF,
    SESSION_USER,
    csrf_ok,
    new_csrf_token,
)
from web.store import authenticate

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


def db(request: Request) -> Iterator[Session]:
    s: Session = request.app.state.sessions()
    try:
        yield s
    except Exception:
        s.rollback()
        raise
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


def current_user(request: Request) -> User:
    username = request.session.get(SESSION_USER)
    if not username:
        raise NotLoggedIn()
    s: Session = request.app.state.sessions()
    try:
        user = s.scalar(select(User).where(User.username == username))
    finally:
        s.close()
    if user is None:
        request.session.clear()
        raise NotLoggedIn()
    return user


def login(request: Request, s: Session, username: str, password: str) -> User | None:
    """Check a login, refusing (429) after too many failures for the name or the address."""
    throttle = request.app.state.login_throttle
    client = request.client.host if request.client else "?"
    if throttle.blocked(username, client):
        raise AppError(
            429,
            "for_mange_forsok",
            "For mange mislykkede innlogginger. Vent et kvarter og prøv igjen.",
        )
    user = authenticate(s, username, password)
    if user is None:
        throttle.failed(username, client)
    else:
        throttle.succeeded(username)
    return user
