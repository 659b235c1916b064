"""Erasure of a worker's personal data under the audit duty (docs/privacy.md): crypto-shredding.

`POST /v1/journeys/{id}/erase` (admin) takes an ended journey whose workflows (its own and its cases')
have all closed, and destroys the keys of its streams, so every value sealed under them (events, the
inbox, stored answers, archived histories) is unreadable for good. Its vault row goes (and with it the
NIK's hash: search no longer finds it), its read-model documents are rewritten erased, and its runs are
deleted from Temporal. The events, their hashes, the chains and the signed checkpoints stay as they
were and still verify. Each step is idempotent: an erasure cut short by an outage is finished by
asking again.
"""

from typing import Any

import structlog
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller
from api.services import access
from api.services.audit import case_documents
from api.services.container import Services
from api.services.errors import not_in_state
from api.services.journey_access import describe_or_none, find_in_store
from domain.errors import RuleViolation
from store.timefmt import now_text

log = structlog.get_logger(__name__)
ERASE_FIELDS = (*access.PERSONAL_DATA_FIELDS, "evidence", "free_text", "workflow_histories")


async def _open_workflows(client: Any, workflow_ids: list[str]) -> list[str]:
    """Which of these workflows still run (a journey ended as medically unfit can be reopened; a case
    may outlive its journey)."""
    running = []
    for workflow_id in workflow_ids:
        description = await describe_or_none(client, workflow_id)
        # None: gone from Temporal already (retention, or an erasure cut short).
        if description is not None and description.status == WorkflowExecutionStatus.RUNNING:
            running.append(workflow_id)
    return running


async def _delete_runs(client: Any, workflow_ids: list[str]) -> int:
    """Delete every run of these workflows from Temporal; how many were deleted."""
    deleted = 0
    for workflow_id in workflow_ids:
        runs = [e.run_id async for e in client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        for run_id in runs:
            request = DeleteWorkflowExecutionRequest(
                namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id)
            )
            try:
                await client.workflow_service.delete_workflow_execution(request)
                deleted += 1
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
    return deleted


async def erase(services: Services, caller: Caller, journey_id: str) -> dict[str, Any]:
    """Erase the journey's personal data; the answer says what was erased."""
    await find_in_store(services, caller, journey_id)
    journey = await services.read_model.get(journey_id)
    if journey is None or journey.get("status") != "ended":
        state = journey.get("status", "active") if journey else "active"
        raise not_in_state("Only an ended journey can be erased", state)
    streams = [journey_id, *(c["case_id"] for c in await case_documents(services, journey_id))]
    client = await services.temporal.client()
    running = await _open_workflows(client, streams)
    if running:
        raise RuleViolation(
            "workflows_still_open",
            "The journey or one of its cases is still open in its workflow; it can be erased once closed",
        )
    for stream_id in streams:
        await services.journey_keys.erase(stream_id)
    await services.vault.delete(journey_id)
    await services.read_model.mark_erased(journey_id)
    await services.cases.mark_erased(streams[1:])
    deleted = await _delete_runs(client, streams)
    await access.record(services, caller, [journey_id], "erase", ERASE_FIELDS)
    log.info("journey_erased", streams=len(streams), runs_deleted=deleted)
    return {
        "journey_id": journey_id,
        "personal_data": "erased",
        "erased_at": now_text(),
        "streams": streams,
        "workflow_runs_deleted": deleted,
    }
