"""Signed checkpoints of chain heads: only moved heads are signed, once; they read back as published."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.audit_signing import checkpoint_status, checkpoint_valid
from store.checkpoints import API_FIELDS, CheckpointStore
from store.event_store import EventStore, canonical_json, event_hash
from store.keyring import KeyringFile
from tests.store.test_event_store import new_event


@pytest.fixture
def keyring(tmp_path):
    return KeyringFile(tmp_path / "keyring.json").load()


async def streams(engine, **lengths: int) -> EventStore:
    store = EventStore(engine)
    for stream_id, length in lengths.items():
        await store.append(stream_id, [new_event(s) for s in range(1, length + 1)])
    return store


async def test_every_stream_head_is_signed_once_and_again_only_after_it_moves(engine, keyring):
    events = await streams(engine, j_a=3, j_b=1, c_c=2)
    checkpoints = CheckpointStore(engine)

    assert await checkpoints.sign_heads(keyring) == 3
    assert await checkpoints.sign_heads(keyring) == 0
    heads = {s: (await events.read_all(s))[-1] for s in ("j_a", "j_b", "c_c")}
    for stream_id, head in heads.items():
        latest = await checkpoints.latest(stream_id)
        assert set(latest) == set(API_FIELDS)
        assert (latest["seq"], latest["head_hash"], latest["key_id"]) == (head["seq"], head["hash"], keyring.key_id)
        assert checkpoint_valid(latest, keyring.public_keys())

    await events.append("j_a", [new_event(4)])
    assert await checkpoints.sign_heads(keyring) == 1
    latest = await checkpoints.latest("j_a")
    assert (latest["seq"], latest["head_hash"]) == (4, (await events.read_all("j_a"))[-1]["hash"])
    items, _ = await checkpoints.list(None, 0, 50)
    assert [(c["stream_id"], c["seq"]) for c in items] == [("c_c", 2), ("j_a", 3), ("j_b", 1), ("j_a", 4)]
    assert await checkpoints.latest("j_unknown") is None


async def test_signing_named_streams_signs_those_alone(engine, keyring):
    await streams(engine, j_a=2, j_b=2)
    checkpoints = CheckpointStore(engine)

    assert await checkpoints.sign_heads(keyring, ["j_b", "j_b", "j_no_events"]) == 1
    assert await checkpoints.latest("j_a") is None
    assert (await checkpoints.latest("j_b"))["seq"] == 2
    assert await checkpoints.sign_heads(keyring, ["j_b"]) == 0


async def test_the_sweep_pages_through_every_stream_in_batches(engine, keyring):
    await streams(engine, **{f"j_{n}": n for n in range(1, 8)})
    counts: list[int] = []

    signed = await CheckpointStore(engine).sign_heads(keyring, batch=3, progress=counts.append)

    assert signed == 7 and counts == [3, 6, 7]
    found = await CheckpointStore(engine).latest_many([f"j_{n}" for n in range(1, 9)])
    assert {s: c["seq"] for s, c in found.items()} == {f"j_{n}": n for n in range(1, 8)}


async def test_latest_many_answers_each_streams_newest_checkpoint(engine, keyring):
    events = await streams(engine, j_a=1, j_b=1)
    checkpoints = CheckpointStore(engine)
    await checkpoints.sign_heads(keyring)
    await events.append("j_a", [new_event(2)])
    await checkpoints.sign_heads(keyring)

    found = await checkpoints.latest_many(["j_a", "j_b", "j_none"])

    assert set(found) == {"j_a", "j_b"}
    assert found["j_a"] == await checkpoints.latest("j_a") and found["j_a"]["seq"] == 2
    assert found["j_b"]["seq"] == 1


async def test_the_list_pages_by_checkpoint_and_filters_by_stream(engine, keyring):
    events = await streams(engine, j_a=1, j_b=1)
    checkpoints = CheckpointStore(engine)
    await checkpoints.sign_heads(keyring)
    for seq in (2, 3):
        await events.append("j_a", [new_event(seq)])
        await checkpoints.sign_heads(keyring)

    first, after = await checkpoints.list("j_a", 0, 2)
    rest, last = await checkpoints.list("j_a", after, 2)

    assert [c["seq"] for c in first] == [1, 2] and after is not None
    assert [c["seq"] for c in rest] == [3] and last is None
    everything, _ = await checkpoints.list(None, 0, 500)
    assert len(everything) == 4 and {c["stream_id"] for c in everything} == {"j_a", "j_b"}
    assert await checkpoints.list("j_unknown", 0, 50) == ([], None)


async def test_the_signing_key_is_catalogued_once(engine, keyring):
    await streams(engine, j_a=1)
    checkpoints = CheckpointStore(engine)
    assert await checkpoints.keys() == []

    await checkpoints.sign_heads(keyring)
    await checkpoints.register_keys(keyring.keys)

    current = keyring.current
    assert await checkpoints.keys() == [
        {
            "key_id": current.key_id,
            "algorithm": "Ed25519",
            "public_key": current.public_key,
            "created_at": current.created_at,
        }
    ]


async def test_checkpoints_cannot_be_updated_or_deleted(engine, keyring):
    await streams(engine, j_a=1)
    checkpoints = CheckpointStore(engine)
    await checkpoints.sign_heads(keyring)
    for statement in ("UPDATE audit_checkpoints SET seq = 7", "DELETE FROM audit_checkpoints"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
    assert (await checkpoints.latest("j_a"))["seq"] == 1


async def _rewrite(engine, stream_id: str, events: list[dict]) -> None:
    """Rewrite a whole stream with a consistently recomputed chain, as someone with database access could."""
    pg = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        for trigger in ("events_append_only ON events",) if pg else ("events_no_update", "events_no_delete"):
            await conn.execute(text(f"DROP TRIGGER {trigger}"))
        prev = "0" * 64
        for e in events:
            data = {**e["data"], "note": "rewritten"}
            body = {k: v for k, v in e.items() if k not in ("hash", "recorded_at")} | {"data": data, "prev_hash": prev}
            digest = event_hash(prev, body)
            await conn.execute(
                text("UPDATE events SET data = :d, prev_hash = :p, hash = :h WHERE stream_id = :s AND seq = :q"),
                {"d": canonical_json(data), "p": prev, "h": digest, "s": stream_id, "q": e["seq"]},
            )
            prev = digest


async def test_a_chain_rewritten_under_its_checkpoint_is_never_signed_again(engine, keyring):
    events = await streams(engine, j_a=3)
    checkpoints = CheckpointStore(engine)
    await checkpoints.sign_heads(keyring)
    signed = await checkpoints.latest("j_a")

    await _rewrite(engine, "j_a", await events.read_all("j_a"))
    await events.append("j_a", [new_event(4)])  # the head moves on over the rewritten chain

    assert await events.verify_chain("j_a") == (True, None)
    assert await checkpoints.sign_heads(keyring) == 0
    assert await checkpoints.latest("j_a") == signed
    hashes = {e["seq"]: e["hash"] for e in await events.read_all("j_a")}
    assert checkpoint_status(signed, hashes, keyring.public_keys()) == "mismatch"


async def test_two_signers_at_once_sign_each_head_once(engine, keyring):
    await streams(engine, j_a=2, j_b=1, c_c=1)
    checkpoints = CheckpointStore(engine)

    counts = await asyncio.gather(*(CheckpointStore(engine).sign_heads(keyring) for _ in range(3)))

    assert sum(counts) == 3
    items, _ = await checkpoints.list(None, 0, 50)
    assert sorted(c["stream_id"] for c in items) == ["c_c", "j_a", "j_b"]
