"""Access per legevakt, server-side sessions, the login throttle in the database, and one
active solve per legevakt.

- users.is_admin becomes users.role (admin | leader | doctor); every existing user was made
  by `create-admin` or the demo and stays an administrator.
- user_grants: the legevakter a leader leads (and, for issue 11, a doctor's own legevakt).
- user_sessions: a signed-in client; logout and a password change delete rows.
- login_failures: failed logins per user name and address, with backoff.
- uq_solve_jobs_active: at most one queued or running solve per legevakt.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="leader")
        )
    op.execute(sa.text("UPDATE users SET role = 'admin' WHERE is_admin"))
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_admin")

    op.create_table(
        "user_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("legevakt_id", sa.Integer(), nullable=False),
        sa.Column("doctor_id", sa.String(length=64), nullable=True),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["legevakt_id"], ["legevakter.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "legevakt_id"),
    )
    op.create_index("ix_user_grants_user_id", "user_grants", ["user_id"])

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])

    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", "address"),
    )
    op.create_index("ix_login_failures_address", "login_failures", ["address"])

    # A server stopped mid-solve left jobs behind; they are failed at the next start anyway
    # (web.jobs.fail_interrupted). Fail them here so the unique index can be made.
    op.get_bind().execute(
        sa.text(
            "UPDATE solve_jobs SET status = 'failed', finished_at = :now, message = :msg "
            "WHERE status IN ('queued', 'running')"
        ),
        {
            "now": dt.datetime.now(dt.UTC),
            "msg": "Avbrutt fordi serveren ble oppgradert. Lag planen på nytt.",
        },
    )
    op.create_index(
        "uq_solve_jobs_active",
        "solve_jobs",
        ["legevakt_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_solve_jobs_active", table_name="solve_jobs")
    op.drop_index("ix_login_failures_address", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_index("ix_user_grants_user_id", table_name="user_grants")
    op.drop_table("user_grants")
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(sa.text("UPDATE users SET is_admin = (role = 'admin')"))
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role")
