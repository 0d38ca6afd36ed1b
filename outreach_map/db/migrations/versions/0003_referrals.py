"""Referrals between agencies: client details encrypted column by column, and who saw or changed them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("from_organization_id", sa.String(length=64), nullable=False),
        sa.Column("from_user_name", sa.String(length=64), nullable=False),
        sa.Column("to_service_id", sa.String(length=64), nullable=False),
        sa.Column("to_organization_id", sa.String(length=64), nullable=False),
        sa.Column("need", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("safeguarding_checked", sa.Boolean(), nullable=False),
        sa.Column("client_name", sa.Text(), nullable=True),
        sa.Column("client_contact", sa.Text(), nullable=True),
        sa.Column("client_safe_times", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("decline_reason", sa.String(length=32), nullable=True),
        sa.Column("decline_note", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("forwarded_from_id", sa.Integer(), nullable=True),
        sa.Column("forwarded_to_id", sa.Integer(), nullable=True),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["forwarded_from_id"], ["referrals.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["forwarded_to_id"], ["referrals.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_ended_at"), ["ended_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_from_organization_id"), ["from_organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_referrals_need"), ["need"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_referrals_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_to_organization_id"), ["to_organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_to_service_id"), ["to_service_id"], unique=False)

    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=True),
        sa.Column("organization_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_events_referral_id"), ["referral_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_events_referral_id"))

    op.drop_table("referral_events")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_to_service_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_to_organization_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_status"))
        batch_op.drop_index(batch_op.f("ix_referrals_reference"))
        batch_op.drop_index(batch_op.f("ix_referrals_need"))
        batch_op.drop_index(batch_op.f("ix_referrals_key"))
        batch_op.drop_index(batch_op.f("ix_referrals_from_organization_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_ended_at"))
        batch_op.drop_index(batch_op.f("ix_referrals_created_at"))

    op.drop_table("referrals")
