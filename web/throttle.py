"""The login throttle, kept in the database so every web process sees the same counts.

Failures are counted per user name and client address together, so a wrong password typed
from one place never locks the user out elsewhere, and an office behind one address is not
blocked because one person forgot a password. After `free` failures in a row the pair waits,
doubling each time (1 s, 2 s, 4 s … at most `cap`); a successful login clears the pair. A
quiet `window` starts the count afresh. Against password spraying, one address may fail at
most `address_limit` times within `window` over all names.

The client address is the peer of the connection. Behind a reverse proxy, the proxy's
addresses go in `VAKTPLAN_TRUSTED_PROXIES`; only then is X-Forwarded-For read (uvicorn's
ProxyHeadersMiddleware, added in web.app), right to left, skipping the trusted proxies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from web.errors import AppError
from web.models import LoginFailure, utcnow

#: Rows of pairs that have been quiet this long are removed.
STALE = dt.timedelta(days=1)


def client_address(request: Request) -> str:
    return (request.client.host if request.client else "") or "ukjent"


def wait_no(seconds: float) -> str:
    """1 -> 'ett sekund', 40 -> '40 sekunder', 600 -> '10 minutter'."""
    whole = max(1, int(seconds + 0.999))
    if whole < 90:
        return "ett sekund" if whole == 1 else f"{whole} sekunder"
    return f"{-(-whole // 60)} minutter"


class LoginThrottle:
    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Callable[[], dt.datetime] = utcnow,
        free: int = 5,
        base: float = 1.0,
        cap: float = 900.0,
        address_limit: int = 50,
        window: float = 900.0,
    ) -> None:
        self.factory, self.clock = factory, clock
        self.free, self.base, self.cap = free, base, cap
        self.address_limit, self.window = address_limit, window

    @staticmethod
    def _key(username: str, address: str) -> tuple[str, str]:
        return username.strip().casefold()[:64], address[:64]

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** min(failures - self.free, 32)))

    def check(self, username: str, address: str) -> None:
        """429 while this name and address must wait, or the address has failed too often."""
        name, addr = self._key(username, address)
        now = self.clock()
        since = now - dt.timedelta(seconds=self.window)
        with self.factory() as s:
            row = s.scalar(
                select(LoginFailure).where(
                    LoginFailure.username == name, LoginFailure.address == addr
                )
            )
            if row is not None and row.blocked_until is not None and row.blocked_until > now:
                raise _too_many((row.blocked_until - now).total_seconds())
            total = s.scalar(
                select(func.coalesce(func.sum(LoginFailure.failures), 0)).where(
                    LoginFailure.address == addr, LoginFailure.last_failed_at > since
                )
            )
        if int(total or 0) >= self.address_limit:
            raise _too_many(self.window)

    def failed(self, username: str, address: str) -> None:
        name, addr = self._key(username, address)
        now = self.clock()
        since = now - dt.timedelta(seconds=self.window)
        with self.factory() as s:
            dialect = s.get_bind().dialect.name
            insert: Any = (postgresql if dialect == "postgresql" else sqlite).insert
            stmt = insert(LoginFailure).values(
                username=name, address=addr, failures=1, last_failed_at=now, blocked_until=None
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["username", "address"],
                set_={
                    "failures": case(
                        (LoginFailure.last_failed_at < since, 1),
                        else_=LoginFailure.failures + 1,
                    ),
                    "last_failed_at": stmt.excluded.last_failed_at,
                },
            )
            s.execute(stmt)
            s.execute(delete(LoginFailure).where(LoginFailure.last_failed_at < now - STALE))
            row = s.scalar(
                select(LoginFailure).where(
                    LoginFailure.username == name, LoginFailure.address == addr
                )
            )
            if row is not None:
                wait = self.delay(row.failures)
                row.blocked_until = now + dt.timedelta(seconds=wait) if wait else None
            s.commit()

    def succeeded(self, username: str, address: str) -> None:
        name, addr = self._key(username, address)
        with self.factory() as s:
            s.execute(
                delete(LoginFailure).where(
                    LoginFailure.username == name, LoginFailure.address == addr
                )
            )
            s.commit()


def _too_many(seconds: float) -> AppError:
    return AppError(
        429,
        "for_mange_forsok",
        f"For mange mislykkede innlogginger. Vent {wait_no(seconds)} og prøv igjen.",
    )
