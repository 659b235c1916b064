"""The journey's state: what `evolve` folds events into."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.contracts import WorkerProfile
from domain.policy import Policy
from domain.steps import ACTIONABLE, DONE, PLACEMENT, PRE_DEPARTURE, REINTEGRATION


class StepStatus(BaseModel):
    step: str
    state: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    completed_at: datetime | None = None
    completed_by: str | None = None
    reason: str | None = None
    valid_until: datetime | None = None
    due_at: datetime | None = None


class HeldEvidence(BaseModel):
    source: str
    event_id: str
    type: str
    step: str
    data: dict[str, Any]
    occurred_at: datetime | None = None


class FollowUp(BaseModel):
    """A reintegration follow-up once due: the officer's task, and what was recorded of it."""

    number: int
    due_at: datetime
    recorded_at: datetime | None = None
    recorded_by: str | None = None
    outcome: dict[str, Any] = Field(default_factory=dict)


class Task(BaseModel):
    """An officer's task on the journey (rules 5), open until done or no longer needed."""

    task: str
    reason: str
    opened_at: datetime
    closed_at: datetime | None = None
    resolution: str | None = None


class CaseRef(BaseModel):
    case_id: str
    case_type: str
    status: str = "reported"


class JourneyState(BaseModel):
    journey_id: str
    scheme: str
    worker: WorkerProfile
    p3mi_id: str | None = None
    job_order_id: str | None = None
    destination_country: str
    occupation: str | None = None
    sector: str | None = None
    policy: Policy
    rules: int = 1  # `domain.rules`: the engine's rules version, from JourneyStarted

    status: Literal["active", "ended"] = "active"
    outcome: str | None = None
    end_reason: str | None = None
    version: int = 0
    steps: dict[str, StepStatus] = Field(default_factory=dict)
    flags: list[str] = Field(default_factory=list)
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None = None

    contract_start: date | None = None
    contract_end: date | None = None
    employer_name: str | None = None
    follow_ups_due: list[int] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    seen_integration_events: list[str] = Field(default_factory=list)
    held_evidence: list[HeldEvidence] = Field(default_factory=list)
    external_requests: dict[str, str] = Field(default_factory=dict)
    open_cases: list[CaseRef] = Field(default_factory=list)
    # The standing of the placement (rules 3, `domain.standing`): kept up to date by admins' changes.
    p3mi_licence_status: str | None = None
    p3mi_licence_valid_until: date | None = None
    destination_status: str = "open"
    waived_rules: list[str] = Field(default_factory=list)

    def step_state(self, step: str) -> str | None:
        s = self.steps.get(step)
        return s.state if s else None

    def is_done(self, step: str) -> bool:
        return self.step_state(step) in DONE

    @property
    def phase(self) -> str:
        if not self.is_done("departure"):
            return PRE_DEPARTURE
        if not self.is_done("employment"):
            return PLACEMENT
        return REINTEGRATION

    @property
    def departed(self) -> bool:
        return self.is_done("departure")

    def unrecorded_follow_ups(self) -> list[FollowUp]:
        """The follow-ups that are due and whose outcome the officer has not recorded yet."""
        return [f for f in self.follow_ups if f.recorded_at is None]

    def open_tasks(self) -> list[str]:
        return [t.task for t in self.tasks if t.closed_at is None]

    def available_steps(self) -> list[str]:
        return [s.step for s in self.steps.values() if s.state in ACTIONABLE]
