"""End to end: the worker stops in the middle of a journey; nothing sent meanwhile is lost."""

import asyncio

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
        medical = {"clinic_id": "CLN-1", "result": "fit", "examined_at": TODAY.isoformat()}
        r = await stack.webhook("clinic", event(jid, "medical.result", medical))
        assert r.status_code == 202, r.text
        r = await stack.webhook("clinic", {**event(jid, "medical.result", medical), "nik": nik, "journey_id": None})
        assert r.status_code == 202, r.text
        # An officer's action waits for a worker to take it (no expected_version: the signal above is
        # applied first when the worker returns).
        consent = {"evidence": {"consent_ref": "FC-9", "village": "Sumberejo"}}
        pending = asyncio.create_task(
            stack.api.post(f"/v1/journeys/{jid}/steps/family_consent/complete", json=consent, headers=stack.auth())
        )
        await asyncio.sleep(2.0)
        assert not pending.done(), "without a worker the update cannot have been applied"
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
