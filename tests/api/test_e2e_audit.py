"""End to end: an auditor reads a journey as it stood, verifies it and exports it."""

import asyncio
import importlib
import io
import json
from argparse import Namespace

from rich.console import Console
from sqlalchemy import text

from cli.audit_verify import run, summary, verify_many
from store.checkpoints import CheckpointStore
from store.event_store import GENESIS_HASH, EventStore, canonical_json, event_hash
from store.keyring import KeyringFile
from tests.api.stack import Stack, new_nik, step_is
from tests.api.test_e2e_journey import TODAY, act, signal, start
from tests.polling import eventually


async def journey_with_history(stack: Stack) -> tuple[str, dict]:
    stack.last_nik = new_nik()
    jid = (await start(stack, stack.last_nik, None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))
    await act(stack, jid, "family_consent", {"consent_ref": "FC-3", "village": "Kalisat"})
    medical = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": TODAY.isoformat()}
    await signal(stack, "clinic", jid, "medical.result", medical)
    journey = await stack.wait_for(jid, step_is("medical_check", "completed"))
    return jid, journey


async def events_of(stack: Stack, jid: str, version: int) -> list[dict]:
    async def items() -> list[dict]:
        r = await stack.api.get(f"/v1/journeys/{jid}/events?limit=500", headers=stack.auth("auditor", "*"))
        return r.json()["items"]

    return await eventually(items, lambda es: es and es[-1]["seq"] >= version, what="the store caught up")


async def test_the_state_as_of_an_event_or_a_time_is_the_fold_of_the_events_until_then(stack: Stack):
    jid, journey = await journey_with_history(stack)
    events = await events_of(stack, jid, journey["version"])
    auditor = stack.auth("auditor", "*")
    consent = next(e for e in events if e["type"] == "StepCompleted" and e["data"]["step"] == "family_consent")
    r = await stack.api.get(f"/v1/journeys/{jid}/state", params={"seq": consent["seq"]}, headers=auditor)
    assert r.status_code == 200, r.text
    then = r.json()
    assert then["version"] == consent["seq"]
    states = {s["step"]: s["state"] for s in then["steps"]}
    assert states["family_consent"] == "completed" and states["medical_check"] == "available"
    r = await stack.api.get(f"/v1/journeys/{jid}/state", params={"as_of": consent["occurred_at"]}, headers=auditor)
    assert r.json()["version"] >= consent["seq"]
    live = await stack.journey(jid)
    await events_of(stack, jid, live["version"])
    r = await stack.api.get(f"/v1/journeys/{jid}/state", params={"seq": live["version"]}, headers=auditor)
    assert r.json() == live
    r = await stack.api.get(f"/v1/journeys/{jid}/state", headers=auditor)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    r = await stack.api.get(f"/v1/journeys/{jid}/state", params={"seq": 2}, headers=stack.auth("officer", "31"))
    assert r.status_code == 404


async def test_verify_checks_the_chain_replays_the_histories_and_compares_the_fold(stack: Stack):
    jid, journey = await journey_with_history(stack)
    await events_of(stack, jid, journey["version"])
    r = await stack.api.post(f"/v1/journeys/{jid}/verify", headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "hash_chain": "ok",
        "broken_at_seq": None,
        "replay": "ok",
        "runs_replayed": 1,
        "state_matches": True,
        "checkpoint": "none",  # a journey under way is checkpointed by the sweep, not yet here
        "cases": [],
    }


