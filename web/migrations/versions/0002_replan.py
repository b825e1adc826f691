"""Re-planning: a solve job may start from a published version (fewest changes) and keep its
duties before a date.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("solve_jobs") as batch:
        batch.add_column(sa.Column("previous_version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("freeze_before", sa.Date(), nullable=True))
        batch.create_foreign_key(
            "fk_solve_jobs_previous_version",
            "published_versions",
            ["previous_version_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("solve_jobs") as batch:
        batch.drop_constraint("fk_solve_jobs_previous_version", type_="foreignkey")
        batch.drop_column("freeze_before")
        batch.drop_column("previous_version_id")
