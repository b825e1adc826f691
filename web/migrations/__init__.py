"""Alembic migrations, shipped inside the package and run by web.db.migrate()."""