async def test_export_holds_the_journey_its_events_and_its_workflow_history(stack: Stack):
    jid, journey = await journey_with_history(stack)
    events = await events_of(stack, jid, journey["version"])
    r = await stack.api.get(f"/v1/journeys/{jid}/export", headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["journey"]["journey_id"] == jid
    assert [e["hash"] for e in doc["events"]][: len(events)] == [e["hash"] for e in events]
    assert doc["workflow_histories"] and doc["workflow_histories"][0]["workflow_id"] == jid
    # Personal data stays in the vault: the clear NIK is nowhere in the export, histories included.
    assert stack.last_nik not in json.dumps(doc)


_SCHEMA = importlib.import_module("store.migrations.versions.0001_initial_schema")


async def settled_events(stack: Stack, jid: str, version: int) -> list[dict]:
    """The events once the worker has stopped appending (records of requests land after their step)."""
    events = await events_of(stack, jid, version)
    while True:
        await asyncio.sleep(0.5)
        again = await events_of(stack, jid, version)
        if len(again) == len(events):
            return again
        events = again


async def tamper(stack: Stack, statements: list[tuple[str, dict]]) -> None:
    """What an attacker with database access can do: lift the append-only triggers, change rows, and put
    the triggers back, all in one transaction."""
    pg = stack.engine.dialect.name == "postgresql"
    dropped = (
        ("events_append_only ON events", "events_no_truncate ON events")
        if pg
        else (
            "events_no_update",
            "events_no_delete",
        )
    )
    async with stack.engine.begin() as conn:
        for trigger in dropped:
            await conn.execute(text(f"DROP TRIGGER {trigger}"))
        for statement, params in statements:
            await conn.execute(text(statement), params)
        for statement in _SCHEMA.PG_APPEND_ONLY if pg else _SCHEMA.SQLITE_APPEND_ONLY:
            await conn.execute(text(statement))


async def verify(stack: Stack, jid: str) -> dict:
    r = await stack.api.post(f"/v1/journeys/{jid}/verify", headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    return r.json()


async def test_data_that_is_no_longer_json_is_reported_broken_at_its_seq_not_answered_with_an_error(stack: Stack):
    jid, journey = await journey_with_history(stack)
    events = await events_of(stack, jid, journey["version"])
    consent = next(e for e in events if e["type"] == "StepCompleted" and e["data"]["step"] == "family_consent")
    statement = "UPDATE events SET data = '{\"step\": ' WHERE stream_id = :s AND seq = :q"
    await tamper(stack, [(statement, {"s": jid, "q": consent["seq"]})])
    result = await verify(stack, jid)
    assert (result["hash_chain"], result["broken_at_seq"], result["state_matches"]) == (
        "broken",
        consent["seq"],
        False,
    )


async def test_an_event_rewritten_with_a_recomputed_chain_but_not_its_type_is_reported_broken(stack: Stack):
    """Every hash recomputes, so only reading the event as its type shows the change."""
    jid, journey = await journey_with_history(stack)
    events = await settled_events(stack, jid, journey["version"])
    consent = next(e for e in events if e["type"] == "StepCompleted" and e["data"]["step"] == "family_consent")
    prev, rewrites = consent["prev_hash"], []
    for e in events[consent["seq"] - 1 :]:
        data = {"not_a_field_of_the_type": True} if e["seq"] == consent["seq"] else e["data"]
        body = {k: v for k, v in e.items() if k not in ("hash", "recorded_at")} | {"data": data, "prev_hash": prev}
        digest = event_hash(prev, body)
        rewrites.append(
            (
                "UPDATE events SET data = :d, prev_hash = :p, hash = :h WHERE stream_id = :s AND seq = :q",
                {"d": canonical_json(data), "p": prev, "h": digest, "s": jid, "q": e["seq"]},
            )
        )
        prev = digest
    await tamper(stack, rewrites)
    # The hashes alone see an intact chain:
    assert await EventStore(stack.engine).verify_chain(jid) == (True, None)
    result = await verify(stack, jid)
    assert (result["hash_chain"], result["broken_at_seq"], result["state_matches"]) == (
        "broken",
        consent["seq"],
        False,
    )


async def test_pmi_audit_verify_checks_many_journeys_and_fails_on_a_broken_one(stack: Stack, tmp_path):
    sound, _ = await journey_with_history(stack)
    tampered, journey = await journey_with_history(stack)
    await settled_events(stack, tampered, journey["version"])
    await settled_events(stack, sound, (await stack.journey(sound))["version"])
    await tamper(stack, [("UPDATE events SET data = '{}' WHERE stream_id = :s AND seq = 2", {"s": tampered})])
    target = stack.client.service_client.config.target_host
    settings = stack.settings.model_copy(
        update={"temporal_host": target.rsplit(":", 1)[0], "temporal_port": int(target.rsplit(":", 1)[1])}
    )
    quiet = Console(file=io.StringIO())
    for replay in (False, True):
        results, seconds = await verify_many(settings, [sound, tampered], None, replay, 4, quiet)
        assert results[sound]["hash_chain"] == "ok" and results[sound]["state_matches"]
        assert results[sound]["replay"] == ("ok" if replay else "skipped")
        assert (results[tampered]["hash_chain"], results[tampered]["broken_at_seq"]) == ("broken", 2)
        _, counts = summary(results, replay, seconds)
        assert (counts["ok"], counts["broken"]) == (1, 1)

    # The command itself, in a thread of its own (it runs its own event loop): a report, and exit 1.
    report = tmp_path / "report.json"
    args = Namespace(
        all=False, since=None, journey_ids=[sound, tampered], no_replay=True, concurrency=2, report=str(report)
    )
    assert await asyncio.to_thread(run, args, settings) == 1
    written = json.loads(report.read_text())
    assert written["counts"]["broken"] == 1 and written["journeys"][tampered]["verdict"] == "broken"
    assert written["journeys"][sound]["verdict"] == "ok"


async def rewrite_consistently(stack: Stack, jid: str, events: list[dict]) -> None:
    """The attack a chain alone cannot see: change the first event and recompute every hash after it,
    so that the whole stream verifies."""
    prev, rewrites = GENESIS_HASH, []
    for e in events:
        actor = {**e["actor"], "sub": "someone-else"} if e["seq"] == 1 else e["actor"]
        body = {k: v for k, v in e.items() if k not in ("hash", "recorded_at")} | {"actor": actor, "prev_hash": prev}
        digest = event_hash(prev, body)
        rewrites.append(
            (
                "UPDATE events SET actor_sub = :a, prev_hash = :p, hash = :h WHERE stream_id = :s AND seq = :q",
                {"a": actor["sub"], "p": prev, "h": digest, "s": jid, "q": e["seq"]},
            )
        )
        prev = digest
    await tamper(stack, rewrites)


async def test_a_stream_rewritten_with_every_hash_recomputed_verifies_its_chain_but_not_its_signed_checkpoint(
    stack: Stack,
):
    jid, journey = await journey_with_history(stack)
    events = await settled_events(stack, jid, journey["version"])
    keyring = KeyringFile(stack.settings.audit_keyring_path)
    assert await CheckpointStore(stack.engine).sign_heads(keyring.load(), [jid]) == 1
    assert (await verify(stack, jid))["checkpoint"] == "ok"

    await rewrite_consistently(stack, jid, events)
    assert await EventStore(stack.engine).verify_chain(jid) == (True, None)
    result = await verify(stack, jid)
    assert (result["hash_chain"], result["checkpoint"]) == ("ok", "mismatch")


async def test_checkpoints_signed_before_a_key_rotation_still_verify(stack: Stack):
    jid, journey = await journey_with_history(stack)
    await settled_events(stack, jid, journey["version"])
    keyring = KeyringFile(stack.settings.audit_keyring_path)
    before = keyring.load().key_id
    await CheckpointStore(stack.engine).sign_heads(keyring.load(), [jid])
    old, new = keyring.rotate()
    assert old == before and new != old
    result = await verify(stack, jid)
    assert result["checkpoint"] == "ok"
    r = await stack.api.get("/v1/audit/checkpoints", params={"stream_id": jid}, headers=stack.auth("auditor", "*"))
    assert [c["key_id"] for c in r.json()["items"]] == [old]
