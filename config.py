"""Settings: one class, read from `PMI_*` environment variables, cached (tests call `get_settings.cache_clear()`)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.policy import Policy

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"  # refused in production  # nosec B105
DEV_WEBHOOK_SECRETS = ",".join(
    f"{s}=dev-{s}-secret"
    for s in ("dukcapil", "clinic", "lsp", "imigrasi", "bpjs", "embassy", "siskop2mi", "hotline", "p3mi")
)
# Fernet key for the PII vault in development only (urlsafe base64 of 32 bytes).
DEV_PII_KEY = "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMDEyMzQ="


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PMI_", env_file=None, extra="ignore")

    env: str = "development"
    data_dir: Path = Path(".data")
    database_url: str | None = None

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_host: str = "127.0.0.1"
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_namespace: str = "default"
    task_queue: str = "journeys"
    simulator_port: int = 8100
    simulator_url: str | None = None
    engine_url: str | None = None

    jwt_secret: str = DEV_JWT_SECRET
    # The console's sign-in lapses after this long without a request.
    console_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # The worklist shows a document this many days before its last valid day (and after it).
    console_lapsing_days: int = Field(default=30, ge=0, le=3650)
    # The console's sign-in in production: OpenID Connect, authorization code with PKCE (S256). The
    # issuer's discovery document gives the endpoints and keys; the role and the region are claims
    # of the ID token, named here (roles: officer, supervisor, auditor, admin; regions: a province
    # code or `*`). Unset issuer: no OpenID Connect sign-in.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None  # none: a public client (PKCE alone)
    oidc_redirect_url: str | None = None  # e.g. https://pmi.example.go.id/console/oidc/callback
    oidc_scopes: str = "openid profile"
    oidc_role_claim: str = "pmi_role"
    oidc_region_claim: str = "pmi_region"
    oidc_name_claim: str = "name"
    # Prometheus: the worker's metrics and the Temporal SDK's own, each on a port of its own (unset:
    # not served); the API serves its own at /metrics.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    temporal_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # Journeys the worker keeps in memory (Temporal's sticky cache): one in the cache answers an update
    # at once, one out of it first replays its history. Temporal's default is 1,000.
    worker_max_cached_workflows: int = Field(default=1000, ge=0)
    # On SIGTERM the worker stops taking tasks and lets the running activities finish this long before
    # it cancels them (keep it under the orchestrator's kill timeout: Docker's is 10 s).
    worker_graceful_shutdown_seconds: float = Field(default=8.0, ge=0.0)
    # OpenTelemetry tracing: the base URL of an OTLP/HTTP collector (e.g. http://otel-collector:4318);
    # unset: no tracing. The ratio of traces kept (a trace follows its first span's choice).
    otel_endpoint: str | None = None
    otel_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    webhook_secrets: str = DEV_WEBHOOK_SECRETS
    webhook_tolerance_seconds: int = 300
    pii_key: str = DEV_PII_KEY
    # Key for the keyed hash of a NIK (lookups and one-active-journey rule without storing the NIK).
    nik_hash_key: str = "dev-only-nik-hash-key"

    log_format: str = "auto"  # auto | json | console
    log_level: str = "INFO"

    # Timeout of one HTTP call to an external system (activity retries are in activities/retry.py).
    http_timeout_seconds: float = 10.0

    # Deadlines on the API's dependencies: past them the answer is 503 UNAVAILABLE with Retry-After.
    # The database: connecting, waiting for a pooled connection, one PostgreSQL statement.
    database_timeout_seconds: float = Field(default=10.0, gt=0)
    # One call to Temporal (start, describe, query, signal, list, history).
    temporal_rpc_timeout_seconds: float = Field(default=10.0, gt=0)
    # A whole workflow update, from sending it to its result (no worker answering: 503 after this).
    temporal_update_timeout_seconds: float = Field(default=10.0, gt=0)
    # Rate limits (api.rate_limits), in the `limits` notation: failed authentications one client address
    # may make before it is refused (429) for the rest of the window, and signed events one integration
    # source may deliver; and where the counters are kept (`memory://`: this process; e.g. `redis://`).
    auth_failure_rate: str = "30/minute"
    integration_rate: str = "600/minute"
    rate_limit_storage: str = "memory://"
    # Retry-After of a 503.
    retry_after_seconds: int = Field(default=2, ge=1)
    # Concurrent requests with one Idempotency-Key wait this long for the first one's answer (then 409
    # IDEMPOTENCY_IN_PROGRESS); a key still in flight after the lease is taken over (its request died).
    idempotency_wait_seconds: float = Field(default=15.0, gt=0)
    idempotency_lease_seconds: float = Field(default=60.0, gt=0)
    # /readyz: a worker counts as alive when it polled the task queue this recently (a long poll
    # lasts about a minute, so less than that reports a healthy idle worker as gone).
    ready_worker_seconds: float = Field(default=90.0, gt=0)

    # The audit record (docs/audit.md). The Ed25519 signing keys: a JSON file (default
    # `<data_dir>/audit-keyring.json`, created on first use except in production).
    audit_keyring_file: Path | None = None
    # AES-256 keys that encrypt every Temporal payload (store.data_keys); default under PMI_DATA_DIR,
    # created on first use outside production.
    data_keyring_file: Path | None = None
    # The codec server (`/codec/*`, docs/privacy.md): the origins whose pages may call it, comma-separated
    # (default: the dev server's Web UI, `http://127.0.0.1:<temporal_ui_port>` and `localhost`), and
    # whether its session cookie is `Secure` (default: in production, where the API is served over TLS).
    codec_cors_origins: str | None = None
    codec_cookie_secure: bool | None = None
    # How often the audit sweep (a Temporal Schedule) archives closed runs and signs chain heads.
    audit_sweep_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Verify replays histories in child processes (api.services.replay.ReplayPool): how many, and how
    # long one journey's replay may take before it is reported `unavailable`.
    audit_replay_processes: int = Field(default=1, ge=1, le=64)
    audit_replay_timeout_seconds: float = Field(default=120.0, gt=0)

    # A journey's workflow continues as new after this many messages (updates and signals) in one run,
    # to keep each run's history short; unset: when Temporal suggests it (history size).
    journey_continue_as_new_after: int | None = Field(default=None, ge=1)

    # Policy (DOMAIN.md *(policy)* values).
    medical_validity_months: int = 3
    arrival_report_due_days: int = 30
    contract_default_months: int = 24
    follow_up_months: list[int] = Field(default_factory=lambda: [3, 6, 12])
    follow_up_overdue_days: int = Field(default=Policy().follow_up_overdue_days, gt=0)
    # JSON; types left out keep their default: PMI_CASE_FIRST_RESPONSE_HOURS='{"trafficking": 2}'.
    case_first_response_hours: dict[str, int] = Field(default_factory=lambda: dict(Policy().case_first_response_hours))
    case_documents_incomplete_days: int = Field(default=Policy().case_documents_incomplete_days, gt=0)
    case_clarification_working_days: int = Field(default=Policy().case_clarification_working_days, gt=0)
    case_unreachable_days: int = Field(default=Policy().case_unreachable_days, gt=0)

    @field_validator("case_first_response_hours", mode="after")
    @classmethod
    def _every_case_type_has_hours(cls, v: dict[str, int]) -> dict[str, int]:
        defaults = Policy().case_first_response_hours
        unknown = sorted(set(v) - set(defaults))
        if unknown:
            raise ValueError(f"unknown case types {unknown}; known: {sorted(defaults)}")
        if any(hours < 0 for hours in v.values()):
            raise ValueError("first-response hours cannot be negative (0: due at once)")
        return {**defaults, **v}

    @field_validator("auth_failure_rate", "integration_rate", mode="after")
    @classmethod
    def _is_a_rate(cls, v: str) -> str:
        import limits

        try:
            limits.parse(v)
        except ValueError:
            raise ValueError(f"{v!r} is not a rate such as '30/minute'") from None
        return v

    @field_validator("follow_up_months", mode="before")
    @classmethod
    def _split_months(cls, v: object) -> object:
        if isinstance(v, str) and not v.strip().startswith("["):
            return [int(x) for x in v.split(",") if x.strip()]
        return v

    @model_validator(mode="after")
    def _contract_default_within_bounds(self) -> "Settings":
        bounds = Policy()
        if not bounds.contract_min_months <= self.contract_default_months <= bounds.contract_max_months:
            raise ValueError(
                f"PMI_CONTRACT_DEFAULT_MONTHS must be {bounds.contract_min_months}..{bounds.contract_max_months}"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> "Settings":
        if self.env == "production":
            for name, dev in (
                ("jwt_secret", DEV_JWT_SECRET),
                ("webhook_secrets", DEV_WEBHOOK_SECRETS),
                ("pii_key", DEV_PII_KEY),
                ("nik_hash_key", "dev-only-nik-hash-key"),
            ):
                if getattr(self, name) == dev:
                    raise ValueError(f"PMI_{name.upper()} must be set in production")
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'pmi.db'}"

    @property
    def data_keyring_path(self) -> Path:
        return (self.data_keyring_file or self.data_dir / "data-keyring.json").resolve()

    @property
    def audit_keyring_path(self) -> Path:
        return (self.audit_keyring_file or self.data_dir / "audit-keyring.json").resolve()

    @property
    def codec_origins(self) -> list[str]:
        if self.codec_cors_origins is not None:
            return [o.strip().rstrip("/") for o in self.codec_cors_origins.split(",") if o.strip()]
        return [f"http://{host}:{self.temporal_ui_port}" for host in ("127.0.0.1", "localhost")]

    @property
    def codec_cookie_is_secure(self) -> bool:
        return self.env == "production" if self.codec_cookie_secure is None else self.codec_cookie_secure

    @property
    def temporal_address(self) -> str:
        return f"{self.temporal_host}:{self.temporal_port}"

    @property
    def simulator_base_url(self) -> str:
        return self.simulator_url or f"http://127.0.0.1:{self.simulator_port}"

    @property
    def engine_base_url(self) -> str:
        return self.engine_url or f"http://127.0.0.1:{self.api_port}"

    @property
    def webhook_secret_map(self) -> dict[str, list[str]]:
        """`source=secret,source=secret`; a source listed twice has two valid secrets (rotation). A P3MI's
        own secret is `p3mi:<p3mi_id>=secret`: what it signs is known to be its own."""
        out: dict[str, list[str]] = {}
        for part in self.webhook_secrets.split(","):
            if "=" in part:
                source, secret = part.split("=", 1)
                out.setdefault(source.strip(), []).append(secret.strip())
        return out

    def policy(self) -> Policy:
        return Policy(
            medical_validity_months=self.medical_validity_months,
            arrival_report_due_days=self.arrival_report_due_days,
            contract_default_months=self.contract_default_months,
            follow_up_months=tuple(self.follow_up_months),
            follow_up_overdue_days=self.follow_up_overdue_days,
            case_first_response_hours=self.case_first_response_hours,
            case_documents_incomplete_days=self.case_documents_incomplete_days,
            case_clarification_working_days=self.case_clarification_working_days,
            case_unreachable_days=self.case_unreachable_days,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
