"""The event-store activity, run as Temporal runs it: a retried call stores its events once."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.event_store import EventStoreActivities
from activities.job_orders import JobOrderActivities
from domain.contracts import Actor, AppendEvents, CaseProjection, JourneyProjection, NewEvent, QuotaRequest
from store.cases import CaseFilters, CaseReadModel
from store.event_store import EventStore
from store.read_model import JourneyReadModel
from store.reference import ReferenceData
from tests.store.databases import BACKENDS, open_database, pg_databases

__all__ = ["pg_databases"]

T = datetime(2026, 3, 1, 8, tzinfo=UTC)
OFFICER = Actor(sub="officer-17", role="officer")


@pytest.fixture(params=BACKENDS)
async def engine(request, tmp_path, pg_databases) -> AsyncIterator:
    async with open_database(request.param, tmp_path, pg_databases) as engine:
        yield engine


def append_input(version: int = 2) -> AppendEvents:
    events = [
        NewEvent(seq=1, type="JourneyStarted", occurred_at=T, actor=OFFICER, data={"scheme": "P3MI"}),
        NewEvent(seq=2, type="StepCompleted", occurred_at=T, actor=OFFICER, data={"step": "registration"}),
    ]
    projection = JourneyProjection(
        journey_id="j_01",
        status="active",
        outcome=None,
        phase="pre_departure",
        scheme="P3MI",
        province_code="33",
        destination_country="TW",
        p3mi_id="P3MI-0007",
        flags=[],
        available_steps=["medical_check"],
        version=version,
        started_at=T,
        updated_at=T,
        document={"journey_id": "j_01", "version": version},
    )
    return AppendEvents(stream_id="j_01", events=events, projection=projection)


async def test_a_retried_append_stores_the_events_once(engine):
    store, read_model = EventStore(engine), JourneyReadModel(engine)
    activities = EventStoreActivities(store, read_model)
    env = ActivityEnvironment()

    first = await env.run(activities.append_events, append_input())
    retry = await env.run(activities.append_events, append_input())

    assert retry == first and first.last_seq == 2
    docs = await store.read_all("j_01")
    assert [d["seq"] for d in docs] == [1, 2] and docs[-1]["hash"] == first.last_hash
    assert await store.verify_chain("j_01") == (True, None)
    assert (await read_model.get("j_01"))["version"] == 2


async def test_a_conflicting_event_is_a_non_retryable_failure(engine):
    activities = EventStoreActivities(EventStore(engine), JourneyReadModel(engine))
    env = ActivityEnvironment()
    await env.run(activities.append_events, append_input())
    forked = append_input().model_copy(
        update={"events": [NewEvent(seq=2, type="JourneyWithdrawn", occurred_at=T, actor=OFFICER, data={})]}
    )
    with pytest.raises(ApplicationError) as failure:
        await env.run(activities.append_events, forked)
    assert failure.value.non_retryable and failure.value.type == "EVENT_CONFLICT"


def case_input(version: int, seqs: range, **changes) -> AppendEvents:
    """Events of the case stream `c_01` (the stream id is the case id) and the case after them."""
    types = {1: "CaseOpened", 2: "CaseActionTaken", 3: "CaseClosed"}
    events = [NewEvent(seq=s, type=types[s], occurred_at=T, actor=OFFICER, data={"n": s}) for s in seqs]
    values = {
        "case_id": "c_01",
        "journey_id": "j_01",
        "case_type": "unpaid_wages",
        "status": "reported",
        "severity": "medium",
        "province_code": "33",
        "first_response_due_at": T + timedelta(hours=24),
        "first_response_at": None,
        "escalated": False,
        "escalated_to": None,
        "version": version,
        "opened_at": T,
        "updated_at": T,
        "closed_at": None,
    }
    values.update(changes)
    document = {"case_id": "c_01", "version": version, "status": values["status"]}
    return AppendEvents(stream_id="c_01", events=events, case_projection=CaseProjection(**values, document=document))


async def test_a_case_stream_is_appended_and_its_projection_upserted(engine):
    store, cases = EventStore(engine), CaseReadModel(engine)
    activities = EventStoreActivities(store, JourneyReadModel(engine), cases)
    env = ActivityEnvironment()

    opened = await env.run(activities.append_events, case_input(1, range(1, 2)))
    answered = case_input(2, range(2, 3), status="verified", first_response_at=T + timedelta(hours=1))
    result = await env.run(activities.append_events, answered)
    assert await env.run(activities.append_events, answered) == result  # a retry stores nothing twice

    docs = await store.read_all("c_01")
    assert [d["seq"] for d in docs] == [1, 2] and docs[0]["hash"] == opened.last_hash
    assert docs[1]["prev_hash"] == opened.last_hash and docs[1]["hash"] == result.last_hash
    assert await store.verify_chain("c_01") == (True, None)
    assert (await cases.get("c_01"))["status"] == "verified"
    # A late retry of the first append leaves the newer case in place.
    await env.run(activities.append_events, case_input(1, range(1, 2)))
    assert (await cases.get("c_01"))["version"] == 2
    listed, _ = await cases.list(CaseFilters(journey_id="j_01"), now=T + timedelta(days=3))
    assert [(d["case_id"], d["overdue"]) for d in listed] == [("c_01", False)]


async def test_a_case_projection_without_a_case_read_model_is_retryable(engine):
    store = EventStore(engine)
    activities = EventStoreActivities(store, JourneyReadModel(engine))  # the pre-cases constructor still works
    env = ActivityEnvironment()
    with pytest.raises(ApplicationError) as failure:
        await env.run(activities.append_events, case_input(1, range(1, 2)))
    assert failure.value.type == "CASE_READ_MODEL_MISSING" and not failure.value.non_retryable
    assert await store.read_all("c_01") == []  # events and their projection commit together or not at all
    late = EventStoreActivities(store, JourneyReadModel(engine), CaseReadModel(engine))
    await env.run(late.append_events, case_input(1, range(1, 2)))
    assert (await CaseReadModel(engine).get("c_01"))["version"] == 1


async def test_quota_activities_take_and_release_once(engine):
    reference = ReferenceData(engine)
    await reference.seed()
    activities = JobOrderActivities(reference)
    env = ActivityEnvironment()
    request = QuotaRequest(journey_id="j_01", job_order_id="JO-2026-0099", destination_country="TW", scheme="P3MI")

    assert (await env.run(activities.take_quota, request)).taken
    assert (await env.run(activities.take_quota, request)).taken
    other = await env.run(activities.take_quota, request.model_copy(update={"journey_id": "j_02"}))
    assert (other.taken, other.rule) == (False, "job_order_quota_exhausted")
    assert (await env.run(activities.release_quota, request)).message == "released"
    assert (await env.run(activities.release_quota, request)).message == "no unit was held"
    assert (await reference.get_job_order("JO-2026-0099"))["filled"] == 0
