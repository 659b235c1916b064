"""The retry policy of `activities.retry` with a real worker on the time-skipping test server."""

import uuid

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from activities.bpjs import BpjsActivities
from activities.dukcapil import DukcapilActivities
from activities.retry import GOV_REJECTED
from domain.contracts import JourneyCall, NikVerification, RequestAcknowledged
from tests.activities.harness import calls_for, effects_for
from tests.activities.retrying_workflows import EnrolInBpjs, VerifyNik


def _worker(time_env, gov_client, vault) -> Worker:
    return Worker(
        time_env.client,
        task_queue=f"gov-{uuid.uuid4().hex}",
        workflows=[EnrolInBpjs, VerifyNik],
        activities=[
            BpjsActivities(gov_client).request_enrolment,
            DukcapilActivities(gov_client, vault.lookup).verify_nik,
        ],
    )


async def test_a_workflow_waits_out_an_outage_and_bpjs_enrols_once(time_env, gov_client, sim, vault, new_key):
    await sim.put("/_config/bpjs", json={"fail_next": 2})
    call = JourneyCall(journey_id=vault.add(), idempotency_key=new_key("social_security"))

    async with _worker(time_env, gov_client, vault) as worker:
        result = await time_env.client.execute_workflow(
            EnrolInBpjs.run, call, id=call.journey_id, task_queue=worker.task_queue
        )

    assert isinstance(result, RequestAcknowledged)
    assert await effects_for(sim, "bpjs", call.idempotency_key) == 1
    assert len(await calls_for(sim, "bpjs", call.idempotency_key)) >= 3


async def test_a_nik_mismatch_in_a_workflow_asks_dukcapil_once(time_env, gov_client, sim, vault, new_key):
    call = JourneyCall(journey_id=vault.add(nik="3374015501959999"), idempotency_key=new_key("registration"))

    async with _worker(time_env, gov_client, vault) as worker:
        result = await time_env.client.execute_workflow(
            VerifyNik.run, call, id=call.journey_id, task_queue=worker.task_queue
        )

    assert result == NikVerification(verified=False, reason="NIK not found in civil registry")
    assert len(await calls_for(sim, "dukcapil", call.idempotency_key)) == 1


async def test_a_refusal_in_a_workflow_is_not_retried(time_env, gov_client, sim, vault, new_key):
    call = JourneyCall(journey_id=vault.add(nik="12345"), idempotency_key=new_key("registration"))

    async with _worker(time_env, gov_client, vault) as worker:
        with pytest.raises(WorkflowFailureError) as failed:
            await time_env.client.execute_workflow(
                VerifyNik.run, call, id=call.journey_id, task_queue=worker.task_queue
            )

    assert isinstance(failed.value.cause, ActivityError)
    assert isinstance(failed.value.cause.cause, ApplicationError)
    assert failed.value.cause.cause.type == GOV_REJECTED
    assert len(await calls_for(sim, "dukcapil", call.idempotency_key)) == 1
