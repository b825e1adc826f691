"""Engine, sessions and migrations.

SQLite file by default (VAKTPLAN_DB, else ./vaktplan.sqlite); PostgreSQL (or any SQLAlchemy
URL) when DATABASE_URL is set. `migrate()` is `alembic upgrade head` run from the migrations
shipped inside this package.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_SQLITE = "vaktplan.sqlite"
#: Seconds a command waits for PostgreSQL to answer when it starts (database_problem).
CONNECT_TIMEOUT = 10


def database_url(explicit: str | None = None) -> str:
    """The URL to use: explicit, DATABASE_URL, or an SQLite file (VAKTPLAN_DB)."""
    if explicit:
        return explicit
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgres://"):  # the short form some hosts hand out
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    path = Path(os.environ.get("VAKTPLAN_DB", DEFAULT_SQLITE))
    return f"sqlite:///{path}"


def shown_url(url: str) -> str:
    """A database or broker URL as messages and logs show it: without user and password."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def database_problem(url: str, timeout: int = CONNECT_TIMEOUT) -> str | None:
    """Why the database at `url` cannot be used, in Norwegian for the operator, or None when
    it answers. Commands ask before they start, so a wrong DATABASE_URL, a missing
    PostgreSQL driver or a database that is down is one clear line, not a traceback."""
    where = shown_url(url)
    try:
        if url.startswith("sqlite"):
            engine = make_engine(url)
        else:
            args = {"connect_timeout": timeout} if url.startswith("postgresql") else {}
            engine = create_engine(url, connect_args=args)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except ModuleNotFoundError as exc:
        if url.startswith("postgresql"):
            return (
                f"PostgreSQL-støtte er ikke installert (mangler {exc.name}). Installer med "
                "«pip install -e '.[postgres]'» i mappen med Vaktplan."
            )
        return f"Databasedriveren {exc.name} er ikke installert (DATABASE_URL: {where})."
    except ArgumentError:  # not a URL, or a dialect SQLAlchemy does not know
        return (
            f"DATABASE_URL er ikke en databaseadresse Vaktplan kan bruke ({where}). Skriv den "
            "slik: postgresql://bruker:passord@maskin:5432/vaktplan."
        )
    except DBAPIError as exc:
        lines = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
        detail = (lines[0] if lines else type(exc).__name__).rstrip(".")
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            return (
                f"Kan ikke åpne databasefilen {path}: {detail}. Finnes mappen, og kan denne "
                "brukeren skrive i den?"
            )
        return (
            f"Får ikke kontakt med databasen {where}: {detail}. Sjekk DATABASE_URL, at "
            "databasen kjører, og at den slipper inn denne maskinen."
        )
    return None


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


#: PostgreSQL advisory lock held while migrating, so web processes and workers that start
#: together migrate one after the other (the second finds nothing left to do).
MIGRATION_LOCK = 7_211_305


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (alembic upgrade head)."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "head")
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            command.upgrade(alembic_config(engine), "head")
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            lock.commit()


def downgrade_all(engine: Engine) -> None:
    """Remove every table the migrations made (alembic downgrade base). Tests use it."""
    command.downgrade(alembic_config(engine), "base")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
