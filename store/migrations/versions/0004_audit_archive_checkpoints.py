"""The audit record that outlives Temporal: the history archive, signed checkpoints, signing keys.

`workflow_histories` keeps every closed run of a journey or case workflow (Temporal deletes them when
the namespace's retention ends); `audit_checkpoints` keeps Ed25519-signed chain heads; `audit_keys`
publishes the public keys. The archive and the checkpoints are append-only, like the events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store import append_only

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("workflow_histories", "audit_checkpoints")


def upgrade() -> None:
    op.create_table(
        "workflow_histories",
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("workflow_type", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("closed_at", sa.String(length=32), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("history_sha256", sa.String(length=64), nullable=False),
        sa.Column("history", sa.LargeBinary(), nullable=False),
        sa.Column("archived_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", "run_id", name="pk_workflow_histories"),
    )
    op.create_index("ix_workflow_histories_closed_at", "workflow_histories", ["closed_at"], unique=False)
    op.create_table(
        "audit_checkpoints",
        sa.Column("checkpoint_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stream_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("checkpoint_id"),
    )
    op.create_index("ix_audit_checkpoints_stream", "audit_checkpoints", ["stream_id", "checkpoint_id"], unique=False)
    op.create_table(
        "audit_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        for statement in append_only.create_statements(table, postgres):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        for statement in append_only.drop_statements(table, postgres):
            op.execute(statement)
    op.drop_table("audit_keys")
    op.drop_index("ix_audit_checkpoints_stream", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_index("ix_workflow_histories_closed_at", table_name="workflow_histories")
    op.drop_table("workflow_histories")
