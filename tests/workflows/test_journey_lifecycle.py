"""Whole journeys on the time-skipping server: a two-year contract and a year of follow-ups in seconds."""

from datetime import timedelta

import pytest

from domain.contracts import EndJourney, NewEvent, RecordFollowUp
from domain.evolve import fold
from domain.view import journey_view
from store.event_store import GENESIS_HASH, event_hash
from tests.workflows.journeys import OFFICER, SUPERVISOR, drive_to_reintegration, start


async def stored_events(stack, journey_id: str) -> list[dict]:
    return await stack.events.read_all(journey_id)


def as_new_events(documents: list[dict]) -> list[NewEvent]:
    return [
        NewEvent.model_validate({k: d[k] for k in ("seq", "type", "version", "occurred_at", "actor", "data")})
        for d in documents
    ]


async def test_a_supervisor_closes_a_journey_as_completed_before_its_last_follow_up(wf_stack):
    handle = await start(wf_stack, "G2G")
    await drive_to_reintegration(wf_stack, handle, "G2G")
    close = EndJourney(reason="settled in her village; follow-ups waived", actor=SUPERVISOR)
    journey = await handle.execute_update("close", close, result_type=dict)
    assert (journey["status"], journey["outcome"]) == ("ended", "completed")
    assert (await handle.result())["outcome"] == "completed"


@pytest.mark.parametrize("scheme", ["P3MI", "G2G", "INDEPENDENT"])
async def test_a_journey_runs_from_registration_through_follow_ups_to_completed(wf_stack, scheme):
    handle = await start(wf_stack, scheme)
    journey = await drive_to_reintegration(wf_stack, handle, scheme)
    assert journey["status"] == "active"

    for number, days in ((1, 95), (2, 95), (3, 190)):  # each follow-up recorded as it falls due
        await wf_stack.env.sleep(timedelta(days=days))
        cmd = RecordFollowUp(number=number, reached=True, employed=True, actor=OFFICER)
        await handle.execute_update("record_follow_up", cmd, result_type=dict)
    result = await handle.result()
    assert result["status"] == "ended" and result["outcome"] == "completed"

    # The chain is over the events as stored, their personal values sealed; the fold is of them opened.
    sealed = await wf_stack.events.store.read_all(handle.id)
    documents = await stored_events(wf_stack, handle.id)
    assert [d["seq"] for d in documents] == list(range(1, len(documents) + 1))
    assert sealed[0]["data"]["worker"]["full_name"] != documents[0]["data"]["worker"]["full_name"]
    prev = GENESIS_HASH
    for d in sealed:
        assert d["prev_hash"] == prev
        body = {k: v for k, v in d.items() if k not in ("hash", "recorded_at")}
        assert d["hash"] == event_hash(prev, body)
        prev = d["hash"]
    types = [d["type"] for d in documents]
    assert types.count("FollowUpDue") == 3 and types[-1] == "JourneyEnded"
    # The worker is told by SMS that the employment step ended, once.
    [ended] = [d for d in documents if d["type"] == "EmploymentEnded"]
    key = f"{handle.id}:sms:{ended['seq']}"
    calls = (await wf_stack.simulator.get("/_calls", params={"system": "notify", "idempotency_key": key})).json()
    assert [c["effect"] for c in calls] == [True]
    # The auditor's replay: folding the stored events gives exactly the workflow's final state.
    replayed = fold(as_new_events(documents))
    assert journey_view(replayed).document() == result
