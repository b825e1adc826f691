"""Solves on a task queue and bodies rendered once per version.

- solve_jobs.attempts, heartbeat_at, worker: a worker claims a job by raising `attempts`
  (the number fences its later writes) and keeps `heartbeat_at` fresh; a job whose heartbeat
  is older than the lease is given to another worker or failed (web.jobs.reap).
- version_renders: calendar feeds and exports of a published version, rendered once and
  shared by every web process.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("solve_jobs") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("worker", sa.String(length=128), nullable=True))
    op.create_table(
        "version_renders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey("published_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "kind", "key"),
    )


def downgrade() -> None:
    op.drop_table("version_renders")
    with op.batch_alter_table("solve_jobs") as batch:
        batch.drop_column("worker")
        batch.drop_column("heartbeat_at")
        batch.drop_column("attempts")
