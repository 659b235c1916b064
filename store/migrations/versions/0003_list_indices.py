"""Indices for the journey list: each filter column followed by `journey_id`, the list's order.

A page of `GET /v1/journeys` is `WHERE <filters> ORDER BY journey_id LIMIT n`. With an index on
the filter alone the database sorted every match (on SQLite, whole documents in a temporary
B-tree) to return fifty; with `journey_id` after the filter it reads the page in order from the
index and stops. The step and flag indices get `journey_id` too, so a rare step or flag is found
from its own rows rather than by probing every journey.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, columns now, columns before or None when new)
INDICES = [
    ("ix_journeys_province", "journeys", ["province_code", "journey_id"], None),
    ("ix_journeys_province_status", "journeys", ["province_code", "status", "journey_id"], ["province_code", "status"]),
    ("ix_journeys_status", "journeys", ["status", "journey_id"], None),
    ("ix_journeys_phase", "journeys", ["phase", "journey_id"], ["phase"]),
    ("ix_journeys_scheme", "journeys", ["scheme", "journey_id"], None),
    ("ix_journeys_destination", "journeys", ["destination_country", "journey_id"], None),
    ("ix_journeys_p3mi", "journeys", ["p3mi_id", "journey_id"], ["p3mi_id"]),
    ("ix_journey_available_steps_step", "journey_available_steps", ["step", "journey_id"], ["step"]),
    ("ix_journey_flags_flag", "journey_flags", ["flag", "journey_id"], ["flag"]),
]


def upgrade() -> None:
    for name, table, columns, before in INDICES:
        if before is not None:
            op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns, before in reversed(INDICES):
        op.drop_index(name, table_name=table)
        if before is not None:
            op.create_index(name, table, before, unique=False)
