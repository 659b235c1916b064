"""Checkpoint signing as the worker runs it: when a journey ends or a case closes, and on the sweep."""

from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.checkpoints import CheckpointActivities
from activities.event_store import EventStoreActivities
from domain.audit_signing import checkpoint_valid
from store.cases import CaseReadModel
from store.checkpoints import CheckpointStore
from store.event_store import EventStore
from store.keyring import KeyringFile
from store.read_model import JourneyReadModel
from tests.activities.test_event_store_activity import append_input, case_input
from tests.store.databases import BACKENDS, open_database, pg_databases

__all__ = ["pg_databases"]


@pytest.fixture(params=BACKENDS)
async def engine(request, tmp_path, pg_databases) -> AsyncIterator:
    async with open_database(request.param, tmp_path, pg_databases) as engine:
        yield engine


@pytest.fixture
def keyring(tmp_path) -> KeyringFile:
    return KeyringFile(tmp_path / "keyring.json")


def writer(engine, checkpoints: CheckpointActivities) -> EventStoreActivities:
    return EventStoreActivities(
        EventStore(engine), JourneyReadModel(engine), CaseReadModel(engine), checkpoints=checkpoints
    )


def ended(input):
    projection = input.projection.model_copy(update={"status": "ended", "outcome": "withdrawn"})
    return input.model_copy(update={"projection": projection})


async def test_an_append_that_ends_the_journey_signs_its_head(engine, keyring):
    store = CheckpointStore(engine)
    activities = writer(engine, CheckpointActivities(store, keyring))
    env = ActivityEnvironment()

    active = append_input()
    first = await env.run(activities.append_events, active.model_copy(update={"events": active.events[:1]}))
    assert first.last_seq == 1 and await store.latest("j_01") is None  # still active: nothing signed

    result = await env.run(activities.append_events, ended(active))
    checkpoint = await store.latest("j_01")
    assert (checkpoint["seq"], checkpoint["head_hash"]) == (result.last_seq, result.last_hash)
    assert checkpoint_valid(checkpoint, keyring.load().public_keys())
    await env.run(activities.append_events, ended(active))  # a retry signs nothing twice
    assert (await store.list("j_01", 0, 50))[0] == [checkpoint]


async def test_an_append_that_closes_the_case_signs_the_case_stream(engine, keyring):
    store = CheckpointStore(engine)
    activities = writer(engine, CheckpointActivities(store, keyring))
    env = ActivityEnvironment()

    await env.run(activities.append_events, case_input(1, range(1, 3), status="verified"))
    assert await store.latest("c_01") is None
    closed = await env.run(activities.append_events, case_input(3, range(3, 4), status="closed"))
    assert (await store.latest("c_01"))["head_hash"] == closed.last_hash


class BrokenStore(CheckpointStore):
    async def sign_heads(self, *args, **kwargs) -> int:
        raise RuntimeError("the database went away while signing")


async def test_a_failed_signing_never_fails_the_append(engine, keyring):
    activities = writer(engine, CheckpointActivities(BrokenStore(engine), keyring))

    with capture_logs() as logs:
        result = await ActivityEnvironment().run(activities.append_events, ended(append_input()))

    assert result.last_seq == 2 and len(await EventStore(engine).read_all("j_01")) == 2
    assert (await JourneyReadModel(engine).get("j_01"))["version"] == 2
    warning = next(entry for entry in logs if entry["event"] == "checkpoint_sign_failed")
    assert warning["log_level"] == "warning" and warning["error"] == "RuntimeError"
    assert "went away" not in str(warning)


async def test_the_sweep_activity_signs_every_moved_head_and_heartbeats(engine, keyring):
    events = EventStore(engine)
    for stream_id in ("j_01", "j_02", "c_03"):
        await events.append(stream_id, append_input().events)
    env = ActivityEnvironment()
    beats: list = []
    env.on_heartbeat = lambda *details: beats.append(details)
    activities = CheckpointActivities(CheckpointStore(engine), keyring)

    report = await env.run(activities.sign_checkpoints)
    again = await env.run(activities.sign_checkpoints)

    assert (report.signed, report.key_id) == (3, keyring.load().key_id)
    assert beats and beats[0] == (3,)
    assert again.signed == 0


async def test_the_sweep_without_a_keyring_in_production_fails_for_good(engine, tmp_path):
    missing = KeyringFile(tmp_path / "absent.json", create=False)
    activities = CheckpointActivities(CheckpointStore(engine), missing)

    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(activities.sign_checkpoints)

    assert failure.value.type == "KEYRING_MISSING" and failure.value.non_retryable
    assert not (tmp_path / "absent.json").exists()
