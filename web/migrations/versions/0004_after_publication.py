"""After publication: doctors' sign-in links, offers, approved changes, notifications and
each legevakt's approval policy.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _legevakt() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "legevakt_id",
        sa.Integer(),
        sa.ForeignKey("legevakter.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "doctor_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        _legevakt(),
        sa.Column("doctor_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True, index=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "duty_offers",
        sa.Column("id", sa.Integer(), primary_key=True),
        _legevakt(),
        sa.Column("shift_id", sa.String(96), nullable=False),
        sa.Column("from_doctor", sa.String(64), nullable=False),
        sa.Column("to_doctor", sa.String(64), nullable=True),
        sa.Column("swap_shift_id", sa.String(96), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(64), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_table(
        "duty_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _legevakt(),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("shift_type", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("from_doctor", sa.String(64), nullable=True),
        sa.Column("to_doctor", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "offer_id",
            sa.Integer(),
            sa.ForeignKey("duty_offers.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index("ix_duty_changes_legevakt_id", "duty_changes", ["legevakt_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        _legevakt(),
        sa.Column("doctor_id", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_notifications_legevakt_id", "notifications", ["legevakt_id"])
    op.create_table(
        "legevakt_policies",
        sa.Column(
            "legevakt_id",
            sa.Integer(),
            sa.ForeignKey("legevakter.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("approval", sa.String(16), nullable=False),
        sa.Column("wish_deadline", sa.Date(), nullable=True),
    )


def downgrade() -> None:
    for table in (
        "legevakt_policies",
        "notifications",
        "duty_changes",
        "duty_offers",
        "doctor_links",
    ):
        op.drop_table(table)
