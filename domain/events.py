"""Journey events: past participles, frozen, versioned. Old versions are upcast on read, never rewritten."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from domain.contracts import WorkerProfile
from domain.policy import Policy


def utc_text(value: datetime | None) -> str | None:
    """An instant as the API writes it: ISO 8601 in UTC with a `Z`."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def midnight(d: date) -> datetime:
    """The start of a day, in UTC."""
    return datetime.combine(d, time(0), tzinfo=UTC)


def end_of(last_day: date) -> datetime:
    """The moment something valid through `last_day` (a BPJS cover, a licence) stops being valid:
    midnight (UTC) after it."""
    return midnight(last_day + timedelta(days=1))


def instant(text: str) -> datetime:
    """An ISO 8601 instant as the engine writes them (`...Z`, or any offset) as an aware datetime; one
    without a zone is taken to be UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    VERSION: ClassVar[int] = 1

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__


class JourneyStarted(DomainEvent):
    journey_id: str
    scheme: str
    worker: WorkerProfile
    p3mi_id: str | None = None
    job_order_id: str | None = None
    destination_country: str
    occupation: str | None = None
    sector: str | None = None
    policy: Policy
    # The engine's rules version the journey runs under (`domain.rules`); absent before they were versioned.
    rules: int = 1
    # The last day the P3MI's licence is valid, as known at the start (rules 3; None: no end date).
    p3mi_licence_valid_until: date | None = None


class StepCompleted(DomainEvent):
    step: str
    evidence: dict[str, Any]
    note: str | None = None
    valid_until: datetime | None = None
    # "source/event_id" when the evidence came from an integration.
    source_event: str | None = None


class StepRejected(DomainEvent):
    step: str
    reason: str


class StepWaived(DomainEvent):
    step: str
    reason: str


class StepReopened(DomainEvent):
    step: str
    reason: str


class StepExpired(DomainEvent):
    step: str
    reason: str


class FlagRaised(DomainEvent):
    flag: str
    reason: str


class FlagCleared(DomainEvent):
    flag: str


class EmploymentStarted(DomainEvent):
    contract_end: date | None
    arrival_report_due_at: datetime


class ContractExtended(DomainEvent):
    previous_end: date
    new_end_date: date
    family_consent_ref: str


class EmployerChanged(DomainEvent):
    employer_name: str
    reason: str | None = None
    # The new employer's contract (rules 5; absent before).
    contract_ref: str | None = None


class DocumentRenewed(DomainEvent):
    """During employment, a document the placement depends on was renewed: the passport (a new
    expiry) or the BPJS cover (a new last day). The step's evidence shows the new validity."""

    step: Literal["passport", "social_security"]
    evidence: dict[str, Any]  # the fields renewed: `expires_at` (passport) or `covered_until` (cover)


class TaskOpened(DomainEvent):
    """Something an officer has to do for the journey (rules 5: renew a document the contract outlasts)."""

    task: str
    reason: str


class TaskClosed(DomainEvent):
    task: str
    resolution: str


class WelfareChecked(DomainEvent):
    checked_at: datetime
    status: str
    note: str | None = None


class RemittanceReported(DomainEvent):
    amount: str
    currency: str
    period: str | None = None


class EmploymentEnded(DomainEvent):
    reason: str
    ended_at: datetime


class FollowUpDue(DomainEvent):
    number: int
    months: int
    due_at: datetime


class FollowUpRecorded(DomainEvent):
    """The officer's record of a reintegration follow-up: was the worker reached, and how she is doing."""

    number: int
    reached: bool
    employed: bool | None = None
    business_running: bool | None = None
    needs_help: bool | None = None
    note: str | None = None


class JourneyEnded(DomainEvent):
    outcome: Literal["completed", "withdrawn", "medically_unfit", "cancelled", "deceased"]
    reason: str


class JourneyResumed(DomainEvent):
    reason: str


class IntegrationEventReceived(DomainEvent):
    source: str
    event_id: str
    type: str
    step: str | None = None
    disposition: Literal["applied", "held", "refused", "ignored"]
    reason: str | None = None
    # Kept only while held, so the evidence can be applied when its step becomes available.
    data: dict[str, Any] | None = None
    occurred_at: datetime | None = None


class HeldEvidenceRefused(DomainEvent):
    source: str
    event_id: str
    step: str
    reason: str


class ExternalRequestRecorded(DomainEvent):
    system: str
    step: str
    reference: str


class ProtectionCaseOpened(DomainEvent):
    case_id: str
    case_type: str
    reported_via: str
    description: str = ""


class ProtectionCaseUpdated(DomainEvent):
    case_id: str
    status: str


class P3miLicenceChanged(DomainEvent):
    """The journey's P3MI had its licence changed by an admin (suspended, revoked, renewed...)."""

    status: Literal["active", "suspended", "revoked"]
    valid_until: date | None = None


class DestinationStatusChanged(DomainEvent):
    """The journey's destination country was closed or reopened to placements."""

    status: Literal["open", "closed"]


class RuleWaived(DomainEvent):
    """A supervisor let the journey go on despite a rule that blocks it (a closed destination)."""

    rule: Literal["destination_closed"]
    reason: str


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.type_name(): cls
    for cls in (
        JourneyStarted,
        StepCompleted,
        StepRejected,
        StepWaived,
        StepReopened,
        StepExpired,
        FlagRaised,
        FlagCleared,
        EmploymentStarted,
        ContractExtended,
        EmployerChanged,
        DocumentRenewed,
        TaskOpened,
        TaskClosed,
        WelfareChecked,
        RemittanceReported,
        EmploymentEnded,
        FollowUpDue,
        FollowUpRecorded,
        JourneyEnded,
        JourneyResumed,
        IntegrationEventReceived,
        HeldEvidenceRefused,
        ExternalRequestRecorded,
        ProtectionCaseOpened,
        ProtectionCaseUpdated,
        P3miLicenceChanged,
        DestinationStatusChanged,
        RuleWaived,
    )
}


def upcast(type_name: str, version: int, data: dict[str, Any]) -> DomainEvent:
    """Read a stored event of any version as the current model (no old versions exist yet)."""
    cls = EVENT_TYPES[type_name]
    if version > cls.VERSION:
        raise ValueError(f"{type_name} v{version} is newer than this code (v{cls.VERSION})")
    return cls.model_validate(data)


def event_data(event: DomainEvent) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude_none=False)
