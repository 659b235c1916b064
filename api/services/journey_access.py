"""Finding a journey and checking the caller may see it, without needing a running worker.

The journey's province and scheme are search attributes set when it starts, so
`describe` (answered by the Temporal server alone) is enough for the region check;
the read model and then the workflow query are fallbacks.
"""

import asyncio
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller
from api.errors import ApiError, not_found
from api.services.container import Services
from workflows import search_attributes as sa

JOURNEY_ID = re.compile(r"^j_[0-9A-Za-z]{1,64}$")


@dataclass(frozen=True)
class JourneyRef:
    """A journey the caller may see: its workflow handle, province and scheme."""

    journey_id: str
    handle: WorkflowHandle[Any, Any]
    province_code: str | None
    scheme: str | None


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


async def query_state(handle: WorkflowHandle[Any, Any], wait_seconds: float = 10.0) -> dict[str, Any]:
    """The journey from the workflow itself. Right after start the first workflow task may not have run
    yet, so a failed query is retried briefly."""
    deadline = asyncio.get_running_loop().time() + wait_seconds
    while True:
        try:
            state = await handle.query("state", result_type=dict, rpc_timeout=timedelta(seconds=wait_seconds))
            # Before its first event the workflow answers {"status": "starting"}: not yet a journey.
            if state.get("status") != "starting" or asyncio.get_running_loop().time() >= deadline:
                return state
        except (WorkflowQueryFailedError, RPCError) as exc:
            if isinstance(exc, RPCError) and exc.status == RPCStatusCode.NOT_FOUND:
                raise
            if asyncio.get_running_loop().time() >= deadline:
                raise
        await asyncio.sleep(0.2)


class RetainedJourney:
    """Stands in for the handle of a journey whose workflow is gone (Temporal retention) but whose
    read-model document remains: reads answer the document; changes are refused as the journey has ended."""

    def __init__(self, journey_id: str, document: dict[str, Any]) -> None:
        self.id = journey_id
        self.document = document

    async def query(self, name: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.document

    async def execute_update(self, *args: Any, **kwargs: Any) -> Any:
        raise ApiError(409, "INVALID_TRANSITION", "The journey has ended", state="ended")


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
        province = _get(row, "province_code") or _get(_get(row, "worker"), "province_code")
        caller.check_journey_region(province)
        return JourneyRef(journey_id, RetainedJourney(journey_id, row), province, _get(row, "scheme"))  # type: ignore[arg-type]
    attrs = description.typed_search_attributes
    province, scheme = attrs.get(sa.PROVINCE), attrs.get(sa.JOURNEY_SCHEME)
    if province is None or scheme is None:
        row = await services.read_model.get(journey_id)
        province = province or _get(row, "province_code") or _get(_get(row, "worker"), "province_code")
        scheme = scheme or _get(row, "scheme")
    if province is None or scheme is None:
        state = await query_state(handle)
        province = province or (state.get("worker") or {}).get("province_code")
        scheme = scheme or state.get("scheme")
    caller.check_journey_region(province)
    return JourneyRef(journey_id, handle, province, scheme)


async def stale_claim(services: Services, journey_id: str) -> bool:
    """A journey ended as medically_unfit holds its NIK while a supervisor may reopen it, that is while
    its workflow still runs; once the workflow has closed, the claim is stale."""
    doc = await services.read_model.get(journey_id)
    if not doc or doc.get("status") != "ended" or doc.get("outcome") != "medically_unfit":
        return False
    client = await services.temporal.client()
    try:
        description = await client.get_workflow_handle(journey_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:  # closed long ago and past its retention
            return True
        raise
    return description.status != WorkflowExecutionStatus.RUNNING
