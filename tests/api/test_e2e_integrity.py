"""End to end: what is refused or repeated leaves no trace — not in the journey, not in the PII vault —
and an event for an ended journey is kept, not lost."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from store.pii import PiiVault
from tests.api.stack import Stack, new_nik, stack_per_database, step_is
from tests.api.test_e2e_journey import TODAY, act, event, start, start_body
from tests.polling import eventually


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def stack(request, dev_env, tmp_path_factory) -> AsyncIterator[Stack]:
    """A stack of this file's own: one test stops the worker, and the session's stack has other files'
    journeys in flight whose writes that would cut short (a start right after once waited out
    SQLite's busy timeout: the lock outlived the worker's stop)."""
    async with stack_per_database(request.param, dev_env.client, tmp_path_factory.mktemp("e2e-integrity")) as s:
        yield s


def vault(stack: Stack) -> PiiVault:
    return PiiVault(stack.engine, stack.settings.pii_key)


async def test_a_refused_step_action_does_not_touch_the_vault(stack: Stack):
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))
    # The passport step needs family consent first: refused, and its number must not be kept.
    r = await stack.api.post(
        f"/v1/journeys/{jid}/steps/passport/complete",
        json={"evidence": {"passport_no": "Z1111111", "expires_at": "2035-01-01"}},
        headers=stack.auth(),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_TRANSITION", r.text
    assert "Z1111111" not in r.text
    assert (await vault(stack).get(jid)).passport_no is None


async def test_a_repeated_webhook_is_a_duplicate_whatever_its_body_and_changes_nothing(stack: Stack):
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))
    await act(stack, jid, "family_consent", {"consent_ref": "FC-4", "village": "Kemiri"})
    first = event(jid, "passport.issued", {"passport_no": "A2222222", "expires_at": "2036-01-01"}, "imi-dup-1")
    assert (await stack.webhook("imigrasi", first)).status_code == 202
    again = {**first, "data": {"passport_no": "B3333333", "expires_at": "2036-01-01"}}
    r = await stack.webhook("imigrasi", again)
    assert r.status_code == 200 and r.json() == {"status": "duplicate", "journey_id": jid}
    bogus = {**first, "type": "bogus", "journey_id": "j_00000000000000000000000000"}
    r = await stack.webhook("imigrasi", bogus)
    assert r.status_code == 200 and r.json() == {"status": "duplicate", "journey_id": jid}
    # The duplicate's number never lands (the simulator's own passport.issued, a different event, may).
    assert (await vault(stack).get(jid)).passport_no != "B3333333"
    journey = await stack.wait_for(jid, step_is("passport", "completed"))
    passport = next(s for s in journey["steps"] if s["step"] == "passport")
    assert passport["evidence"]["passport_no"] != "B*****33"


async def test_an_event_for_an_ended_journey_is_accepted_and_kept(stack: Stack):
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))
    r = await stack.api.post(f"/v1/journeys/{jid}/withdraw", json={"reason": "changed mind"}, headers=stack.auth())
    assert r.status_code == 200, r.text
    handle = stack.client.get_workflow_handle(jid)
    await asyncio.wait_for(handle.result(), 30)
    medical = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": TODAY.isoformat()}
    r = await stack.webhook("clinic", event(jid, "medical.result", medical, "clinic-late-1"))
    assert r.status_code == 202 and r.json() == {"status": "accepted", "journey_id": jid}, r.text
    r = await stack.webhook("clinic", event(jid, "medical.result", medical, "clinic-late-1"))
    assert r.status_code == 200 and r.json()["status"] == "duplicate"


async def test_the_state_as_of_needs_a_zoned_time_and_an_existing_event(stack: Stack):
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    journey = await stack.wait_for(jid, step_is("registration", "completed"))
    auditor = stack.auth("auditor", "*")
    r = await stack.api.get(f"/v1/journeys/{jid}/state", params={"as_of": "2026-01-01T00:00:00"}, headers=auditor)
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["as_of"], r.text
    r = await stack.api.get(f"/v1/journeys/{jid}/state", params={"seq": journey["version"] + 1000}, headers=auditor)
    assert r.status_code == 404


async def test_an_event_whose_data_breaks_its_steps_field_rules_is_malformed(stack: Stack):
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    medical = {"clinic_id": "CLN-3374-01", "result": "maybe-unfit", "examined_at": TODAY.isoformat()}
    r = await stack.webhook("clinic", event(jid, "medical.result", medical))
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["data.result"], r.text
    assert "maybe-unfit" not in r.text
    complaint = event(jid, "complaint.filed", {"case_type": "gossip", "description": "x"})
    r = await stack.webhook("hotline", complaint)
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["data.case_type"], r.text


async def test_a_journey_started_while_no_worker_runs_is_answered_in_full_and_then_runs(stack: Stack):
    await stack.stop_worker()
    try:
        r = await stack.api.post("/v1/journeys", json=start_body(new_nik(), None, "G2G"), headers=stack.auth())
    finally:
        await stack.start_worker()
    assert r.status_code == 201, r.text
    journey = r.json()
    assert journey["version"] == 1 and journey["worker"]["nik_masked"].startswith("33")
    assert {s["step"]: s["state"] for s in journey["steps"]}["registration"] == "available"
    await stack.wait_for(journey["journey_id"], step_is("registration", "completed"))


async def test_the_journey_a_start_answers_is_the_one_its_workflow_makes(stack: Stack):
    """The API answers a start without waiting for the journey's first workflow task, from the same
    fold at the same time (`requested_at`): what the workflow then holds is that journey, to the
    millisecond, here for a worker under age whose registration the first task refuses at once."""
    body = start_body(new_nik(), None, "G2G")
    body["worker"]["birth_date"] = TODAY.replace(year=TODAY.year - 17).isoformat()
    await stack.stop_worker()
    try:
        r = await stack.api.post("/v1/journeys", json=body, headers=stack.auth())
    finally:
        await stack.start_worker()
    assert r.status_code == 201, r.text
    answered = r.json()
    assert {s["step"]: s["state"] for s in answered["steps"]}["registration"] == "rejected"
    jid = answered["journey_id"]
    await stack.wait_for(jid, step_is("registration", "rejected"))
    held = await stack.api.get(f"/v1/journeys/{jid}", headers=stack.auth())
    assert held.status_code == 200, held.text
    assert held.json() == answered
    events = (await stack.api.get(f"/v1/journeys/{jid}/events", headers=stack.auth())).json()["items"]
    assert [e["type"] for e in events] == ["JourneyStarted", "StepRejected"]
    assert {e["occurred_at"] for e in events} == {answered["started_at"]}


async def test_an_action_in_the_journeys_first_workflow_task_finds_the_journey_opened(stack: Stack):
    """A start is answered before any worker has run the journey, so the next action can reach the
    workflow in the same first task as its start, and its handler runs before `run` does: the
    journey is opened in the workflow's `__init__`, and the action finds it."""
    await stack.stop_worker()
    try:
        started = await stack.api.post("/v1/journeys", json=start_body(new_nik(), None, "G2G"), headers=stack.auth())
        assert started.status_code == 201, started.text
        jid = started.json()["journey_id"]
        withdraw = asyncio.create_task(
            stack.api.post(f"/v1/journeys/{jid}/withdraw", json={"reason": "changed her mind"}, headers=stack.auth())
        )
        await asyncio.sleep(1)  # the update waits at the server for the journey's first task
    finally:
        await stack.start_worker()
    r = await withdraw
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ended" and r.json()["outcome"] == "withdrawn"

    async def stored() -> list[str]:
        r = await stack.api.get(f"/v1/journeys/{jid}/events", headers=stack.auth())
        return [e["type"] for e in r.json()["items"]]

    types = await eventually(stored, lambda types: "JourneyEnded" in types, what="the withdrawal stored")
    assert types[0] == "JourneyStarted"
