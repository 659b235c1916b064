"""Changing a journey: step actions, withdraw/cancel, employment events. Each is one workflow update;
the workflow's refusals come back as `WorkflowUpdateFailedError` and `api.errors` maps them."""

from typing import Any

import structlog
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller
from api.schemas.journeys import EmploymentEventIn, EndJourneyIn, FollowUpIn, StepActionIn, WaiverIn
from api.services import access
from api.services.container import Services
from api.services.errors import invalid, not_found
from api.services.journey_access import find_journey_to_change, journey_ended
from api.services.reference import check_codes
from domain.contracts import (
    EndJourney,
    RecordEmploymentEvent,
    RecordFollowUp,
    StepAction,
    StepCommand,
    WaiveRule,
)
from domain.evidence import validate_evidence
from domain.pii import mask_evidence
from domain.steps import STEP_IDS
from domain.view import JourneyView


async def _update(
    services: Services, caller: Caller, ref: Any, name: str, arg: Any, update_id: str | None
) -> JourneyView:
    """Send the update; the journey it answers holds the worker's personal fields, so it is logged."""
    try:
        journey = await services.temporal.update(ref.handle, name, arg, update_id)
    except RPCError as exc:
        # The journey exists (`find_journey` saw it), so "not found" here means its workflow has
        # finished: the journey has ended and takes no more changes.
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise journey_ended() from exc
        raise
    await access.record(services, caller, [ref.journey_id], name, access.JOURNEY_FIELDS)
    return JourneyView.model_validate(journey)


async def step_action(
    services: Services,
    caller: Caller,
    journey_id: str,
    step: str,
    action: StepAction,
    body: StepActionIn,
    update_id: str | None,
) -> JourneyView:
    """Complete, reject, waive or reopen a step. Evidence is checked against the step's field rules here
    (422); its personal values go to the vault and only masked values reach the workflow."""
    ref = await find_journey_to_change(services, caller, journey_id)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    if step not in STEP_IDS:
        raise not_found(f"Unknown step {step!r}" if len(step) <= 64 else "Unknown step")
    evidence: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    if action == "complete":
        evidence = validate_evidence(step, ref.scheme or "", body.evidence)
        await check_codes(services, evidence, "evidence")
        evidence, secrets = mask_evidence(step, evidence)
    else:
        if body.evidence:
            raise invalid(["evidence"], f"{action} takes no evidence")
        if not body.reason:
            raise invalid(["reason"], f"{action} needs a reason")
    command = StepCommand(
        step=step,
        action=action,
        evidence=evidence,
        note=body.note,
        reason=body.reason,
        expected_version=body.expected_version,
        actor=caller.actor,
    )
    journey = await _update(services, caller, ref, "step_action", command, update_id)
    # Only an accepted action may change what the vault holds: a refused one changes nothing.
    for name, value in secrets.items():
        await services.vault.set_field(journey_id, name, value)
    return journey


async def end_journey(
    services: Services, caller: Caller, journey_id: str, kind: str, body: EndJourneyIn, update_id: str | None
) -> JourneyView:
    """`withdraw` (the worker withdrew, before departure), `cancel` (a supervisor's decision) or
    `close` (a supervisor's, as completed, once the reintegration programme is done)."""
    ref = await find_journey_to_change(services, caller, journey_id)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    command = EndJourney(reason=body.reason, expected_version=body.expected_version, actor=caller.actor)
    return await _update(services, caller, ref, kind, command, update_id)


async def record_employment_event(
    services: Services, caller: Caller, journey_id: str, body: EmploymentEventIn, update_id: str | None
) -> JourneyView:
    """Record a welfare check, remittance, contract extension or employer change during employment."""
    ref = await find_journey_to_change(services, caller, journey_id)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    command = RecordEmploymentEvent(
        kind=body.kind, data=body.data, expected_version=body.expected_version, actor=caller.actor
    )
    return await _update(services, caller, ref, "record_employment_event", command, update_id)


async def waive_rule(
    services: Services, caller: Caller, journey_id: str, body: WaiverIn, update_id: str | None
) -> JourneyView:
    """A supervisor's waiver of a rule that blocks the journey (a destination closed after its start)."""
    ref = await find_journey_to_change(services, caller, journey_id)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    command = WaiveRule(rule=body.rule, reason=body.reason, expected_version=body.expected_version, actor=caller.actor)
    return await _update(services, caller, ref, "waive_rule", command, update_id)


async def record_follow_up(
    services: Services, caller: Caller, journey_id: str, number: int, body: FollowUpIn, update_id: str | None
) -> JourneyView:
    """The officer's record of a reintegration follow-up that is due."""
    ref = await find_journey_to_change(services, caller, journey_id)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    command = RecordFollowUp(number=number, actor=caller.actor, **body.model_dump())
    return await _update(services, caller, ref, "record_follow_up", command, update_id)
