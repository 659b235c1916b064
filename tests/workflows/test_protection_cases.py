"""Protection cases on the time-skipping server: deadlines, escalation, automatic rules, and what
a case does to its journey."""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError
from ulid import ULID

from domain.case_rules import add_working_days
from domain.contracts import CaseCommand, OpenCase
from domain.regions import WIB
from tests.conftest import time_skipping_server
from tests.polling import eventually
from tests.workflows.conftest import Stack, workflow_stack
from tests.workflows.journeys import (
    OFFICER,
    SUPERVISOR,
    act,
    drive_to_departure,
    fit_result,
    holds_nik,
    integration_event,
    send,
    start,
    step,
    view,
    wait_step,
)


async def open_case(handle, case_type: str, via: str = "officer") -> str:
    case_id = f"c_{ULID()}"
    cmd = OpenCase(
        case_id=case_id, case_type=case_type, description="reported by family", reported_via=via, actor=OFFICER
    )
    journey = await handle.execute_update("open_case", cmd, result_type=dict)
    assert any(c["case_id"] == case_id for c in journey["open_cases"])
    return case_id


async def case_view(stack, case_id: str) -> dict:
    handle = stack.client.get_workflow_handle(case_id)

    async def state() -> dict:
        try:
            return await handle.query("state", result_type=dict)
        except (RPCError, WorkflowQueryFailedError):  # the child may not have started yet
            return {"status": "starting"}

    return await eventually(state, lambda v: v["status"] != "starting", what=f"case {case_id} started")


async def act_on_case(stack, case_id: str, action: str, actor=OFFICER, **kw) -> dict:
    handle = stack.client.get_workflow_handle(case_id)
    return await handle.execute_update("case_action", CaseCommand(action=action, actor=actor, **kw), result_type=dict)


async def channel(stack, name: str) -> list[dict]:
    return (await stack.simulator.get("/_channel", params={"channel": name})).json()


