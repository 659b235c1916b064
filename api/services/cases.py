"""Protection cases (API.md, Protection cases): opening one on a journey, reading, listing, acting.

A case is its own workflow (`ProtectionCaseWorkflow`, workflow id = case id), a child of its
journey. Reads come from the case workflow's `state` query (never stale) and fall back to the
read model once the workflow is gone; lists come from the read model. A case outside the
caller's region answers 404, as if it did not exist.
"""

import contextlib
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import Response
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from ulid import ULID

from api.auth import SUPERVISORS, Caller
from api.schemas.cases import CaseActionIn, OpenCaseIn
from api.services import access
from api.services.container import Services
from api.services.errors import forbidden, not_found, not_in_state, unavailable
from api.services.journey_access import JourneyRef, find_journey, journey_ended, province_of, query_state
from api.services.journeys import read_model_page, stream_page
from api.services.reference import holidays_ahead
from api.services.temporal import refusal_of
from domain.case_rules import SUPERVISOR_ACTIONS, CaseView, first_response_overdue
from domain.contracts import Actor, CaseCommand, OpenCase, StartCase
from domain.errors import InvalidTransition, NotFound
from store.cases import CaseFilters

log = structlog.get_logger(__name__)
CASE_ID = re.compile(r"^c_[0-9A-Za-z]{1,64}$")


def _case_not_found() -> NotFound:
    return not_found("Case not found")


def _answer(case: dict[str, Any], now: datetime | None = None) -> CaseView:
    """The case as the API answers it, with `overdue` as the read model computes it (open, no first
    response, deadline passed)."""
    if "overdue" not in case:
        case = {**case, "overdue": first_response_overdue(case, now or datetime.now(UTC))}
    return CaseView.model_validate(case)


async def _query_case(handle: WorkflowHandle[Any, Any], wait_seconds: float) -> dict[str, Any]:
    """The case from its workflow (`journey_access.query_state`'s retries: right after the child starts,
    its first task may not have run); one still starting after `wait_seconds` is 503."""
    view = await query_state(handle, wait_seconds)
    if view.get("status") == "starting":
        raise unavailable("The case is starting; try again")
    return view


async def _find_case(
    services: Services, caller: Caller, case_id: str, wait_seconds: float = 5.0
) -> tuple[dict[str, Any], WorkflowHandle[Any, Any] | None]:
    """The case and its workflow handle (None when the workflow is gone), if the caller may see it; else 404."""
    if not CASE_ID.match(case_id):
        raise _case_not_found()
    structlog.contextvars.bind_contextvars(case_id=case_id)
    client = await services.temporal.client()
    handle = client.get_workflow_handle(case_id)
    try:
        case: dict[str, Any] | None = await _query_case(handle, wait_seconds)
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        case, handle = await services.cases.get(case_id), None
    if case is None or not caller.covers(case.get("province_code")):
        raise _case_not_found()
    return case, handle


async def open_case(
    services: Services, caller: Caller, journey_id: str, body: OpenCaseIn, update_id: str | None
) -> CaseView:
    """Open a case on the journey (update `open_case`), then answer with the case from its own workflow."""
    ref = await find_journey(services, caller, journey_id)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    case_id = f"c_{ULID()}"
    command = OpenCase(
        case_id=case_id,
        case_type=body.case_type,
        description=body.description,
        reported_via=body.reported_via,
        actor=caller.actor,
    )
    document = await services.read_model.get(journey_id)
    if document is not None and document.get("status") == "ended":
        case_id = await _open_after_the_end(services, caller, ref, document, body, update_id)
    else:
        try:
            journey = await services.temporal.update(ref.handle, "open_case", command, update_id)
        except WorkflowUpdateFailedError as exc:
            # Ended since the read model was written (or ended unfit, its workflow kept for a reopen).
            if not _refused_as_ended(exc):
                raise
            case_id = await _open_after_the_end(services, caller, ref, document or {}, body, update_id)
            journey = {"open_cases": [{"case_id": case_id}]}
        except RPCError as exc:
            # The journey's workflow has closed since the read model was written: it has ended.
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            document = await services.read_model.get(journey_id)
            if document is None or document.get("status") != "ended":
                raise journey_ended() from exc
            journey = {
                "open_cases": [{"case_id": await _open_after_the_end(services, caller, ref, document, body, update_id)}]
            }
        opened = [c.get("case_id") for c in journey.get("open_cases", [])]
        if case_id not in opened and opened:
            # A retry deduplicated by Temporal (same update id) answers the first attempt's journey,
            # whose case is the one it opened last.
            case_id = opened[-1]
    log.info("case_opened", case_id=case_id, case_type=body.case_type, reported_via=body.reported_via)
    client = await services.temporal.client()
    case = await _query_case(client.get_workflow_handle(case_id), wait_seconds=10.0)
    await access.record(services, caller, [journey_id], "case_open", access.CASE_FIELDS)
    return _answer(case)


