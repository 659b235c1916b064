"""Follow-ups as tasks through Temporal (issue 9, item 10): due on a timer, recorded by an update,
overdue on a timer, and the journey completes once each is recorded."""

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.contracts import RecordFollowUp
from tests.workflows.journeys import OFFICER, drive_to_reintegration, start, view


async def record(handle, number: int, **outcome) -> dict:
    cmd = RecordFollowUp(number=number, actor=OFFICER, **({"reached": True} | outcome))
    return await handle.execute_update("record_follow_up", cmd, result_type=dict)


async def test_follow_ups_become_tasks_are_recorded_flag_when_late_and_complete_the_journey(wf_stack):
    handle = await start(wf_stack, "G2G")
    await drive_to_reintegration(wf_stack, handle, "G2G")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await record(handle, 1)
    assert refused.value.cause.details[0]["state"] == "not_due"
    await wf_stack.env.sleep(timedelta(days=93))
    journey = await view(handle)
    assert [(f["number"], f["status"]) for f in journey["follow_ups"]] == [(1, "due")]
    journey = await record(handle, 1, employed=True, needs_help=False, note="works at a garment factory")
    assert journey["follow_ups"][0]["status"] == "recorded"
    assert journey["follow_ups"][0]["outcome"]["employed"] is True
    await wf_stack.env.sleep(timedelta(days=110))  # the second is due at six months, and left late
    journey = await view(handle)
    assert "follow_up_overdue" in journey["flags"]
    journey = await record(handle, 2, reached=False, note="moved to Batam")
    assert "follow_up_overdue" not in journey["flags"]
    await wf_stack.env.sleep(timedelta(days=190))
    journey = await view(handle)
    assert journey["status"] == "active"  # the last one is due, not yet recorded
    await record(handle, 3, business_running=True)
    result = await handle.result()
    assert result["outcome"] == "completed"
