"""Settings of the external-systems simulator, read from `PMI_SIM_*` environment variables.

Kept apart from the engine's `config.Settings` because only the simulator process reads
them; the engine URL, the port and the webhook secrets still come from the shared settings
so that the simulator and the engine agree on them.
"""

from typing import Annotated

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from config import get_settings

SYSTEMS: tuple[str, ...] = ("dukcapil", "siskop2mi", "imigrasi", "bpjs", "notify")


class SystemConfig(BaseModel):
    """Fault injection for one simulated system. Mutable: `PUT /_config/{system}` changes it at run time."""

    latency_ms: int = Field(default=0, ge=0)
    failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    # Deterministic failures for tests: the next `fail_next` calls answer 503, then calls succeed.
    fail_next: int = Field(default=0, ge=0)


class SimulatorConfig(BaseSettings):
    """Everything `create_app` needs. Tests build one explicitly; `python -m simulator` reads the env."""

    model_config = SettingsConfigDict(env_prefix="PMI_SIM_", env_file=None, extra="ignore")

    host: str = "127.0.0.1"
    # Defaults applied to every system not listed in `systems`.
    latency_ms: int = Field(default=0, ge=0)
    failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    # Per-system overrides, e.g. PMI_SIM_SYSTEMS='{"bpjs": {"failure_rate": 0.3}}'.
    systems: dict[str, SystemConfig] = Field(default_factory=dict)
    # NIKs Dukcapil answers "not found" for, besides the built-in rule (NIKs ending in 9999).
    mismatch_niks: Annotated[list[str], NoDecode] = Field(default_factory=list)

    webhooks: bool = True
    webhook_delay_seconds: float = Field(default=2.0, ge=0.0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_backoff_seconds: float = Field(default=0.5, ge=0.0)
    webhook_backoff_max_seconds: float = Field(default=30.0, ge=0.0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0.0)
    # None = the shared settings' `engine_base_url` / `webhook_secret_map`.
    engine_url: str | None = None
    webhook_secrets: dict[str, list[str]] | None = None

    # In-memory bounds: this is a simulator, old entries are forgotten.
    ledger_max_calls: int = Field(default=10_000, ge=1)
    ledger_max_keys: int = Field(default=50_000, ge=1)
    # Seed for the generated numbers (passport, membership); None = different every run.
    seed: int | None = None

    @field_validator("mismatch_niks", mode="before")
    @classmethod
    def _split_niks(cls, v: object) -> object:
        if isinstance(v, str):
            return [x.strip() for x in v.split(",") if x.strip()]
        return v

    @model_validator(mode="after")
    def _known_systems(self) -> "SimulatorConfig":
        unknown = set(self.systems) - set(SYSTEMS)
        if unknown:
            raise ValueError(f"unknown simulated systems: {sorted(unknown)}")
        return self

    def system_defaults(self) -> dict[str, SystemConfig]:
        """A fresh, mutable copy of the fault settings of every system."""
        base = SystemConfig(latency_ms=self.latency_ms, failure_rate=self.failure_rate)
        return {name: (self.systems.get(name) or base).model_copy(deep=True) for name in SYSTEMS}

    def resolved_engine_url(self) -> str:
        """Where webhooks go: `engine_url`, else the shared settings' engine URL."""
        return (self.engine_url or get_settings().engine_base_url).rstrip("/")

    def resolved_webhook_secrets(self) -> dict[str, list[str]]:
        """Signing secrets per source: `webhook_secrets`, else the shared `PMI_WEBHOOK_SECRETS`."""
        return self.webhook_secrets if self.webhook_secrets is not None else get_settings().webhook_secret_map
