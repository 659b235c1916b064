"""The columns the reports group by (issue 10, API.md Reports): a journey's sector, the worker's
gender, and the day she departed in her province (placements count departures), filled in for the
journeys already stored from their documents.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from domain.regions import local_date

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("journeys", sa.Column("sector", sa.String(length=16), nullable=True))
    op.add_column("journeys", sa.Column("gender", sa.String(length=1), nullable=True))
    op.add_column("journeys", sa.Column("departed_on", sa.String(length=10), nullable=True))
    op.create_index("ix_journeys_departed_on", "journeys", ["departed_on"])
    conn = op.get_bind()
    journeys = sa.table(
        "journeys",
        sa.column("journey_id", sa.String),
        sa.column("province_code", sa.String),
        sa.column("document", sa.Text),
        sa.column("sector", sa.String),
        sa.column("gender", sa.String),
        sa.column("departed_on", sa.String),
    )
    rows = conn.execute(sa.select(journeys.c.journey_id, journeys.c.province_code, journeys.c.document)).all()
    for journey_id, province, raw in rows:
        document = raw if isinstance(raw, dict) else json.loads(raw)
        values = report_columns(document, province)
        conn.execute(sa.update(journeys).where(journeys.c.journey_id == journey_id).values(**values))


def report_columns(document: dict, province: str) -> dict[str, str | None]:
    """What the projection writes (`store.read_model.journey_row`), read back from a stored document."""
    gender = (document.get("worker") or {}).get("gender")
    departure = next((s for s in document.get("steps", []) if s.get("step") == "departure"), {})
    departed_at = (
        (departure.get("evidence") or {}).get("departed_at") if departure.get("state") == "completed" else None
    )
    departed_on = None
    if isinstance(departed_at, str):
        departed_on = local_date(datetime.fromisoformat(departed_at.replace("Z", "+00:00")), province).isoformat()
    return {
        "sector": document.get("sector"),
        "gender": gender if gender in ("F", "M") else None,
        "departed_on": departed_on,
    }


def downgrade() -> None:
    op.drop_index("ix_journeys_departed_on", table_name="journeys")
    with op.batch_alter_table("journeys") as batch:
        batch.drop_column("departed_on")
        batch.drop_column("gender")
        batch.drop_column("sector")
