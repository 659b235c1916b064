"""The access log: who read or decoded whose personal data, when, and through what (docs/privacy.md);
and the NIK's keyed hash in the vault, so a worker's journeys are found by NIK (`POST /v1/journeys/search`).

The access log is append-only like the events, the archive and the checkpoints. The hash is filled in
for the journeys still active (their claim holds it); an ended journey recorded before has none.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store import append_only

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("access_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("accessed_at", sa.String(length=32), nullable=False),
        sa.Column("sub", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("journey_id", sa.String(length=64), nullable=True),
        sa.Column("through", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("access_id"),
    )
    op.create_index("ix_access_log_journey", "access_log", ["journey_id", "access_id"], unique=False)
    op.create_index("ix_access_log_sub", "access_log", ["sub", "access_id"], unique=False)
    op.create_index("ix_access_log_accessed_at", "access_log", ["accessed_at"], unique=False)
    for statement in append_only.create_statements("access_log", op.get_bind().dialect.name == "postgresql"):
        op.execute(statement)
    op.add_column("worker_pii", sa.Column("nik_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_worker_pii_nik_hash", "worker_pii", ["nik_hash"], unique=False)
    op.execute(
        "UPDATE worker_pii SET nik_hash = "
        "(SELECT a.nik_hash FROM active_journeys a WHERE a.journey_id = worker_pii.journey_id)"
    )


def downgrade() -> None:
    op.drop_index("ix_worker_pii_nik_hash", table_name="worker_pii")
    with op.batch_alter_table("worker_pii") as batch:
        batch.drop_column("nik_hash")
    for statement in append_only.drop_statements("access_log", op.get_bind().dialect.name == "postgresql"):
        op.execute(statement)
    op.drop_table("access_log")
