"""Initial schema: event streams (append-only), journey read model, identity, PII vault,
integration inbox, idempotency keys and reference data.

Revision ID: 0001
Revises:
Create Date: 2026-03-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_ = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# Events are evidence: once recorded they are never changed or removed, whoever asks.
PG_APPEND_ONLY = [
    """
    CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'events are append-only (% refused)', TG_OP USING ERRCODE = 'raise_exception';
    END;
    $$
    """,
    """
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only()
    """,
    """
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()
    """,
]
SQLITE_APPEND_ONLY = [
    """
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only (UPDATE refused)'); END
    """,
    """
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only (DELETE refused)'); END
    """,
]


def upgrade() -> None:
    op.create_table(
        "active_journeys",
        sa.Column("nik_hash", sa.String(length=64), nullable=False),
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("nik_hash"),
        sa.UniqueConstraint("journey_id"),
    )
    op.create_table(
        "clinics",
        sa.Column("clinic_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency_code", sa.String(length=4), nullable=True),
        sa.PrimaryKeyConstraint("clinic_id"),
    )
    op.create_table(
        "countries",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_countries_status"),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "events",
        sa.Column("stream_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("actor_sub", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("seq >= 1", name="ck_events_seq_positive"),
        sa.PrimaryKeyConstraint("stream_id", "seq", name="pk_events"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", JSON_, nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "integration_inbox",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("body", JSON_, nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("delivered_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("source", "event_id", name="pk_integration_inbox"),
    )
    op.create_index("ix_integration_inbox_journey", "integration_inbox", ["journey_id"], unique=False)
    op.create_table(
        "journeys",
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=False),
        sa.Column("p3mi_id", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("document", JSON_, nullable=False),
        sa.PrimaryKeyConstraint("journey_id"),
    )
    op.create_index("ix_journeys_p3mi", "journeys", ["p3mi_id"], unique=False)
    op.create_index("ix_journeys_phase", "journeys", ["phase"], unique=False)
    op.create_index("ix_journeys_province_status", "journeys", ["province_code", "status"], unique=False)
    op.create_table(
        "missions",
        sa.Column("mission_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("mission_id"),
    )
    op.create_table(
        "p3mi",
        sa.Column("p3mi_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("licence_no", sa.String(length=64), nullable=False),
        sa.Column("licence_status", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.CheckConstraint("licence_status IN ('active', 'suspended', 'revoked')", name="ck_p3mi_licence_status"),
        sa.PrimaryKeyConstraint("p3mi_id"),
    )
    op.create_table(
        "provinces",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "training_centres",
        sa.Column("centre_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency_code", sa.String(length=4), nullable=True),
        sa.PrimaryKeyConstraint("centre_id"),
    )
    op.create_table(
        "worker_pii",
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("journey_id"),
    )
    op.create_table(
        "job_orders",
        sa.Column("job_order_id", sa.String(length=64), nullable=False),
        sa.Column("scheme", sa.String(length=8), nullable=False),
        sa.Column("p3mi_id", sa.String(length=32), nullable=True),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=False),
        sa.Column("occupation", sa.String(length=100), nullable=False),
        sa.Column("sector", sa.String(length=16), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.CheckConstraint("scheme IN ('P3MI', 'G2G')", name="ck_job_orders_scheme"),
        sa.CheckConstraint("sector IN ('formal', 'informal')", name="ck_job_orders_sector"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_job_orders_status"),
        sa.CheckConstraint("filled >= 0 AND filled <= quota", name="ck_job_orders_filled"),
        sa.ForeignKeyConstraint(
            ["p3mi_id"],
            ["p3mi.p3mi_id"],
        ),
        sa.PrimaryKeyConstraint("job_order_id"),
    )
    op.create_table(
        "journey_available_steps",
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["journey_id"], ["journeys.journey_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("journey_id", "step", name="pk_journey_available_steps"),
    )
    op.create_index("ix_journey_available_steps_step", "journey_available_steps", ["step"], unique=False)
    op.create_table(
        "journey_flags",
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("flag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["journey_id"], ["journeys.journey_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("journey_id", "flag", name="pk_journey_flags"),
    )
    op.create_index("ix_journey_flags_flag", "journey_flags", ["flag"], unique=False)
    op.create_table(
        "job_order_claims",
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("job_order_id", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_order_id"],
            ["job_orders.job_order_id"],
        ),
        sa.PrimaryKeyConstraint("journey_id"),
    )
    op.create_index("ix_job_order_claims_job_order", "job_order_claims", ["job_order_id"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in PG_APPEND_ONLY if dialect == "postgresql" else SQLITE_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    op.drop_index("ix_job_order_claims_job_order", table_name="job_order_claims")
    op.drop_table("job_order_claims")
    op.drop_index("ix_journey_flags_flag", table_name="journey_flags")
    op.drop_table("journey_flags")
    op.drop_index("ix_journey_available_steps_step", table_name="journey_available_steps")
    op.drop_table("journey_available_steps")
    op.drop_table("job_orders")
    op.drop_table("worker_pii")
    op.drop_table("training_centres")
    op.drop_table("provinces")
    op.drop_table("p3mi")
    op.drop_table("missions")
    op.drop_index("ix_journeys_province_status", table_name="journeys")
    op.drop_index("ix_journeys_phase", table_name="journeys")
    op.drop_index("ix_journeys_p3mi", table_name="journeys")
    op.drop_table("journeys")
    op.drop_index("ix_integration_inbox_journey", table_name="integration_inbox")
    op.drop_table("integration_inbox")
    op.drop_table("idempotency_keys")
    op.drop_table("events")
    op.drop_table("countries")
    op.drop_table("clinics")
    op.drop_table("active_journeys")
