"""The event store: append-only, gap-free, idempotent, hash-chained exactly as API.md says."""

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.contracts import Actor, NewEvent
from store.event_store import GENESIS_HASH, EventConflict, EventGap, EventStore

OFFICER = Actor(sub="officer-17", role="officer")
T0 = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)


def new_event(seq: int, type_: str = "StepCompleted", **data) -> NewEvent:
    return NewEvent(
        seq=seq,
        type=type_,
        occurred_at=T0 + timedelta(minutes=seq),
        actor=OFFICER,
        data=data or {"step": f"step-{seq}", "note": "catatan ✓ ü", "n": seq, "ratio": 0.1 * seq},
    )


def api_hash(doc: dict) -> str:
    """The hash exactly as API.md defines it, computed independently of the store's code."""
    body = {k: v for k, v in doc.items() if k not in ("hash", "recorded_at")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((doc["prev_hash"] + canonical).encode("utf-8")).hexdigest()


async def test_appended_events_form_the_hash_chain_api_md_specifies(engine):
    store = EventStore(engine)
    result = await store.append("j_chain", [new_event(1, "JourneyStarted"), new_event(2), new_event(3)])
    docs = await store.read_all("j_chain")

    assert [d["seq"] for d in docs] == [1, 2, 3]
    assert set(docs[0]) == {
        "seq",
        "type",
        "version",
        "occurred_at",
        "recorded_at",
        "actor",
        "data",
        "prev_hash",
        "hash",
    }
    assert docs[0]["prev_hash"] == GENESIS_HASH == "0" * 64
    assert docs[0]["occurred_at"] == "2026-03-01T08:01:00.123456Z"
    assert docs[0]["recorded_at"].endswith("Z")
    assert docs[0]["actor"] == {"sub": "officer-17", "role": "officer"}
    assert docs[1]["data"]["note"] == "catatan ✓ ü"
    for before, after in zip(docs, docs[1:], strict=False):
        assert after["prev_hash"] == before["hash"]
    for doc in docs:
        assert doc["hash"] == api_hash(doc)
    assert (result.last_seq, result.last_hash) == (3, docs[-1]["hash"])
    assert await store.verify_chain("j_chain") == (True, None)


async def test_re_appending_a_stored_seq_stores_it_once_with_the_same_hash(engine):
    store = EventStore(engine)
    first = await store.append("j_retry", [new_event(1), new_event(2)])
    again = await store.append("j_retry", [new_event(1), new_event(2)])
    overlapping = await store.append("j_retry", [new_event(2), new_event(3)])

    docs = await store.read_all("j_retry")
    assert [d["seq"] for d in docs] == [1, 2, 3]
    assert again == first
    assert overlapping.last_seq == 3 and overlapping.last_hash == docs[2]["hash"]
    assert docs[2]["prev_hash"] == first.last_hash


async def test_a_stored_seq_with_another_type_is_a_conflict(engine):
    store = EventStore(engine)
    await store.append("j_fork", [new_event(1, "JourneyStarted")])
    with pytest.raises(EventConflict):
        await store.append("j_fork", [new_event(1, "JourneyWithdrawn")])
    assert len(await store.read_all("j_fork")) == 1


async def test_appending_after_a_missing_seq_is_refused(engine):
    store = EventStore(engine)
    with pytest.raises(EventGap):
        await store.append("j_gap", [new_event(2)])
    await store.append("j_gap", [new_event(1)])
    with pytest.raises(EventGap):
        await store.append("j_gap", [new_event(3)])
    assert [d["seq"] for d in await store.read_all("j_gap")] == [1]


async def test_a_batch_must_have_consecutive_seqs(engine):
    with pytest.raises(ValueError):
        await EventStore(engine).append("j_batch", [new_event(1), new_event(3)])


async def test_events_cannot_be_updated_or_deleted(engine):
    store = EventStore(engine)
    await store.append("j_frozen", [new_event(1)])
    for statement in (
        "UPDATE events SET type = 'Tampered' WHERE stream_id = 'j_frozen'",
        "DELETE FROM events WHERE stream_id = 'j_frozen'",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
    assert (await store.read_all("j_frozen"))[0]["type"] == "StepCompleted"


async def _drop_append_only_triggers(engine) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("DROP TRIGGER events_append_only ON events"))
        else:
            await conn.execute(text("DROP TRIGGER events_no_update"))
            await conn.execute(text("DROP TRIGGER events_no_delete"))


async def test_verify_chain_finds_a_tampered_event(engine):
    store = EventStore(engine)
    await store.append("j_tamper", [new_event(s) for s in range(1, 6)])
    await store.append("j_other", [new_event(1)])
    await _drop_append_only_triggers(engine)  # what an attacker with database access could do
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE events SET data = :d WHERE stream_id = 'j_tamper' AND seq = 3"),
            {"d": json.dumps({"step": "medical_check", "result": "fit"})},
        )
    assert await store.verify_chain("j_tamper") == (False, 3)
    assert await store.verify_chain("j_other") == (True, None)


