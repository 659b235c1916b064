"""Events from government systems (API.md, Integrations): evidence applied to its step, held until
the step is available, refused, or ignored; `complaint.filed` opens a protection case."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError

from domain import events as ev
from domain.contracts import Actor, CaseType, IntegrationEvent
from domain.decide import Emitted, complete
from domain.errors import EvidenceInvalid, RuleViolation, error_fields
from domain.evidence import multi_line, parse_evidence
from domain.protection import case_opened
from domain.state import JourneyState
from domain.steps import ACTIONABLE, DONE, INTEGRATION_TYPES


def integration(state: JourneyState, msg: IntegrationEvent, now: datetime, case_id: str | None = None) -> list[Emitted]:
    """A government system's event: applied, held until its step is available, refused, or ignored.
    `case_id` names the case a `complaint.filed` opens (the workflow makes it)."""
    key = f"{msg.source}/{msg.event_id}"
    if key in state.seen_integration_events:
        return []
    actor = Actor(sub=msg.source, role="integration")

    def received(disposition: str, step: str | None, reason: str | None = None, keep: bool = False) -> Emitted:
        return Emitted(
            ev.IntegrationEventReceived(
                source=msg.source,
                event_id=msg.event_id,
                type=msg.type,
                step=step,
                disposition=disposition,
                reason=reason,
                data=dict(msg.data) if keep else None,
                occurred_at=msg.occurred_at if keep else None,
            ),
            actor,
        )

    sources, step = INTEGRATION_TYPES.get(msg.type, (frozenset(), None))
    if msg.source not in sources:
        return [received("refused", None, f"{msg.source} does not send {msg.type}")]
    if step is None:
        return _complaint(state, msg, actor, received, case_id)
    if state.status != "active":
        return [received("ignored", step, f"journey has ended ({state.outcome})")]
    if step not in state.steps:
        return [received("refused", step, f"{step} is not a step of the {state.scheme} scheme")]
    try:
        parse_evidence(step, state.scheme, msg.data)
    except EvidenceInvalid as exc:
        return [received("refused", step, f"invalid evidence: {', '.join(exc.extra.get('fields', []))}")]
    current = state.step_state(step)
    if current in DONE:
        return [received("ignored", step, f"{step} is already {current}")]
    if current not in ACTIONABLE:
        return [received("held", step, f"{step} is {current}; kept until it becomes available", keep=True)]
    try:
        applied = complete(state, step, msg.data, actor, now, source_event=key)
    except RuleViolation as exc:
        return [received("refused", step, f"{exc.extra['rule']}: {exc.message}")]
    return [received("applied", step), *applied]


class ComplaintData(BaseModel):
    """The data of `complaint.filed`."""

    model_config = ConfigDict(extra="ignore")
    case_type: CaseType
    # Trimmed free text; it may be empty (a complaint can come without one), never hold control characters.
    description: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(multi_line)] = ""


class ClarificationData(BaseModel):
    """The data of `p3mi.clarification`: the case asked, and what the P3MI says (kept as the action's note)."""

    model_config = ConfigDict(extra="forbid")
    case_id: Annotated[str, StringConstraints(pattern=r"^c_[0-9A-Za-z]{1,64}$")]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(multi_line)] = ""


def _complaint(
    state: JourneyState, msg: IntegrationEvent, actor: Actor, received, case_id: str | None
) -> list[Emitted]:
    """`complaint.filed` (hotline, embassy) opens a protection case on the journey."""
    if state.status != "active" or case_id is None:
        return [received("ignored", None, f"journey has ended ({state.outcome})")]
    try:
        complaint = ComplaintData.model_validate(msg.data)
    except ValidationError as exc:
        fields = error_fields("data", exc)
        return [received("refused", None, f"invalid complaint: {', '.join(fields)}")]
    via = "embassy" if msg.source == "embassy" else "hotline"
    return [
        received("applied", None),
        *case_opened(state, case_id, complaint.case_type, via, complaint.description, actor),
    ]
