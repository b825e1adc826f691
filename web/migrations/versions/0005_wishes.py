"""Doctors' wishes and absences for the next plan, and the deadline's planning period.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "doctor_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "legevakt_id",
            sa.Integer(),
            sa.ForeignKey("legevakter.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("doctor_id", sa.String(64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("section", sa.String(16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_doctor_requests_legevakt_id", "doctor_requests", ["legevakt_id"])
    with op.batch_alter_table("legevakt_policies") as batch:
        batch.add_column(sa.Column("wish_period_start", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("legevakt_policies") as batch:
        batch.drop_column("wish_period_start")
    op.drop_table("doctor_requests")