def _refused_as_ended(exc: WorkflowUpdateFailedError) -> bool:
    """The journey's refusal of a change because it has ended (`journey_ended`'s answer)."""
    refusal = refusal_of(exc)
    return isinstance(refusal, InvalidTransition) and refusal.extra.get("state") == "ended"


async def _open_after_the_end(
    services: Services,
    caller: Caller,
    ref: JourneyRef,
    document: dict[str, Any],
    body: OpenCaseIn,
    update_id: str | None,
) -> str:
    """An officer's case on a journey that has ended: an erased one takes none (its key, under which
    the case's events would be sealed, is destroyed). With an `Idempotency-Key` the case id comes from
    it, so a retry finds the case the first attempt started."""
    if document.get("personal_data") == "erased":
        raise not_in_state("The journey's personal data is erased", "erased")
    case_id = _case_id(f"{ref.journey_id}:{update_id}") if update_id else f"c_{ULID()}"
    province = ref.province_code or province_of(document) or ""
    await start_case_after_the_end(
        services,
        case_id,
        ref.journey_id,
        province,
        body.case_type,
        body.description,
        body.reported_via,
        caller.actor,
        document.get("p3mi_id"),
    )
    return case_id


def _case_id(seed: str) -> str:
    return f"c_{hashlib.sha256(seed.encode()).hexdigest()[:26]}"


async def start_case_after_the_end(
    services: Services,
    case_id: str,
    journey_id: str,
    province_code: str,
    case_type: str,
    description: str,
    reported_via: str,
    actor: Actor,
    p3mi_id: str | None,
) -> None:
    """A case on a journey that has ended (DOMAIN.md: a case can be opened on any journey; unpaid wages
    and social-security claims often come after the return). Its workflow is started here, as the
    journey's workflow would have, since that one has closed; a second start of one id is a no-op."""
    start = StartCase(
        case_id=case_id,
        journey_id=journey_id,
        case_type=case_type,
        description=description,
        reported_via=reported_via,
        province_code=province_code,
        actor=actor,
        policy=services.settings.policy(),
        p3mi_id=p3mi_id,
    )
    client = await services.temporal.client()
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            "ProtectionCaseWorkflow",
            start,
            id=case_id,
            task_queue=services.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )


def complaint_case_id(source: str, event_id: str) -> str:
    """The case a complaint on an ended journey opens: one per delivered event, whatever the retries."""
    return _case_id(f"{source}/{event_id}")


async def get_case(services: Services, caller: Caller, case_id: str) -> CaseView:
    case, _ = await _find_case(services, caller, case_id)
    await access.record(services, caller, [case.get("journey_id")], "case", access.CASE_FIELDS)
    return _answer(case)


async def list_cases(
    services: Services, caller: Caller, filters: dict[str, Any], limit: int, cursor: str | None
) -> Response:
    """Cases from the read model, limited to the caller's region; `overdue=true` is the supervisor's queue."""
    return await read_model_page(services.cases, CaseFilters, caller, filters, limit, cursor)


async def case_action(
    services: Services, caller: Caller, case_id: str, body: CaseActionIn, update_id: str | None
) -> CaseView:
    """One action on a case (update `case_action`) with the caller as actor. The region is checked first
    (404), then the role: `escalate` and `close` are for supervisors (403) — the workflow checks again."""
    case, handle = await _find_case(services, caller, case_id)
    if body.action in SUPERVISOR_ACTIONS and caller.role not in SUPERVISORS:
        raise forbidden(f"Only a supervisor may {body.action} a case")
    if handle is None:
        raise not_in_state("The case is closed", case.get("status") or "closed")
    command = CaseCommand(
        action=body.action,
        note=body.note,
        expected_version=body.expected_version,
        to=body.to,
        track=body.track,
        resolution=body.resolution,
        actor=caller.actor,
        holidays=await holidays_ahead(services, services.settings.policy().case_clarification_working_days)
        if body.action == "request_clarification"
        else [],
    )
    try:
        view = await services.temporal.update(handle, "case_action", command, update_id)
    except RPCError as exc:
        # The case's workflow has completed (a closed case) between the read and the update.
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise not_in_state("The case is closed", "closed") from exc
        raise
    log.info("case_action", action=body.action, status=view.get("status"))
    await access.record(services, caller, [case.get("journey_id")], "case_action", access.CASE_FIELDS)
    return _answer(view)


async def list_case_events(
    services: Services, caller: Caller, case_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The case's own event stream, oldest first (the same shape and hash chain as a journey's). Like a
    journey's events, they need only the database: the region check uses the read model."""
    if not CASE_ID.match(case_id):
        raise _case_not_found()
    case = await services.cases.get(case_id)
    if case is None:  # not projected yet: only its workflow knows it
        case, _ = await _find_case(services, caller, case_id)
    if not caller.covers(case.get("province_code")):
        raise _case_not_found()
    page = await stream_page(services, case_id, limit, cursor)
    await access.record(services, caller, [case.get("journey_id")], "case_events", access.CASE_FIELDS)
    return page
