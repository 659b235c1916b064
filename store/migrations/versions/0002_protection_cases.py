"""Protection cases: the `cases` read model (filter columns, the overdue queue, the case document).

Case events go to the existing `events` table (stream id = case id), so only the read model is new.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_ = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("case_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        # Times as text (`store.timefmt`), like every other table: they compare the same on both databases.
        sa.Column("first_response_due_at", sa.String(length=32), nullable=False),
        sa.Column("first_response_at", sa.String(length=32), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("escalated_to", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("closed_at", sa.String(length=32), nullable=True),
        sa.Column("document", JSON_, nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_cases_journey", "cases", ["journey_id"], unique=False)
    op.create_index("ix_cases_province_status", "cases", ["province_code", "status"], unique=False)
    op.create_index("ix_cases_first_response_due", "cases", ["first_response_due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_first_response_due", table_name="cases")
    op.drop_index("ix_cases_province_status", table_name="cases")
    op.drop_index("ix_cases_journey", table_name="cases")
    op.drop_table("cases")
