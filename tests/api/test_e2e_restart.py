"""End to end: the worker stops in the middle of a journey; nothing sent meanwhile is lost."""

import asyncio

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import UpdateWorkflowExecutionLifecycleStage as Stage
from temporalio.api.update.v1 import UpdateRef, WaitPolicy
from temporalio.api.workflowservice.v1 import PollWorkflowExecutionUpdateRequest
from temporalio.service import RPCError, RPCStatusCode

from api.idempotency import update_id_for
from tests.api.stack import Stack, new_nik, step_is, step_states
from tests.api.test_e2e_journey import TODAY, event, start
from tests.polling import eventually


async def test_a_worker_restart_mid_journey_loses_nothing(stack: Stack):
    nik = new_nik()
    jid = (await start(stack, nik, None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))

    await stack.stop_worker()
    try:
        # The API still answers what needs no worker, and the server keeps the signal.
        medical = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": TODAY.isoformat()}
        r = await stack.webhook("clinic", event(jid, "medical.result", medical))
        assert r.status_code == 202, r.text
        r = await stack.webhook("clinic", {**event(jid, "medical.result", medical), "nik": nik, "journey_id": None})
        assert r.status_code == 202, r.text
        # An officer's action waits for a worker to take it (no expected_version: the signal above is
        # applied first when the worker returns).
        consent = {"evidence": {"consent_ref": "FC-9", "village": "Sumberejo"}}
        path = f"/v1/journeys/{jid}/steps/family_consent/complete"
        headers = {**stack.auth(), "Idempotency-Key": "restart-consent"}
        pending = asyncio.create_task(stack.api.post(path, json=consent, headers=headers))
        # Temporal holds the update, admitted and no further: no worker has accepted or applied it.
        update_id = update_id_for(f"officer-33 POST {path}", "restart-consent")
        stage = await eventually(lambda: _update_stage(stack, jid, update_id), lambda s: s is not None, within=30)
        assert stage == Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED
        assert not pending.done()
    finally:
        await stack.start_worker()

    r = await asyncio.wait_for(pending, 60)
    assert r.status_code == 200, r.text
    assert step_states(r.json())["family_consent"] == "completed"
    after = await stack.wait_for(jid, step_is("medical_check", "completed"))
    assert step_states(after)["family_consent"] == "completed"

    # The store is written by the worker's activity just after the workflow: wait until it has caught up.
    async def stored() -> list[dict]:
        return (await stack.api.get(f"/v1/journeys/{jid}/events?limit=500", headers=stack.auth())).json()["items"]

    events = await eventually(stored, lambda es: es and es[-1]["seq"] >= after["version"], what="the store caught up")
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    types = [e["type"] for e in events]
    assert types.count("StepCompleted") >= 3


async def _update_stage(stack: Stack, workflow_id: str, update_id: str) -> int | None:
    """How far Temporal has taken the update (without waiting for more), or None before it is admitted."""
    request = PollWorkflowExecutionUpdateRequest(
        namespace=stack.client.namespace,
        update_ref=UpdateRef(workflow_execution=WorkflowExecution(workflow_id=workflow_id), update_id=update_id),
        identity="test",
        wait_policy=WaitPolicy(lifecycle_stage=Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED),
    )
    try:
        return (await stack.client.workflow_service.poll_workflow_execution_update(request)).stage
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
