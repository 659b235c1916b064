"""Finding a journey and checking the caller may see it, without needing a running worker.

The journey's province and scheme are search attributes set when it starts, so
`describe` (answered by the Temporal server alone) is enough for the region check;
the read model and then the workflow query are fallbacks.

Reads that need only the database (events, state as of, the chain part of verify, export) check
the region against the read model instead (`find_in_store`), so they keep working while Temporal
is down.
"""

import asyncio
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller
from api.services.container import Services
from api.services.errors import not_found, not_in_state
from domain.errors import InvalidTransition
from store.timefmt import format_time
from workflows import search_attributes as sa

JOURNEY_ID = re.compile(r"^j_[0-9A-Za-z]{1,64}$")


@dataclass(frozen=True)
class JourneyRef:
    """A journey the caller may see: its workflow handle (None when found in the store alone),
    province and scheme."""

    journey_id: str
    handle: WorkflowHandle[Any, Any] | None
    province_code: str | None
    scheme: str | None


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


async def query_state(handle: WorkflowHandle[Any, Any], wait_seconds: float) -> dict[str, Any]:
    """The journey from the workflow itself, within `wait_seconds` in all. Right after start the first
    workflow task may not have run yet, so a failed query is retried until then."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        remaining = max(deadline - loop.time(), 0.05)
        try:
            state = await handle.query("state", result_type=dict, rpc_timeout=timedelta(seconds=remaining))
            # Before its first event the workflow answers {"status": "starting"}: not yet a journey.
            if state.get("status") != "starting" or loop.time() >= deadline:
                return state
        except (WorkflowQueryFailedError, RPCError) as exc:
            if isinstance(exc, RPCError) and exc.status == RPCStatusCode.NOT_FOUND:
                raise
            if loop.time() >= deadline:
                raise
        await asyncio.sleep(min(0.2, max(deadline - loop.time(), 0)))


def journey_ended() -> InvalidTransition:
    """A change to a journey that has ended (its workflow closed, or gone): 409 with `state` `ended`."""
    return not_in_state("The journey has ended", "ended")


class RetainedJourney:
    """Stands in for the handle of a journey whose workflow is gone (Temporal retention) but whose
    read-model document remains: reads answer the document; changes are refused as the journey has ended."""

    def __init__(self, journey_id: str, document: dict[str, Any]) -> None:
        self.id = journey_id
        self.document = document

    async def query(self, name: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.document

    async def execute_update(self, *args: Any, **kwargs: Any) -> Any:
        raise journey_ended()


def province_of(row: Any) -> str | None:
    return _get(row, "province_code") or _get(_get(row, "worker"), "province_code")


async def find_in_store(services: Services, caller: Caller, journey_id: str) -> JourneyRef:
    """`find_journey` for reads that need only the database: the region check uses the read model, so
    Temporal being down does not matter. A journey not projected yet (started, but no worker has run
    its first task) is known to Temporal alone, which is asked then."""
    if not JOURNEY_ID.match(journey_id):
        raise not_found("Journey not found")
    row = await services.read_model.get(journey_id)
    if row is None:
        return await find_journey(services, caller, journey_id)
    caller.check_journey_region(province_of(row))
    return JourneyRef(journey_id, None, province_of(row), _get(row, "scheme"))


async def find_journey(services: Services, caller: Caller, journey_id: str) -> JourneyRef:
    """The journey when it exists and lies in the caller's region; else 404 `NOT_FOUND`."""
    if not JOURNEY_ID.match(journey_id):
        raise not_found("Journey not found")
    client = await services.temporal.client()
    handle = client.get_workflow_handle(journey_id)
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        row = await services.read_model.get(journey_id)
        if row is None:
            raise not_found("Journey not found") from exc
        caller.check_journey_region(province_of(row))
        return JourneyRef(journey_id, RetainedJourney(journey_id, row), province_of(row), _get(row, "scheme"))  # type: ignore[arg-type]
    attrs = description.typed_search_attributes
    province, scheme = attrs.get(sa.PROVINCE), attrs.get(sa.JOURNEY_SCHEME)
    if province is None or scheme is None:
        row = await services.read_model.get(journey_id)
        province = province or province_of(row)
        scheme = scheme or _get(row, "scheme")
    if province is None or scheme is None:
        state = await query_state(handle, services.settings.temporal_rpc_timeout_seconds)
        province = province or (state.get("worker") or {}).get("province_code")
        scheme = scheme or state.get("scheme")
    caller.check_journey_region(province)
    return JourneyRef(journey_id, handle, province, scheme)


async def find_journey_to_change(services: Services, caller: Caller, journey_id: str) -> JourneyRef:
    """`find_journey` for a change: the region is checked on the read model's row (`find_in_store`: a
    province never changes), so a change costs no `describe` of the workflow first. A journey not
    projected yet is found as `find_journey` finds it; one whose workflow is gone is refused by the
    update itself (`journey_actions._update`: the journey has ended)."""
    ref = await find_in_store(services, caller, journey_id)
    if ref.handle is not None:  # not projected yet: Temporal was asked, and answered with its handle
        return ref
    client = await services.temporal.client()
    return replace(ref, handle=client.get_workflow_handle(journey_id))


async def describe_or_none(client: Client, workflow_id: str) -> WorkflowExecutionDescription | None:
    """The workflow's description, or None when Temporal says it has no such workflow (NOT_FOUND:
    never started, or gone past its retention); any other failure is raised."""
    try:
        return await client.get_workflow_handle(workflow_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


async def release_if_left_behind(services: Services, journey_id: str) -> bool:
    """Release the NIK claim of `journey_id` if it was left behind; True when it was. The claim is
    `store.identity`'s and the journey's workflow releases it when it closes for good (a closing effect,
    after any reopen window), so a claim stands while its workflow runs. Left behind are:
    - a claim whose workflow closed without releasing it: terminated by an operator, or closed before
      journeys released their own NIK (past its retention, only the read model still knows it);
    - a start that claimed the NIK but whose workflow never started (Temporal failed it, and could not be
      asked afterwards): a claim that nothing knows, stale once older than any start in flight.
    An active journey's claim stands without asking Temporal."""
    if await _left_behind(services, journey_id):
        await services.identity.release(journey_id)
        return True
    return False


async def _left_behind(services: Services, journey_id: str) -> bool:
    doc = await services.read_model.get(journey_id)
    if doc is not None and doc.get("status") != "ended":
        return False
    description = await describe_or_none(await services.temporal.client(), journey_id)
    if description is None:
        if doc is not None:  # closed long ago and past its retention
            return True
        return await _claim_older_than_a_start(services, journey_id)
    return description.status != WorkflowExecutionStatus.RUNNING


async def _claim_older_than_a_start(services: Services, journey_id: str) -> bool:
    # A start claims, then calls Temporal within its RPC deadline: past three of them it is over.
    claimed_at = await services.identity.claimed_at(journey_id)
    settings = services.settings
    grace = timedelta(seconds=3 * settings.temporal_rpc_timeout_seconds + settings.database_timeout_seconds)
    return claimed_at is not None and claimed_at < format_time(datetime.now(UTC) - grace)
