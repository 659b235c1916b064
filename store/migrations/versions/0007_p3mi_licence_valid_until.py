"""A P3MI licence's last valid day: an expired licence counts as not active (issue 9).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("p3mi", sa.Column("licence_valid_until", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("p3mi") as batch:
        batch.drop_column("licence_valid_until")