async def test_verify_chain_finds_a_removed_event(engine):
    store = EventStore(engine)
    await store.append("j_hole", [new_event(s) for s in range(1, 5)])
    await _drop_append_only_triggers(engine)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM events WHERE stream_id = 'j_hole' AND seq = 2"))
    assert await store.verify_chain("j_hole") == (False, 2)


async def test_concurrent_appends_to_one_stream_leave_one_unforked_chain(engine):
    store = EventStore(engine)
    await store.append("j_race", [new_event(1, "JourneyStarted")])
    batch = [new_event(2), new_event(3), new_event(4)]
    results = await asyncio.gather(*(store.append("j_race", batch) for _ in range(6)))

    docs = await store.read_all("j_race")
    assert [d["seq"] for d in docs] == [1, 2, 3, 4]
    assert {(r.last_seq, r.last_hash) for r in results} == {(4, docs[-1]["hash"])}
    assert await store.verify_chain("j_race") == (True, None)


async def test_read_pages_after_a_seq(engine):
    store = EventStore(engine)
    await store.append("c_case", [new_event(s) for s in range(1, 8)])
    page = await store.read("c_case", after_seq=2, limit=3)
    assert [d["seq"] for d in page] == [3, 4, 5]
    assert await store.read("c_case", after_seq=7) == []
    assert await store.read_all("c_unknown") == []
    assert await store.verify_chain("c_unknown") == (True, None)


async def _tampered(engine, stream_id: str, *statements: str) -> EventStore:
    """Five events in `stream_id`, then `statements` run as an attacker with database access would."""
    store = EventStore(engine)
    await store.append(stream_id, [new_event(s) for s in range(1, 6)])
    await _drop_append_only_triggers(engine)
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement.replace("$S", f"'{stream_id}'")))
    return store


COLUMNS = "stream_id, type, version, occurred_at, recorded_at, actor_sub, actor_role, data, prev_hash, hash"


@pytest.mark.parametrize(
    ("statements", "broken_at"),
    [
        pytest.param(["UPDATE events SET data = '{\"step\": ' WHERE stream_id = $S AND seq = 3"], 3, id="not_json"),
        pytest.param(["UPDATE events SET data = 'null' WHERE stream_id = $S AND seq = 2"], 2, id="json_null"),
        pytest.param(
            [
                "UPDATE events SET seq = 100 WHERE stream_id = $S AND seq = 2",
                "UPDATE events SET seq = 2 WHERE stream_id = $S AND seq = 3",
                "UPDATE events SET seq = 3 WHERE stream_id = $S AND seq = 100",
            ],
            2,
            id="two_rows_swapped",
        ),
        pytest.param(
            [f"INSERT INTO events (seq, {COLUMNS}) SELECT 6, {COLUMNS} FROM events WHERE stream_id = $S AND seq = 5"],
            6,
            id="row_inserted_at_the_end",
        ),
        pytest.param(
            [
                "UPDATE events SET seq = seq + 10 WHERE stream_id = $S AND seq >= 4",
                "UPDATE events SET seq = seq - 9 WHERE stream_id = $S AND seq >= 14",
                f"INSERT INTO events (seq, {COLUMNS}) SELECT 4, {COLUMNS} FROM events WHERE stream_id = $S AND seq = 3",
            ],
            4,
            id="row_inserted_in_the_middle",
        ),
        pytest.param(["UPDATE events SET seq = 9 WHERE stream_id = $S AND seq = 5"], 5, id="last_seq_changed"),
        pytest.param(["UPDATE events SET seq = 7 WHERE stream_id = $S AND seq = 3"], 3, id="middle_seq_changed"),
        pytest.param(["UPDATE events SET type = 'StepWaived' WHERE stream_id = $S AND seq = 4"], 4, id="type_changed"),
    ],
)
async def test_every_kind_of_corruption_breaks_the_chain_at_its_first_seq_and_raises_nothing(
    engine, statements, broken_at
):
    store = await _tampered(engine, "j_corrupt", *statements)
    assert await store.verify_chain("j_corrupt") == (False, broken_at)


async def test_reading_an_event_whose_data_is_not_json_says_which_event_is_corrupt(engine):
    from store.event_store import CorruptEvent

    store = await _tampered(engine, "j_unreadable", "UPDATE events SET data = 'x' WHERE stream_id = $S AND seq = 4")
    with pytest.raises(CorruptEvent) as corrupt:
        await store.read_all("j_unreadable")
    assert (corrupt.value.stream_id, corrupt.value.seq) == ("j_unreadable", 4)
    assert [d["seq"] for d in await store.read("j_unreadable", 0, 3)] == [1, 2, 3]
