"""The console's worklist (issue 10): a row per thing that waits for a person in a journey or a case
(`store.worklist`), filled in for the journeys and cases already stored from their documents.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.contracts import CaseProjection, JourneyProjection
from store.tables import work_items
from store.worklist import case_items, journey_items

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_items",
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("item", sa.String(96), nullable=False),
        sa.Column("journey_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("what", sa.String(64), nullable=False),
        sa.Column("due_at", sa.String(32)),
        sa.Column("sort_at", sa.String(32), nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("phase", sa.String(16)),
        sa.Column("scheme", sa.String(16)),
        sa.Column("p3mi_id", sa.String(32)),
        sa.PrimaryKeyConstraint("subject_id", "item", name="pk_work_items"),
    )
    op.create_index("ix_work_items_province_sort", "work_items", ["province_code", "sort_at"])
    op.create_index("ix_work_items_sort", "work_items", ["sort_at"])
    conn = op.get_bind()
    journeys = sa.table(
        "journeys", *(sa.column(c) for c in ("journey_id", "status", "phase", "scheme", "province_code", "p3mi_id")),
        sa.column("document", sa.Text), sa.column("version", sa.Integer),
    )  # fmt: skip
    for row in conn.execute(sa.select(journeys).where(journeys.c.status == "active")).mappings():
        document = _json(row["document"])
        projection = JourneyProjection.model_construct(
            **{k: row[k] for k in ("journey_id", "status", "phase", "scheme", "province_code", "p3mi_id")},
            flags=document.get("flags", []),
            document=document,
        )
        _insert(conn, journey_items(projection))
    cases = sa.table(
        "cases", *(sa.column(c) for c in ("case_id", "journey_id", "case_type", "status", "province_code")),
        sa.column("first_response_due_at"), sa.column("first_response_at"),
    )  # fmt: skip
    for row in conn.execute(sa.select(cases).where(cases.c.first_response_at.is_(None))).mappings():
        projection = CaseProjection.model_validate({**row, "severity": "", "escalated": False, "escalated_to": None,
            "version": 0, "opened_at": row["first_response_due_at"], "updated_at": row["first_response_due_at"],
            "closed_at": None, "document": {}})  # fmt: skip
        _insert(conn, case_items(projection))


def _json(raw: object) -> dict:
    return raw if isinstance(raw, dict) else json.loads(str(raw))


def _insert(conn: sa.Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(sa.insert(work_items), rows)


def downgrade() -> None:
    op.drop_table("work_items")
