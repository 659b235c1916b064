"""Rules version 3 through Temporal (issue 9, items 1, 3 and 4): documents that lapse on a timer, a
licence that expires on a timer, and admins' changes of a licence or a destination reaching the
journeys through `StandingBroadcastWorkflow`, with the office told on its channel."""

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from domain.contracts import StandingSweep, WaiveRule
from store.read_model import JourneyReadModel
from store.reference import ReferenceData
from tests.polling import eventually
from tests.workflows.conftest import TASK_QUEUE
from tests.workflows.journeys import SUPERVISOR, act, drive_to_departure, iso, send, start, view, wait_step
from workflows.standing import broadcast_id


def refused_rule(exc_info) -> str:
    return exc_info.value.cause.details[0]["rule"]


async def office_posts(stack, journey_id: str) -> list[dict]:
    posts = (await stack.simulator.get("/_channel", params={"channel": "bp3mi-33"})).json()
    return [p for p in posts if p.get("journey_id") == journey_id]


async def in_read_model(stack, journey_id: str) -> None:
    journeys = JourneyReadModel(stack.engine)

    async def present() -> bool:
        return await journeys.get(journey_id) is not None

    await eventually(present)


async def broadcast(stack, kind: str, key: str, handle, told) -> dict:
    """Start the broadcast as the API does after an admin's change, and wait for the journey to have
    been told (the first sweep); the second sweep, two minutes on, is not waited for."""
    await stack.client.start_workflow(
        "StandingBroadcastWorkflow",
        StandingSweep(kind=kind, key=key),
        id=broadcast_id(kind, key),
        task_queue=TASK_QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    return await eventually(lambda: view(handle), told)


async def test_a_passport_that_lapses_before_departure_expires_flags_and_tells_the_office(wf_stack):
    handle = await start(wf_stack, "G2G")
    await wait_step(handle, "registration")
    await act(handle, "family_consent", {"consent_ref": "FC-1", "village": "Tegalrejo"})
    now = await wf_stack.env.get_current_time()
    await send(
        handle, "imigrasi", "passport.issued", {"passport_no": "C7654321", "expires_at": iso(now + timedelta(days=20))}
    )
    await wait_step(handle, "passport")
    await wf_stack.env.sleep(timedelta(days=21))
    journey = await wait_step(handle, "passport", states=("expired",))
    assert "document_expired" in journey["flags"]

    async def told() -> list[dict]:
        return [p for p in await office_posts(wf_stack, handle.id) if "document_expired" in p["text"]]

    [post] = await eventually(told)
    assert "passport lapsed before departure" in post["text"]
    renewed = {"passport_no": "C7654322", "expires_at": iso(now + timedelta(days=3650))}
    journey = await act(handle, "passport", renewed)
    assert "document_expired" not in journey["flags"]


async def test_a_licence_past_its_last_valid_day_flags_the_journey_on_a_timer(wf_stack):
    now = await wf_stack.env.get_current_time()
    handle = await start(wf_stack, "P3MI", licence_valid_until=(now + timedelta(days=5)).date())
    await wait_step(handle, "registration")
    await act(handle, "job_selection", {"job_order_id": "JO-2026-0042"})
    await wf_stack.env.sleep(timedelta(days=7))
    journey = await view(handle)
    assert "p3mi_licence_not_active" in journey["flags"]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await act(handle, "placement_agreement", {"agreement_no": "PA-1", "signed_at": iso(now)})
    assert refused_rule(refused) == "p3mi_licence_not_active"


async def test_a_suspended_licence_reaches_the_p3mis_journeys_and_its_reinstatement_clears_them(wf_stack):
    reference = ReferenceData(wf_stack.engine)
    p3mi = {"p3mi_id": "P3MI-0901", "name": "PT Uji Standing", "licence_no": "KEP.0901/2026"}
    await reference.create_p3mi({**p3mi, "licence_status": "active", "province_code": "33"})
    await reference.create_job_order(
        {
            "job_order_id": "JO-0901",
            "scheme": "P3MI",
            "p3mi_id": "P3MI-0901",
            "employer_name": "Wang Family",
            "destination_country": "TW",
            "occupation": "caregiver",
            "sector": "informal",
            "quota": 5,
            "status": "open",
        }
    )
    handle = await start(wf_stack, "P3MI", placement=("JO-0901", "TW", "P3MI-0901"))
    await wait_step(handle, "registration")
    await act(handle, "job_selection", {"job_order_id": "JO-0901"})
    await in_read_model(wf_stack, handle.id)

    await reference.patch_p3mi("P3MI-0901", {"licence_status": "suspended"})
    await broadcast(wf_stack, "p3mi_licence", "P3MI-0901", handle, lambda j: "p3mi_licence_not_active" in j["flags"])
    now = await wf_stack.env.get_current_time()
    agreement = {"agreement_no": "PA-1", "signed_at": iso(now)}
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await act(handle, "placement_agreement", agreement)
    assert refused_rule(refused) == "p3mi_licence_not_active"

    await reference.patch_p3mi("P3MI-0901", {"licence_status": "active"})
    await broadcast(
        wf_stack, "p3mi_licence", "P3MI-0901", handle, lambda j: "p3mi_licence_not_active" not in j["flags"]
    )
    journey = await act(handle, "placement_agreement", agreement)
    assert "p3mi_licence_not_active" not in journey["flags"]
    # The events reach the store a moment after the workflow has them: once all of them have.
    stored = await eventually(
        lambda: wf_stack.events.read_all(handle.id), lambda events: len(events) >= journey["version"], what="events"
    )
    types = [e["type"] for e in stored]
    assert types.count("P3miLicenceChanged") == 2
    await wf_stack.client.get_workflow_handle(broadcast_id("p3mi_licence", "P3MI-0901")).terminate("test over")


async def test_a_closed_destination_blocks_departure_until_a_supervisor_waives_it(wf_stack):
    reference = ReferenceData(wf_stack.engine)
    handle = await start(wf_stack, "INDEPENDENT", placement=(None, "SG", None))
    await drive_to_departure(wf_stack, handle, "INDEPENDENT", depart=False)
    await in_read_model(wf_stack, handle.id)
    try:
        await reference.set_country_status("SG", "closed")
        await broadcast(wf_stack, "destination", "SG", handle, lambda j: "destination_closed" in j["flags"])
        now = await wf_stack.env.get_current_time()
        departure = {"departed_at": iso(now), "port": "CGK", "flight_no": "SQ951"}
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await act(handle, "departure", departure)
        assert refused_rule(refused) == "destination_closed"
        waiver = WaiveRule(rule="destination_closed", reason="visa issued, ministry consent", actor=SUPERVISOR)
        journey = await handle.execute_update("waive_rule", waiver, result_type=dict)
        assert "destination_closed" not in journey["flags"]
        try:
            journey = await act(handle, "departure", departure)
        except WorkflowUpdateFailedError as exc:
            raise AssertionError(f"{exc.cause}: {exc.cause.details}") from exc
        assert journey["phase"] == "placement"
    finally:
        await reference.set_country_status("SG", "open")
        await wf_stack.client.get_workflow_handle(broadcast_id("destination", "SG")).terminate("test over")


async def test_a_journey_the_first_sweep_could_not_see_is_told_by_the_second(wf_stack):
    # A start that raced the admin's change: its journey reached the read model after the first sweep.
    reference = ReferenceData(wf_stack.engine)
    p3mi = {"p3mi_id": "P3MI-0903", "name": "PT Uji Sapuan", "licence_no": "KEP.0903/2026"}
    await reference.create_p3mi({**p3mi, "licence_status": "active", "province_code": "33"})
    await reference.patch_p3mi("P3MI-0903", {"licence_status": "suspended"})
    broadcast_handle = await wf_stack.client.start_workflow(
        "StandingBroadcastWorkflow",
        StandingSweep(kind="p3mi_licence", key="P3MI-0903"),
        id=broadcast_id("p3mi_licence", "P3MI-0903"),
        task_queue=TASK_QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
    )

    # The first sweep has run (it found nobody) once the broadcast waits on its timer.
    async def timer_started() -> bool:
        history = await broadcast_handle.fetch_history()
        return any(e.HasField("timer_started_event_attributes") for e in history.events)

    await eventually(timer_started, what="the first sweep")
    handle = await start(wf_stack, "P3MI", placement=("JO-2026-0042", "TW", "P3MI-0903"))
    await wait_step(handle, "registration")
    await in_read_model(wf_stack, handle.id)
    assert "p3mi_licence_not_active" not in (await view(handle))["flags"]

    await wf_stack.env.sleep(timedelta(minutes=3))  # the second sweep
    journey = await eventually(lambda: view(handle), lambda j: "p3mi_licence_not_active" in j["flags"])
    assert journey["status"] == "active"
    assert await broadcast_handle.result() == 1  # the journeys this run told: the one the first missed