async def test_a_trafficking_case_goes_to_the_rapid_response_team_at_once(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    case_id = await open_case(handle, "trafficking", "hotline")
    case = await case_view(wf_stack, case_id)
    assert case["severity"] == "critical" and case["escalated"] and case["escalated_to"] == "rapid_response_team"
    journey = await view(handle)
    assert "protection_emergency" in journey["flags"]
    messages = await eventually(
        lambda: channel(wf_stack, "rapid-response-team"), lambda ms: any(m.get("case_id") == case_id for m in ms)
    )
    assert any(case_id in m["text"] for m in messages)
    # The case's own stream names who opened it, and the escalation as the engine's.
    stored = await eventually(lambda: wf_stack.events.read_all(case_id), lambda es: len(es) >= 2)
    assert [(e["type"], e["actor"]["sub"]) for e in stored[:2]] == [
        ("CaseOpened", OFFICER.sub),
        ("CaseEscalated", "journey-engine"),
    ]


async def test_an_unpaid_wages_case_without_first_response_escalates_to_the_supervisor_after_5_days(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    case_id = await open_case(handle, "unpaid_wages")
    case = await case_view(wf_stack, case_id)
    assert not case["escalated"] and case["severity"] == "medium"
    await wf_stack.env.sleep(timedelta(days=4, hours=23))
    assert not (await case_view(wf_stack, case_id))["escalated"]
    await wf_stack.env.sleep(timedelta(hours=2))
    case = await case_view(wf_stack, case_id)
    assert case["escalated"] and case["escalated_to"] == "supervisor" and case["first_response_missed"]
    events = await wf_stack.events.read_all(case_id)
    assert [e["type"] for e in events][:3] == ["CaseOpened", "FirstResponseMissed", "CaseEscalated"]


async def test_no_clarification_from_the_p3mi_in_15_working_days_moves_the_case_to_mediation(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    case_id = await open_case(handle, "fraud")
    await act_on_case(wf_stack, case_id, "verify")
    case = await act_on_case(wf_stack, case_id, "request_clarification", note="P3MI asked to explain fees")
    asked = await wf_stack.env.get_current_time()
    due = add_working_days(asked, 15, WIB)  # the case is in Central Java
    waiting = datetime.fromisoformat(case["waiting_for"]["clarification"])
    assert abs(waiting - due) < timedelta(seconds=5)  # the test's clock read is a moment after the case's
    assert (due - asked).days >= 19  # three weekends are not counted
    assert case["p3mi_id"] == "P3MI-0007"  # the P3MI that placed her answers for her
    posts = await eventually(
        lambda: channel(wf_stack, "p3mi-P3MI-0007"), lambda ps: any(case_id in p["text"] for p in ps)
    )
    assert any("p3mi.clarification" in p["text"] for p in posts if case_id in p["text"])
    await wf_stack.env.sleep(due - asked - timedelta(days=1))
    case = await case_view(wf_stack, case_id)
    assert [a["action"] for a in case["actions"]] == ["verify", "request_clarification"]
    await wf_stack.env.sleep(timedelta(days=2))
    case = await case_view(wf_stack, case_id)
    assert case["actions"][-1]["action"] == "mediate" and case["actions"][-1]["automatic"]
    assert case["status"] == "in_progress"


async def test_public_holidays_in_the_command_move_the_clarification_deadline(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    case_id = await open_case(handle, "fraud")
    await act_on_case(wf_stack, case_id, "verify")
    now = await wf_stack.env.get_current_time()
    # The next three weekdays in Central Java are declared holidays (say, Idul Fitri and its eve).
    days = [(now + timedelta(days=n)).astimezone(WIB).date() for n in range(1, 8)]
    holidays = [d for d in days if d.weekday() < 5][:3]
    case = await act_on_case(wf_stack, case_id, "request_clarification", note="fees", holidays=holidays)
    asked = await wf_stack.env.get_current_time()
    plain, due = add_working_days(asked, 15, WIB), add_working_days(asked, 15, WIB, holidays)
    assert due - plain >= timedelta(days=3)
    waiting = datetime.fromisoformat(case["waiting_for"]["clarification"])
    assert abs(waiting - due) < timedelta(seconds=5)
    await wf_stack.env.sleep(plain - asked + timedelta(hours=1))  # past the deadline without holidays
    case = await case_view(wf_stack, case_id)
    assert [a["action"] for a in case["actions"]] == ["verify", "request_clarification"]
    await wf_stack.env.sleep(due - plain + timedelta(hours=1))
    case = await case_view(wf_stack, case_id)
    assert case["actions"][-1]["action"] == "mediate" and case["actions"][-1]["automatic"]


async def test_a_case_whose_complainant_stays_unreachable_for_60_days_closes_itself(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    case_id = await open_case(handle, "detention")
    await act_on_case(wf_stack, case_id, "verify")
    await act_on_case(wf_stack, case_id, "mark_unreachable", note="phone off")
    await wf_stack.env.sleep(timedelta(days=59))
    assert (await case_view(wf_stack, case_id))["status"] == "verified"
    await wf_stack.env.sleep(timedelta(days=2))
    result = await wf_stack.client.get_workflow_handle(case_id).result()
    assert result["status"] == "closed" and result["close_reason"] == "complainant_unreachable"
    journey = await eventually(lambda: view(handle), lambda j: not j["open_cases"])
    assert journey["status"] == "active"


async def test_a_death_case_ends_the_journey_as_deceased_once_remains_are_repatriated(wf_stack):
    handle = await start(wf_stack, "G2G")
    await drive_to_departure(wf_stack, handle, "G2G")
    case_id = await open_case(handle, "death", "embassy")
    await act_on_case(wf_stack, case_id, "verify")
    await act_on_case(wf_stack, case_id, "repatriate", note="remains flown to SUB")
    result = await handle.result()
    assert result["outcome"] == "deceased" and "BPJS death claim" in (await _end_reason(wf_stack, handle.id))
    assert not await holds_nik(wf_stack, handle)  # released as her journey's workflow closed
    case = await eventually(lambda: case_view(wf_stack, case_id), lambda c: c["death_claim_ref"])
    assert case["death_claim_ref"].startswith("BPJS")
    # Her own phone is not texted about her death.
    events = await wf_stack.events.read_all(handle.id)
    death = [e["seq"] for e in events if e["type"] in ("EmploymentEnded", "JourneyEnded")][-2:]
    calls = (await wf_stack.simulator.get("/_calls", params={"system": "notify"})).json()
    assert not {f"{handle.id}:sms:{seq}" for seq in death} & {c["idempotency_key"] for c in calls}


async def _end_reason(stack, journey_id: str) -> str:
    events = await eventually(lambda: stack.events.read_all(journey_id), lambda es: es[-1]["type"] == "JourneyEnded")
    return events[-1]["data"]["reason"]


async def test_a_repatriation_case_moves_the_journey_to_return(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await drive_to_departure(wf_stack, handle, "P3MI")
    case_id = await open_case(handle, "repatriation")
    await act_on_case(wf_stack, case_id, "verify")
    await act_on_case(wf_stack, case_id, "repatriate")
    journey = await eventually(lambda: view(handle), lambda j: j["phase"] == "reintegration")
    assert step(journey, "return")["state"] == "available"
    assert "repatriation" in step(journey, "employment")["reason"]


@pytest.fixture
async def own_stack(tmp_path) -> AsyncIterator[Stack]:
    """A time-skipping server of its own: once a child (the case) closes after its parent continued as
    new, the test server never skips time again (it keeps time locked), which would leave every later
    `sleep` of the session's server waiting until its RPC deadline."""
    async with time_skipping_server() as env, workflow_stack(env, tmp_path) as stack:
        yield stack


async def test_a_case_stays_open_across_the_journeys_continue_as_new(own_stack):
    wf_stack = own_stack
    handle = await start(wf_stack, "P3MI", can_after=2)
    first_run = (await handle.describe()).run_id
    await wait_step(handle, "registration")
    case_id = await open_case(handle, "violence")
    now = await wf_stack.env.get_current_time()
    await act(handle, "family_consent", {"consent_ref": "FC-1", "village": "Tegalrejo"})
    await send(
        handle,
        "clinic",
        "medical.result",
        fit_result(now),
    )
    latest = wf_stack.client.get_workflow_handle(handle.id)
    await eventually(lambda: latest.describe(), lambda d: d.run_id != first_run)
    journey = await view(latest)
    assert [c["case_id"] for c in journey["open_cases"]] == [case_id]
    assert "protection_emergency" in journey["flags"]
    await act_on_case(wf_stack, case_id, "verify")
    await act_on_case(wf_stack, case_id, "shelter")
    await act_on_case(wf_stack, case_id, "resolve", resolution="worker safe in shelter, employer reported")
    await act_on_case(wf_stack, case_id, "close", actor=SUPERVISOR, note="resolved")
    journey = await eventually(lambda: view(latest), lambda j: not j["open_cases"])
    assert "protection_emergency" not in journey["flags"]


async def test_a_complaint_filed_by_the_hotline_opens_a_case(wf_stack):
    handle = await start(wf_stack, "P3MI")
    await wait_step(handle, "registration")
    await send(handle, "hotline", "complaint.filed", {"case_type": "unpaid_wages", "description": "3 months unpaid"})
    journey = await eventually(lambda: view(handle), lambda j: j["open_cases"])
    case = await case_view(wf_stack, journey["open_cases"][0]["case_id"])
    assert case["case_type"] == "unpaid_wages" and case["reported_via"] == "hotline"


async def test_a_complaint_delivered_with_the_journeys_start_opens_a_case(wf_stack):
    complaint = integration_event("embassy", "complaint.filed", {"case_type": "detention", "description": "held"})
    handle = await start(wf_stack, "P3MI", with_signal=complaint)
    journey = await eventually(lambda: view(handle), lambda j: j.get("open_cases"))
    case = await case_view(wf_stack, journey["open_cases"][0]["case_id"])
    assert case["case_type"] == "detention" and case["reported_via"] == "embassy"
