"""Protection case events (their own stream per case, same hash rules) and the case state they fold into."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.contracts import NewEvent
from domain.events import DomainEvent, utc_text
from domain.policy import Policy
from domain.rules import rules_of
from domain.state_copy import deep_copy

SEVERITY = {
    "trafficking": "critical",
    "violence": "critical",
    "detention": "high",
    "death": "high",
    "illness": "high",
    "repatriation": "high",
    "unpaid_wages": "medium",
    "fraud": "medium",
    "social_security_claim": "low",
}
# Missed deadlines of these go to the rapid response team; trafficking goes there at once.
RAPID_RESPONSE_TYPES = frozenset({"trafficking", "violence"})
# While a case of these types is open the journey carries `protection_emergency`.
EMERGENCY_TYPES = RAPID_RESPONSE_TYPES
OPEN_STATES = ("reported", "verified", "in_progress", "resolved")


class CaseOpened(DomainEvent):
    case_id: str
    journey_id: str
    case_type: str
    severity: str
    description: str
    reported_via: str
    province_code: str
    first_response_due_at: datetime
    policy: Policy
    # The engine's rules version the case runs under (`domain.rules`); absent before they were versioned.
    rules: int = 1
    # The P3MI that placed the worker (it answers for her: DOMAIN.md); None for G2G and independent.
    p3mi_id: str | None = None


class CaseActionTaken(DomainEvent):
    """An action of DOMAIN.md's case states (verify, refer, mediate, ...); `automatic` when a rule took it."""

    action: str
    status: str
    note: str | None = None
    to: str | None = None
    track: str | None = None
    resolution: str | None = None
    automatic: bool = False
    # Deadline the action starts (clarification, documents, unreachable), if any.
    due_at: datetime | None = None


class FirstResponseMissed(DomainEvent):
    due_at: datetime


class CaseEscalated(DomainEvent):
    to: str
    reason: str


class DeathClaimRecorded(DomainEvent):
    claim_ref: str


class CaseClosed(DomainEvent):
    reason: str
    automatic: bool = False


CASE_EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.type_name(): cls
    for cls in (CaseOpened, CaseActionTaken, FirstResponseMissed, CaseEscalated, DeathClaimRecorded, CaseClosed)
}


class CaseState(BaseModel):
    case_id: str
    journey_id: str
    case_type: str
    severity: str
    description: str
    reported_via: str
    province_code: str
    policy: Policy
    rules: int = 1
    p3mi_id: str | None = None
    status: str = "reported"
    version: int = 0
    opened_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    first_response_at: datetime | None = None
    deadline_missed: bool = False
    escalated: bool = False
    escalated_to: str | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list)
    resolution: str | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    # Open waits of the automatic rules: name -> due time.
    waits: dict[str, datetime] = Field(default_factory=dict)
    repatriated: bool = False
    death_claim_ref: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


# Which wait an action starts, and which action ends it.
WAIT_STARTED_BY = {
    "request_clarification": "clarification",
    "request_documents": "documents",
    "mark_unreachable": "unreachable",
}
WAIT_ENDED_BY = {
    "clarification_received": "clarification",
    "documents_received": "documents",
    "complainant_reached": "unreachable",
    "mediate": "clarification",
}


def evolve_case(state: CaseState | None, recorded: NewEvent) -> CaseState:
    """Fold one case event; pure."""
    return _apply_case(state, recorded, in_place=False)


def evolve_case_in_place(state: CaseState | None, recorded: NewEvent) -> CaseState:
    """`evolve_case` without its copy: `state` itself is changed and returned (a CaseOpened returns a new
    one), as `domain.evolve.evolve_in_place` does for journeys."""
    return _apply_case(state, recorded, in_place=True)


def _apply_case(state: CaseState | None, recorded: NewEvent, *, in_place: bool) -> CaseState:
    event = CASE_EVENT_TYPES[recorded.type].model_validate(recorded.data)
    at = recorded.occurred_at
    if isinstance(event, CaseOpened):
        new = CaseState(
            case_id=event.case_id,
            journey_id=event.journey_id,
            case_type=event.case_type,
            severity=event.severity,
            description=event.description,
            reported_via=event.reported_via,
            province_code=event.province_code,
            policy=event.policy,
            rules=event.rules,
            p3mi_id=event.p3mi_id,
            opened_at=at,
            updated_at=at,
            first_response_due_at=event.first_response_due_at,
        )
    else:
        if state is None:
            raise ValueError(f"{recorded.type} before CaseOpened")
        new = state if in_place else deep_copy(state)
        if isinstance(event, CaseActionTaken):
            new.status = event.status
            if new.first_response_at is None and not event.automatic:
                new.first_response_at = at
            entry = {"action": event.action, "at": utc_text(at), "by": recorded.actor.sub}
            entry.update(
                {
                    k: v
                    for k, v in (
                        ("note", event.note),
                        ("to", event.to),
                        ("track", event.track),
                        ("resolution", event.resolution),
                    )
                    if v
                }
            )
            if event.automatic:
                entry["automatic"] = True
            new.actions.append(entry)
            if event.resolution:
                new.resolution = event.resolution
            if event.action == "repatriate":
                new.repatriated = True
            ended = WAIT_ENDED_BY.get(event.action)
            if ended:
                new.waits.pop(ended, None)
            if event.status == "resolved" and rules_of(new).resolved_case_waits_for_nobody:
                new.waits = {}  # a resolved case waits for nobody
            started = WAIT_STARTED_BY.get(event.action)
            if started and event.due_at:
                new.waits[started] = event.due_at
        elif isinstance(event, FirstResponseMissed):
            new.deadline_missed = True
        elif isinstance(event, CaseEscalated):
            new.escalated, new.escalated_to = True, event.to
            new.actions.append(
                {
                    "action": "escalate",
                    "at": utc_text(at),
                    "by": recorded.actor.sub,
                    "to": event.to,
                    "note": event.reason,
                }
            )
        elif isinstance(event, DeathClaimRecorded):
            new.death_claim_ref = event.claim_ref
        elif isinstance(event, CaseClosed):
            new.status, new.closed_at, new.close_reason, new.waits = "closed", at, event.reason, {}
    new.version = recorded.seq
    new.updated_at = at
    return new
