"""Alembic environment: the engine comes from web.db (config.attributes["engine"]) or, for a
developer running the `alembic` command by hand, from DATABASE_URL / VAKTPLAN_DB."""

from __future__ import annotations

from alembic import context

from web.db import database_url, make_engine
from web.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine(database_url())

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
