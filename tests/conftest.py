"""Fixtures shared by every test folder: the real browser, PostgreSQL and Redis.

All are real components (Debian's Chromium driven by Playwright; a PostgreSQL server and a
Redis server that `.ci/run` starts). Locally, without them, the tests that need them skip; under CI=true a
missing one is a failure, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# Without these Chromium tries Google's hosts at start and on a closed network stalls.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True, scope="session")
def _no_terminal_size_from_the_environment() -> Iterator[None]:
    """The CLI prints its tables at a fixed wide width when its output is not a terminal,
    unless COLUMNS says otherwise. pytest-xdist's workers inherit COLUMNS=80 (and a developer
    may export it): without this the CLI tests would read narrowed, truncated tables."""
    saved = {k: os.environ.pop(k) for k in ("COLUMNS", "LINES") if k in os.environ}
    yield
    os.environ.update(saved)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """The same argon2, at its cheapest cost: the suite logs in a few hundred times and the
    default cost (0.1-0.4 s a hash on two busy cores) would spend minutes on it. Production
    hashes keep argon2-cffi's defaults (tests/web/test_storage.py checks the format)."""
    from argon2 import PasswordHasher, profiles

    import web.security
    import web.users

    default, dummy = web.security._hasher, web.users._DUMMY_HASH
    web.security._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    web.users._DUMMY_HASH = web.security.hash_password("ingen-bruker-har-dette-passordet")
    yield
    web.security._hasher, web.users._DUMMY_HASH = default, dummy


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true (.ci/run installs it)")
    pytest.skip(f"{what} not available here")


def chromium_path() -> str | None:
    return os.environ.get("VAKTPLAN_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and other files a person looks at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Debian Chromium under Playwright, one per test session."""
    exe = chromium_path()
    if exe is None:
        _missing("Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extras always install it
        _missing("playwright")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def xdist_worker() -> int | None:
    """The number of this pytest-xdist worker (gw0 -> 0), or None in a plain pytest run.
    `.ci/run` runs the suite on two workers; each has a database and a Redis of its own."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else None


def free_port() -> int:
    """A loopback port free at this moment (for servers that must be given a number; where
    a server takes a bound socket, bind it yourself and hand it over instead)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database(server_url: str, name: str) -> str:
    """A new, empty database on the test PostgreSQL; returns its URL."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(server_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def service_url(variable: str, what: str) -> str:
    """The URL of a service .ci/run started, from `variable`; skips (or, under CI=true,
    fails) when it is not set."""
    url = os.environ.get(variable)
    if not url:
        _missing(f"{what} ({variable})")
    assert url is not None
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the PostgreSQL that .ci/run started (VAKTPLAN_TEST_POSTGRES_URL); under
    pytest-xdist a fresh database of this worker's own on the same server."""
    url = service_url("VAKTPLAN_TEST_POSTGRES_URL", "PostgreSQL")
    worker = xdist_worker()
    if worker is None:
        return url
    from sqlalchemy import make_url

    return fresh_database(url, f"{make_url(url).database}_gw{worker}")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the Redis that .ci/run started (VAKTPLAN_TEST_REDIS_URL), the Celery broker;
    under pytest-xdist a logical database of this worker's own (1, 2, ...)."""
    url = service_url("VAKTPLAN_TEST_REDIS_URL", "Redis")
    worker = xdist_worker()
    return url if worker is None else f"{url.rsplit('/', 1)[0]}/{worker + 1}"
