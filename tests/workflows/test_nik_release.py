"""One owner of the one-active-journey-per-NIK rule (issue 9, item 12): the claim is `store.identity`'s,
and a journey's workflow releases it when it closes for good (`domain.reactions.closing_effects`),
whatever the outcome: not when the read model stores the end, and not before an unfit journey's reopen
window has passed. On the time-skipping server with the real worker and store."""

from datetime import timedelta

import pytest

from domain.contracts import EndJourney
from tests.workflows.journeys import (
    OFFICER,
    SUPERVISOR,
    act,
    drive_to_reintegration,
    fit_result,
    holds_nik,
    start,
    wait_step,
)


@pytest.mark.parametrize(
    ("update", "actor", "outcome"),
    [("withdraw", OFFICER, "withdrawn"), ("cancel", SUPERVISOR, "cancelled")],
)
async def test_a_journey_ended_before_departure_releases_the_nik_as_its_workflow_closes(
    wf_stack, update, actor, outcome
):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    assert await holds_nik(wf_stack, handle)
    end = EndJourney(reason="the worker changed her plans", actor=actor)
    await handle.execute_update(update, end, result_type=dict)
    assert (await handle.result())["outcome"] == outcome
    assert not await holds_nik(wf_stack, handle)


async def test_a_completed_journey_releases_the_nik(wf_stack):
    handle = await start(wf_stack, "G2G")
    await drive_to_reintegration(wf_stack, handle, "G2G")
    assert await holds_nik(wf_stack, handle)
    close = EndJourney(reason="settled in her village", actor=SUPERVISOR)
    await handle.execute_update("close", close, result_type=dict)
    assert (await handle.result())["outcome"] == "completed"
    assert not await holds_nik(wf_stack, handle)


async def test_an_unfit_journey_keeps_the_nik_through_its_reopen_window_then_releases_it(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    now = await wf_stack.env.get_current_time()
    journey = await act(handle, "medical_check", {**fit_result(now), "result": "unfit"})
    assert journey["outcome"] == "medically_unfit"
    await wf_stack.env.sleep(timedelta(days=29))  # a supervisor may still reopen the check
    assert await holds_nik(wf_stack, handle)
    await wf_stack.env.sleep(timedelta(days=2))
    assert (await handle.result())["outcome"] == "medically_unfit"
    assert not await holds_nik(wf_stack, handle)
