"""Engine, sessions and migrations.

SQLite file by default (VAKTPLAN_DB, else ./vaktplan.sqlite); PostgreSQL (or any SQLAlchemy
URL) when DATABASE_URL is set. `migrate()` is `alembic upgrade head` run from the migrations
shipped inside this package.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_SQLITE = "vaktplan.sqlite"


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
