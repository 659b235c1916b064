"""The journey as API.md shows it (`JourneyView`), and its read-model projection; both derived from
state only. The view is the one model of the journey's shape: the workflow's updates and `state` query
return it, the read model stores its JSON, and the API's routes declare it as their response."""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.contracts import JourneyProjection
from domain.events import instant, utc_text
from domain.regions import local_date
from domain.state import JourneyState
from domain.steps import COMPLETED


def _absent(value: Any) -> bool:
    return value is None


# Instants as the API writes them: ISO 8601 in UTC with a `Z` (`domain.events.utc_text`).
Instant = Field(default=None, json_schema_extra={"format": "date-time"})
# A member left out of the JSON while it is None, as documents have always done (older ones lack it).
Omitted = Field(default=None, exclude_if=_absent)
OmittedInstant = Field(default=None, exclude_if=_absent, json_schema_extra={"format": "date-time"})


class View(BaseModel):
    """A shape of API.md whose JSON is the API's answer and the stored document, key for key. Documents
    stored by older code are read as they are (`extra="allow"`)."""

    model_config = ConfigDict(extra="allow")

    def document(self) -> dict[str, Any]:
        """The JSON document (what the read model stores and an auditor compares)."""
        return self.model_dump(mode="json")


class StepView(View):
    """One step: its id and state, and what the state carries."""

    step: str
    state: Literal["locked", "available", "completed", "rejected", "waived", "expired"]
    completed_at: str | None = OmittedInstant
    evidence: dict[str, Any] | None = Omitted
    reason: str | None = Omitted
    due_at: str | None = Instant
    valid_until: str | None = Instant


class CaseRefView(View):
    case_id: str
    case_type: str
    status: str


class FollowUpView(View):
    """A reintegration follow-up once due: the officer's task and what was recorded of it (rules 4)."""

    number: int
    due_at: str | None = Instant
    status: Literal["due", "recorded"]
    recorded_at: str | None = Instant
    outcome: dict[str, Any] = Field(default_factory=dict)


class TaskView(View):
    """An officer's task on the journey (rules 5: renew a document the contract outlasts)."""

    task: str
    status: Literal["open", "done"]
    reason: str
    opened_at: str | None = Instant
    closed_at: str | None = Instant
    resolution: str | None = None


class JourneyView(View):
    """The journey (API.md, Journey shape); personal data masked. `follow_ups` and `tasks` appear once
    there are any; `personal_data` says `masked` or `erased` on a stored copy read back."""

    journey_id: str
    status: Literal["active", "ended"]
    outcome: str | None = None
    phase: Literal["pre_departure", "placement", "reintegration"]
    scheme: Literal["G2G", "P3MI", "INDEPENDENT"]
    version: int
    worker: dict[str, Any]
    destination_country: str
    p3mi_id: str | None = None
    job_order_id: str | None = None
    occupation: str | None = None
    sector: str | None = None
    contract_end: str | None = Field(default=None, json_schema_extra={"format": "date"})
    steps: list[StepView]
    open_cases: list[CaseRefView]
    flags: list[str]
    started_at: str | None = Instant
    updated_at: str | None = Instant
    ended_at: str | None = Instant
    follow_ups: list[FollowUpView] | None = Omitted
    tasks: list[TaskView] | None = Omitted
    personal_data: Literal["masked", "erased"] | None = Omitted


class Starting(BaseModel):
    """What the `state` query answers before the workflow's first task has made the state."""

    journey_id: str
    status: Literal["starting"] = "starting"


def journey_view(state: JourneyState) -> JourneyView:
    """The journey shape of API.md (personal data masked)."""
    steps = [
        StepView(
            step=s.step,
            state=s.state,  # type: ignore[arg-type]
            completed_at=utc_text(s.completed_at),
            evidence=dict(s.evidence) or None,
            reason=s.reason or None,
            due_at=utc_text(s.due_at),
            valid_until=utc_text(s.valid_until),
        )
        for s in state.steps.values()
    ]
    follow_ups = [
        FollowUpView(
            number=f.number,
            due_at=utc_text(f.due_at),
            status="recorded" if f.recorded_at else "due",
            recorded_at=utc_text(f.recorded_at),
            outcome=dict(f.outcome),
        )
        for f in state.follow_ups
    ]
    tasks = [
        TaskView(
            task=t.task,
            status="done" if t.closed_at else "open",
            reason=t.reason,
            opened_at=utc_text(t.opened_at),
            closed_at=utc_text(t.closed_at),
            resolution=t.resolution,
        )
        for t in state.tasks
    ]
    return JourneyView(
        journey_id=state.journey_id,
        status=state.status,
        outcome=state.outcome,
        phase=state.phase,  # type: ignore[arg-type]
        scheme=state.scheme,  # type: ignore[arg-type]
        version=state.version,
        worker=state.worker.model_dump(mode="json"),
        destination_country=state.destination_country,
        p3mi_id=state.p3mi_id,
        job_order_id=state.job_order_id,
        occupation=state.occupation,
        sector=state.sector,
        contract_end=state.contract_end.isoformat() if state.contract_end else None,
        steps=steps,
        open_cases=[CaseRefView(**c.model_dump()) for c in state.open_cases],
        flags=list(state.flags),
        started_at=utc_text(state.started_at),
        updated_at=utc_text(state.updated_at),
        ended_at=utc_text(state.ended_at),
        # Only once there are any: older documents have none.
        follow_ups=follow_ups or None,
        tasks=tasks or None,
    )


def projection(state: JourneyState) -> JourneyProjection:
    return JourneyProjection(
        journey_id=state.journey_id,
        status=state.status,
        outcome=state.outcome,
        phase=state.phase,
        scheme=state.scheme,
        province_code=state.worker.province_code,
        destination_country=state.destination_country,
        p3mi_id=state.p3mi_id,
        flags=list(state.flags),
        available_steps=state.available_steps(),
        version=state.version,
        started_at=state.started_at,
        updated_at=state.updated_at,
        document=journey_view(state).document(),
        sector=state.sector,
        gender=state.worker.gender,
        departed_on=_departed_on(state),
    )


def _departed_on(state: JourneyState) -> date | None:
    departure = state.steps.get("departure")
    if departure is None or departure.state != COMPLETED or "departed_at" not in departure.evidence:
        return None
    return local_date(instant(str(departure.evidence["departed_at"])), state.worker.province_code)
