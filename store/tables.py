"""SQLAlchemy Core tables of the store. The Alembic migrations in `store/migrations` create them.

Times are stored as ISO 8601 text in UTC with a `Z` and microseconds (`store.timefmt`), the same
on SQLite and PostgreSQL: they sort as text, and an event's `occurred_at` must recompute its hash
byte for byte.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
Time = String(32)

# Domain events of a journey (`j_...`) or a protection case (`c_...`). Append-only: triggers refuse
# UPDATE and DELETE. `data` is the canonical JSON exactly as hashed, so the chain recomputes anywhere.
events = Table(
    "events",
    metadata,
    Column("stream_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("occurred_at", Time, nullable=False),
    Column("recorded_at", Time, nullable=False),
    Column("actor_sub", String(200), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("data", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("stream_id", "seq", name="pk_events"),
    CheckConstraint("seq >= 1", name="ck_events_seq_positive"),
)

# Read model of journeys: filter columns plus the journey document as the workflow last reported it.
journeys = Table(
    "journeys",
    metadata,
    Column("journey_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("outcome", String(64)),
    Column("phase", String(32), nullable=False),
    Column("scheme", String(16), nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("destination_country", String(2), nullable=False),
    Column("p3mi_id", String(32)),
    Column("version", Integer, nullable=False),
    Column("started_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    Column("document", Json, nullable=False),
    # What the reports group by (migration 0009): the sector, the worker's gender, and the day she
    # departed in her province (a placement), as `YYYY-MM-DD`.
    Column("sector", String(16)),
    Column("gender", String(1)),
    Column("departed_on", String(10)),
    # Each list filter, then the list's order (`journey_id`): a page is read in order from the index
    # and stops after `limit` rows, instead of sorting every match (migration 0003).
    Index("ix_journeys_province", "province_code", "journey_id"),
    Index("ix_journeys_province_status", "province_code", "status", "journey_id"),
    Index("ix_journeys_status", "status", "journey_id"),
    Index("ix_journeys_phase", "phase", "journey_id"),
    Index("ix_journeys_scheme", "scheme", "journey_id"),
    Index("ix_journeys_destination", "destination_country", "journey_id"),
    Index("ix_journeys_p3mi", "p3mi_id", "journey_id"),
    Index("ix_journeys_departed_on", "departed_on"),
)

# Set-valued filters as child rows: portable and indexable on both databases (no JSON operators).
journey_available_steps = Table(
    "journey_available_steps",
    metadata,
    Column("journey_id", String(64), ForeignKey("journeys.journey_id", ondelete="CASCADE"), nullable=False),
    Column("step", String(64), nullable=False),
    PrimaryKeyConstraint("journey_id", "step", name="pk_journey_available_steps"),
    Index("ix_journey_available_steps_step", "step", "journey_id"),
)

journey_flags = Table(
    "journey_flags",
    metadata,
    Column("journey_id", String(64), ForeignKey("journeys.journey_id", ondelete="CASCADE"), nullable=False),
    Column("flag", String(64), nullable=False),
    PrimaryKeyConstraint("journey_id", "flag", name="pk_journey_flags"),
    Index("ix_journey_flags_flag", "flag", "journey_id"),
)

# Read model of protection cases (`c_...`): filter columns plus the case document as the case
# workflow last reported it. `first_response_due_at` / `first_response_at` are the supervisor's
# overdue queue (`store.cases`); text times compare the same on both databases.
cases = Table(
    "cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("journey_id", String(64), nullable=False),
    Column("case_type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("first_response_due_at", Time, nullable=False),
    Column("first_response_at", Time),
    Column("escalated", Boolean, nullable=False),
    Column("escalated_to", String(32)),
    Column("version", Integer, nullable=False),
    Column("opened_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    Column("closed_at", Time),
    Column("document", Json, nullable=False),
    Index("ix_cases_journey", "journey_id"),
    Index("ix_cases_province_status", "province_code", "status"),
    Index("ix_cases_first_response_due", "first_response_due_at"),
)

# The console's worklist (issue 10, migration 0010): one row per thing in a journey or a case that
# waits for a person, written with the journey's or the case's read-model row. `sort_at` is when it
# falls due (`due_at`), or the far future when it has no date: the worklist is read in that order
# from the (province, sort_at) index. No personal data: ids, step and task names, times.
work_items = Table(
    "work_items",
    metadata,
    Column("subject_id", String(64), nullable=False),  # the journey or the case it belongs to
    Column("item", String(96), nullable=False),  # `step:passport`, `follow_up:2`, `case`, ...
    Column("journey_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # step | document | arrival | follow_up | task | case
    Column("what", String(64), nullable=False),  # the step, task, follow-up number or case type
    Column("due_at", Time),
    Column("sort_at", Time, nullable=False),
    Column("priority", SmallInteger, nullable=False),  # a tie at the same time: cases first
    Column("province_code", String(8), nullable=False),
    Column("phase", String(16)),
    Column("scheme", String(16)),
    Column("p3mi_id", String(32)),
    PrimaryKeyConstraint("subject_id", "item", name="pk_work_items"),
    Index("ix_work_items_province_sort", "province_code", "sort_at"),
    Index("ix_work_items_sort", "sort_at"),
)

# One active journey per NIK, enforced by the primary key on the keyed hash (never the NIK itself).
active_journeys = Table(
    "active_journeys",
    metadata,
    Column("nik_hash", String(64), primary_key=True),
    Column("journey_id", String(64), nullable=False, unique=True),
    Column("claimed_at", Time, nullable=False),
)

worker_pii = Table(
    "worker_pii",
    metadata,
    Column("journey_id", String(64), primary_key=True),
    Column("ciphertext", Text, nullable=False),
    Column("updated_at", Time, nullable=False),
    # The keyed hash of the NIK (`store.identity.nik_hash`): `POST /v1/journeys/search` finds every
    # journey of a worker, ended ones too, without the NIK (migration 0005).
    Column("nik_hash", String(64)),
    Index("ix_worker_pii_nik_hash", "nik_hash"),
)

integration_inbox = Table(
    "integration_inbox",
    metadata,
    Column("source", String(32), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("journey_id", String(64), nullable=False),
    Column("type", String(100), nullable=False),
    Column("body", Json, nullable=False),
    Column("received_at", Time, nullable=False),
    Column("delivered_at", Time),
    PrimaryKeyConstraint("source", "event_id", name="pk_integration_inbox"),
    Index("ix_integration_inbox_journey", "journey_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("body_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Json, nullable=False),
    Column("created_at", Time, nullable=False),
    PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
)

# ---- reference data ---------------------------------------------------------

provinces = Table(
    "provinces",
    metadata,
    Column("code", String(2), primary_key=True),
    Column("name", String(100), nullable=False),
)

countries = Table(
    "countries",
    metadata,
    Column("code", String(2), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("status", String(8), nullable=False),
    CheckConstraint("status IN ('open', 'closed')", name="ck_countries_status"),
)

p3mi = Table(
    "p3mi",
    metadata,
    Column("p3mi_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("licence_no", String(64), nullable=False),
    Column("licence_status", String(16), nullable=False),
    Column("province_code", String(2), nullable=False),
    # The licence's last valid day (ISO date); after it the licence counts as not active. None: no end.
    Column("licence_valid_until", String(10), nullable=True),
    CheckConstraint("licence_status IN ('active', 'suspended', 'revoked')", name="ck_p3mi_licence_status"),
)

job_orders = Table(
    "job_orders",
    metadata,
    Column("job_order_id", String(64), primary_key=True),
    Column("scheme", String(8), nullable=False),
    Column("p3mi_id", String(32), ForeignKey("p3mi.p3mi_id")),
    Column("employer_name", String(200), nullable=False),
    Column("destination_country", String(2), nullable=False),
    Column("occupation", String(100), nullable=False),
    Column("sector", String(16), nullable=False),
    Column("quota", Integer, nullable=False),
    Column("filled", Integer, nullable=False, server_default="0"),
    Column("status", String(8), nullable=False),
    # The last line of defence for the quota rule, whatever the code above it does.
    CheckConstraint("filled >= 0 AND filled <= quota", name="ck_job_orders_filled"),
    CheckConstraint("scheme IN ('P3MI', 'G2G')", name="ck_job_orders_scheme"),
    CheckConstraint("sector IN ('formal', 'informal')", name="ck_job_orders_sector"),
    CheckConstraint("status IN ('open', 'closed')", name="ck_job_orders_status"),
)

# Which journey holds a unit of which job order: makes taking quota idempotent per journey.
job_order_claims = Table(
    "job_order_claims",
    metadata,
    Column("journey_id", String(64), primary_key=True),
    Column("job_order_id", String(64), ForeignKey("job_orders.job_order_id"), nullable=False),
    Column("claimed_at", Time, nullable=False),
    Index("ix_job_order_claims_job_order", "job_order_id"),
)

clinics = Table(
    "clinics",
    metadata,
    Column("clinic_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("regency_code", String(4)),
)

training_centres = Table(
    "training_centres",
    metadata,
    Column("centre_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("province_code", String(2), nullable=False),
    Column("regency_code", String(4)),
)

# Embassies (KBRI), consulates (KJRI) and the trade office in Taipei (KDEI).
public_holidays = Table(
    "public_holidays",
    metadata,
    # Indonesia's national public holidays (the SKB of the three ministers), which working days skip.
    Column("holiday_date", String(10), primary_key=True),
    Column("name", String(200), nullable=False),
)

missions = Table(
    "missions",
    metadata,
    Column("mission_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("city", String(100), nullable=False),
)


# The history archive (docs/audit.md): every closed run of a journey or case workflow, copied from
# Temporal before its retention deletes it. `history` is the zlib-compressed `temporal.api.history.v1.
# History` protobuf exactly as Temporal served it (payloads still encoded); `history_sha256` is the
# SHA-256 hex of those uncompressed bytes. Append-only (triggers refuse UPDATE and DELETE).
workflow_histories = Table(
    "workflow_histories",
    metadata,
    Column("workflow_id", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("workflow_type", String(100), nullable=False),
    Column("status", String(32), nullable=False),
    Column("closed_at", Time, nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("history_sha256", String(64), nullable=False),
    Column("history", LargeBinary, nullable=False),
    Column("archived_at", Time, nullable=False),
    PrimaryKeyConstraint("workflow_id", "run_id", name="pk_workflow_histories"),
    Index("ix_workflow_histories_closed_at", "closed_at"),
)

# Signed checkpoints of chain heads (docs/audit.md). Append-only like the events. `signature` is the
# Ed25519 signature (base64) of the canonical JSON of {stream_id, seq, head_hash, signed_at, key_id}.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("checkpoint_id", Integer, primary_key=True, autoincrement=True),
    Column("stream_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("signed_at", Time, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Index("ix_audit_checkpoints_stream", "stream_id", "checkpoint_id"),
)

# The public keys that have signed checkpoints or exports, published by `GET /v1/audit/keys`. What an
# auditor trusts is the key published outside the database (docs/audit.md); this is the catalogue.
audit_keys = Table(
    "audit_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("algorithm", String(16), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("created_at", Time, nullable=False),
)

# Who read or decoded whose personal data, when, and through what (docs/privacy.md; `GET /v1/audit/
# access-log`). One row per journey per response that carried its personal fields in the clear, and
# one per codec decode. Append-only (triggers refuse UPDATE and DELETE). `fields` is a JSON list of
# the kinds of personal field the response held (`full_name`, `nik`, ...), never their values.
access_log = Table(
    "access_log",
    metadata,
    Column("access_id", Integer, primary_key=True, autoincrement=True),
    Column("accessed_at", Time, nullable=False),
    Column("sub", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("journey_id", String(64)),
    Column("through", String(64), nullable=False),
    Column("fields", Text, nullable=False),
    Column("request_id", String(64)),
    Index("ix_access_log_journey", "journey_id", "access_id"),
    Index("ix_access_log_sub", "sub", "access_id"),
    Index("ix_access_log_accessed_at", "accessed_at"),
)

# Per-journey data keys (`store.journey_keys`, docs/privacy.md): each journey's AES-256 key, wrapped
# under the data keyring's key `kek_id`. Erasure empties `wrapped` and sets `erased_at`.
journey_keys = Table(
    "journey_keys",
    metadata,
    Column("journey_id", String(64), primary_key=True),
    Column("kek_id", String(64), nullable=False),
    Column("wrapped", Text),
    Column("created_at", Time, nullable=False),
    Column("erased_at", Time),
)
