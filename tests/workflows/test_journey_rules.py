"""Timers, integration evidence and refusals of the journey workflow on the time-skipping server."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.contracts import EndJourney
from store.reference import ReferenceData
from tests.polling import eventually
from tests.workflows.conftest import new_nik
from tests.workflows.journeys import (
    OFFICER,
    SUPERVISOR,
    act,
    contract,
    drive_to_departure,
    fit_result,
    iso,
    send,
    start,
    step,
    training,
    view,
    wait_step,
)


def refusal(exc_info) -> tuple[str, dict]:
    cause = exc_info.value.cause
    return cause.type, cause.details[0]


async def test_a_medical_check_that_lapses_before_departure_expires_and_flags_the_journey(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await drive_to_departure(wf_stack, handle, "P3MI", depart=False)
    await wf_stack.env.sleep(timedelta(days=93))
    journey = await wait_step(handle, "medical_check", states=("expired",))
    assert "document_expired" in journey["flags"]
    now = await wf_stack.env.get_current_time()
    evidence = {"departed_at": iso(now), "port": "CGK", "flight_no": "CI762"}
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await act(handle, "departure", evidence)
    assert refusal(refused)[0] == "RULE_VIOLATION"
    assert refusal(refused)[1]["rule"] == "medical_check_not_valid"
    # A new examination makes the step completed again and clears the flag.
    journey = await act(handle, "medical_check", fit_result(now))
    assert step(journey, "medical_check")["state"] == "completed" and "document_expired" not in journey["flags"]
    journey = await act(handle, "departure", evidence)
    assert journey["phase"] == "placement"


async def test_an_arrival_report_not_made_within_30_days_flags_the_journey_overdue(wf_stack):
    handle = await start(wf_stack, "G2G")
    await drive_to_departure(wf_stack, handle, "G2G")
    journey = await view(handle)
    assert "arrival_report_overdue" not in journey["flags"]
    await wf_stack.env.sleep(timedelta(days=32))
    journey = await view(handle)
    assert "arrival_report_overdue" in journey["flags"]
    now = await wf_stack.env.get_current_time()
    journey = await act(handle, "arrival_report", {"reported_at": iso(now), "mission": "KBRI-SEL"})
    assert "arrival_report_overdue" not in journey["flags"]


async def test_evidence_that_arrives_before_its_step_is_available_is_applied_when_it_becomes_available(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    now = await wf_stack.env.get_current_time()
    cover = (now + timedelta(days=365 * 4)).date().isoformat()
    await send(handle, "bpjs", "bpjs.enrolled", {"membership_no": "BPJS-77", "covered_until": cover}, "bpjs-early-1")
    journey = await view(handle)
    assert step(journey, "social_security")["state"] == "locked"
    await act(handle, "job_selection", {"job_order_id": "JO-2026-0042"})
    journey = await act(
        handle,
        "employment_contract",
        {
            "contract_no": "EC-9",
            "employer_name": "Lin",
            "start_date": now.date().isoformat(),
            "duration_months": 24,
            "monthly_salary": 18000,
            "currency": "TWD",
        },
    )
    social = step(journey, "social_security")
    assert social["state"] == "completed" and social["evidence"]["membership_no"] == "BPJS-77"
    events = await wait_events(wf_stack, handle.id, "StepCompleted", "social_security")
    applied = [e for e in events if e["type"] == "StepCompleted" and e["data"]["step"] == "social_security"]
    assert applied[0]["data"]["source_event"] == "bpjs/bpjs-early-1"
    assert applied[0]["actor"] == {"sub": "bpjs", "role": "integration"}


async def test_a_duplicate_integration_event_is_applied_once(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    now = await wf_stack.env.get_current_time()
    data = fit_result(now)
    await send(handle, "clinic", "medical.result", data, "clinic-7781")
    await send(handle, "clinic", "medical.result", {**data, "result": "unfit"}, "clinic-7781")
    journey = await wait_step(handle, "medical_check")
    assert journey["status"] == "active"
    events = await wait_events(wf_stack, handle.id, "IntegrationEventReceived")
    received = [e for e in events if e["type"] == "IntegrationEventReceived"]
    assert len(received) == 1 and received[0]["data"]["disposition"] == "applied"


async def test_continue_as_new_in_the_middle_of_a_journey_keeps_state_and_pending_evidence(wf_stack):
    handle = await start(wf_stack, "P3MI", can_after=3)
    first_run = (await handle.describe()).run_id
    await wait_step(handle, "registration")
    now = await wf_stack.env.get_current_time()
    # Held evidence (its step is locked) must survive the new run.
    await send(
        handle,
        "imigrasi",
        "departure.recorded",
        {"departed_at": iso(now + timedelta(days=1)), "port": "CGK", "flight_no": "CI762"},
        "imi-dep-1",
    )
    await act(handle, "family_consent", {"consent_ref": "FC-1", "village": "Tegalrejo"})
    await act(handle, "job_selection", {"job_order_id": "JO-2026-0042"})
    await act(handle, "placement_agreement", {"agreement_no": "PA-1", "signed_at": iso(now)})
    handle = wf_stack.client.get_workflow_handle(handle.id)
    await eventually(handle.describe, lambda d: d.run_id != first_run, what="continue-as-new")
    carried = await view(handle)
    assert step(carried, "placement_agreement")["state"] == "completed"
    assert step(carried, "departure")["state"] == "locked"
    journey = await drive_rest_after_can(wf_stack, handle)
    assert journey["phase"] == "placement"
    assert step(journey, "departure")["evidence"]["flight_no"] == "CI762"
    events = await eventually(
        lambda: wf_stack.events.read_all(handle.id), lambda es: es[-1]["seq"] >= journey["version"], what="stored"
    )
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    # Requests to outside systems are recorded as their activities return, so they may interleave
    # with the officer's steps: the order of those is not part of what continue-as-new must keep.
    assert "EmploymentStarted" in [e["type"] for e in events[: journey["version"]]]


async def drive_rest_after_can(stack, handle):
    now = await stack.env.get_current_time()
    await send(handle, "clinic", "medical.result", fit_result(now))
    await act(handle, "competency_training", training(now))
    await act(
        handle, "passport", {"passport_no": "C7654321", "expires_at": (now + timedelta(days=2000)).date().isoformat()}
    )
    await act(handle, "employment_contract", contract(now.date()))
    await act(
        handle,
        "social_security",
        {"membership_no": "B-1", "covered_until": (now + timedelta(days=1200)).date().isoformat()},
    )
    await act(handle, "work_visa", {"visa_no": "V-1", "expires_at": iso(now + timedelta(days=800))})
    await act(handle, "document_verification")
    await act(handle, "pre_departure_orientation", {"attended_at": iso(now)})
    return await wait_step(handle, "departure")


async def wait_events(stack, journey_id: str, needed: str, step_id: str | None = None) -> list[dict]:
    """The store is written by an activity just after the update returns: wait for it."""
    return await eventually(
        lambda: stack.events.read_all(journey_id),
        lambda events: any(e["type"] == needed and (step_id in (None, e["data"].get("step"))) for e in events),
        what=f"{needed} stored for {journey_id}",
    )


async def test_a_refused_action_changes_nothing_and_appends_nothing(wf_stack):
    handle = await start(wf_stack, "P3MI")
    journey = await wait_step(handle, "registration")
    version = journey["version"]
    with pytest.raises(WorkflowUpdateFailedError) as locked:
        await act(handle, "departure", {"departed_at": "2026-01-01", "port": "CGK", "flight_no": "X"})
    assert refusal(locked) == ("INVALID_TRANSITION", refusal(locked)[1]) and refusal(locked)[1]["state"] == "locked"
    with pytest.raises(WorkflowUpdateFailedError) as stale:
        await act(handle, "family_consent", {"consent_ref": "a", "village": "b"}, expected_version=version - 1)
    assert refusal(stale)[0] == "VERSION_CONFLICT" and refusal(stale)[1]["current_version"] == version
    with pytest.raises(WorkflowUpdateFailedError) as forbidden:
        await act(handle, "family_consent", action="waive", reason="no family")
    assert refusal(forbidden)[0] == "FORBIDDEN"
    with pytest.raises(WorkflowUpdateFailedError) as invalid:
        await act(handle, "family_consent", {"consent_ref": ""})
    assert refusal(invalid)[0] == "VALIDATION_ERROR"
    assert sorted(refusal(invalid)[1]["fields"]) == ["evidence.consent_ref", "evidence.village"]
    with pytest.raises(WorkflowUpdateFailedError) as unknown:
        await act(handle, "teleportation")
    assert refusal(unknown)[0] == "NOT_FOUND"
    assert (await view(handle))["version"] == version
    history = [e async for e in handle.fetch_history_events()]
    assert not any(e.HasField("workflow_execution_update_accepted_event_attributes") for e in history)


async def test_a_nik_the_registry_does_not_know_rejects_registration_with_its_reason(wf_stack):
    handle = await start(wf_stack, "P3MI", nik=new_nik("9999"))
    journey = await wait_step(handle, "registration", states=("rejected",))
    assert "Dukcapil" in step(journey, "registration")["reason"]
    assert step(journey, "family_consent")["state"] == "locked"


async def test_a_registration_reopened_after_the_registry_corrected_the_nik_completes(wf_stack):
    nik = new_nik()
    await wf_stack.simulator.put("/_config/dukcapil-mismatches", json={"niks": [nik]})
    try:
        handle = await start(wf_stack, "P3MI", nik=nik)
        await wait_step(handle, "registration", states=("rejected",))
    finally:
        await wf_stack.simulator.put("/_config/dukcapil-mismatches", json={"niks": []})
    await act(handle, "registration", action="reopen", actor=SUPERVISOR, reason="Dukcapil record corrected")
    journey = await wait_step(handle, "registration")
    assert step(journey, "registration")["evidence"]["nik_verified"] is True
    assert step(journey, "family_consent")["state"] == "available"


async def test_a_worker_under_18_on_the_start_date_is_refused_registration(wf_stack):
    from datetime import date

    now = await wf_stack.env.get_current_time()
    handle = await start(wf_stack, "P3MI", birth=date(now.year - 17, 1, 1))
    journey = await wait_step(handle, "registration", states=("rejected",))
    assert "under 18" in step(journey, "registration")["reason"]


async def test_an_unfit_result_ends_the_journey_unless_a_supervisor_reopens_the_check(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    now = await wf_stack.env.get_current_time()
    journey = await act(handle, "medical_check", {**fit_result(now), "result": "unfit"})
    assert journey["status"] == "ended" and journey["outcome"] == "medically_unfit"
    journey = await act(handle, "medical_check", action="reopen", actor=SUPERVISOR, reason="second opinion")
    assert journey["status"] == "active" and step(journey, "medical_check")["state"] == "available"


async def test_what_arrives_while_an_unfit_journey_waits_to_be_reopened_is_stored_before_it_closes(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    now = await wf_stack.env.get_current_time()
    await act(handle, "medical_check", {**fit_result(now), "result": "unfit"})
    await wait_events(wf_stack, handle.id, "JourneyEnded")  # stored: the journey now waits for a reopen
    ended = await view(handle)
    await send(handle, "bpjs", "bpjs.enrolled", {"membership_no": "B-9", "covered_until": "2030-01-01"})
    await eventually(lambda: view(handle), lambda j: j["version"] > ended["version"])
    await wf_stack.env.sleep(timedelta(days=31))  # the reopen window passes
    result = await handle.result()
    events = await wf_stack.events.read_all(handle.id)
    assert events[-1]["seq"] == result["version"] and events[-1]["type"] == "IntegrationEventReceived"


async def test_two_concurrent_job_selections_take_one_unit_and_keep_it(wf_stack):
    reference = ReferenceData(wf_stack.engine)
    handle = await start(wf_stack, "P3MI", placement=("JO-2026-0043", "TW", "P3MI-0007"))
    await wait_step(handle, "registration")
    await act(handle, "family_consent", {"consent_ref": "FC-1", "village": "Tegalrejo"})
    before = (await reference.get_job_order("JO-2026-0043"))["filled"]
    outcomes = await asyncio.gather(
        *(act(handle, "job_selection", {"job_order_id": "JO-2026-0043"}) for _ in range(2)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, WorkflowUpdateFailedError)]
    assert len(refused) == 1 and refused[0].cause.type == "INVALID_TRANSITION"
    assert step(await view(handle), "job_selection")["state"] == "completed"
    await act(handle, "placement_agreement", {"agreement_no": "PA-1", "signed_at": iso(datetime.now(UTC))})
    # The loser gave nothing back: a release would have been scheduled before this later update.
    history = await handle.fetch_history()
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert "job_orders.release_quota" not in scheduled
    assert (await reference.get_job_order("JO-2026-0043"))["filled"] == before + 1


async def test_withdrawing_before_departure_gives_the_job_order_unit_back(wf_stack):
    reference = ReferenceData(wf_stack.engine)
    handle = await start(wf_stack, "P3MI", placement=("JO-2026-0043", "TW", "P3MI-0007"))
    await wait_step(handle, "registration")
    before = (await reference.get_job_order("JO-2026-0043"))["filled"]
    await act(handle, "job_selection", {"job_order_id": "JO-2026-0043"})
    assert (await reference.get_job_order("JO-2026-0043"))["filled"] == before + 1
    journey = await handle.execute_update(
        "withdraw", EndJourney(reason="changed mind", actor=OFFICER), result_type=dict
    )
    assert journey["outcome"] == "withdrawn"
    await handle.result()
    assert (await reference.get_job_order("JO-2026-0043"))["filled"] == before
