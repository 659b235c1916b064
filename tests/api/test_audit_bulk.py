"""The bulk verify (`pmi audit verify --no-replay`) gives every journey exactly the answer
`verify_journey(..., replay_histories=False)` gives it: sound journeys, each kind of corruption, cases,
checkpoints, a read model behind the store, and journeys the store does not know. On SQLite and PostgreSQL."""

import importlib
import io
from functools import reduce
from pathlib import Path

from rich.console import Console
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.services.audit import verify_journey
from api.services.audit_bulk import verify_stored_many
from api.services.container import build_services
from api.services.temporal import TemporalGateway
from cli.audit_verify import verify_many
from config import Settings
from domain.case_events import evolve_case
from domain.case_rules import case_action, case_projection, open_case
from domain.chain import canonical_json, event_hash
from domain.contracts import CaseCommand, NewEvent, StartCase
from domain.evolve import fold
from domain.policy import Policy
from domain.view import projection
from store.event_store import EventStore
from tests.domain.harness import OFFICER, T0, Journey
from tests.domain.test_fold_property import valid_evidence_for
from tests.store.databases import engine, pg_databases, url_string

__all__ = ["engine", "pg_databases"]

_SCHEMA = importlib.import_module("store.migrations.versions.0001_initial_schema")


def journey_events(journey_id: str, scheme: str, steps: int) -> list[NewEvent]:
    """A journey's events through its first `steps` open steps, as the workflow would record them."""
    j = Journey(scheme)
    for _ in range(steps):
        step = j.s.available_steps()[0]
        j.act(step, evidence=valid_evidence_for(j, step))
    first = j.events[0]
    return [first.model_copy(update={"data": {**first.data, "journey_id": journey_id}}), *j.events[1:]]


def case_events(case_id: str, journey_id: str, actions: list[str]) -> list[NewEvent]:
    start = StartCase(
        case_id=case_id,
        journey_id=journey_id,
        case_type="unpaid_wages",
        province_code="33",
        actor=OFFICER,
        policy=Policy(),
    )
    events: list[NewEvent] = []
    for item in open_case(start, T0):
        events.append(item.recorded(len(events) + 1, T0))
    for action in actions:
        for item in case_action(reduce(evolve_case, events, None), CaseCommand(action=action, actor=OFFICER), T0):
            events.append(item.recorded(len(events) + 1, T0))
    return events


async def tamper(engine: AsyncEngine, statements: list[tuple[str, dict]]) -> None:
    """As an attacker with database access would: lift the append-only triggers, change rows, put them back."""
    pg = engine.dialect.name == "postgresql"
    triggers = (
        ("events_append_only ON events", "events_no_truncate ON events")
        if pg
        else ("events_no_update", "events_no_delete")
    )
    async with engine.begin() as conn:
        for trigger in triggers:
            await conn.execute(text(f"DROP TRIGGER {trigger}"))
        for statement, params in statements:
            await conn.execute(text(statement), params)
        for statement in _SCHEMA.PG_APPEND_ONLY if pg else _SCHEMA.SQLITE_APPEND_ONLY:
            await conn.execute(text(statement))


def consistent_rewrite(stream_id: str, documents: list[dict], seq: int, data: dict) -> list[tuple[str, dict]]:
    """Statements that change event `seq`'s data and recompute every hash from there on."""
    prev, statements = documents[seq - 1]["prev_hash"], []
    for doc in documents[seq - 1 :]:
        changed = data if doc["seq"] == seq else doc["data"]
        body = {k: v for k, v in doc.items() if k not in ("hash", "recorded_at")} | {"data": changed, "prev_hash": prev}
        digest = event_hash(prev, body)
        statements.append(
            (
                "UPDATE events SET data = :d, prev_hash = :p, hash = :h WHERE stream_id = :s AND seq = :q",
                {"d": canonical_json(changed), "p": prev, "h": digest, "s": stream_id, "q": doc["seq"]},
            )
        )
        prev = digest
    return statements


async def store_url(engine: AsyncEngine) -> str:
    """A URL that reaches this engine's store (on PostgreSQL, its schema: the engine holds it as a setting)."""
    if engine.dialect.name != "postgresql":
        return url_string(engine)
    async with engine.connect() as conn:
        schema = (await conn.execute(text("SHOW search_path"))).scalar_one()
    return engine.url.update_query_dict({"search_path": schema}).render_as_string(hide_password=False)


async def test_the_bulk_verify_answers_each_journey_as_verify_journey_does(engine: AsyncEngine, tmp_path: Path):
    settings = Settings(
        database_url=await store_url(engine),
        audit_keyring_file=tmp_path / "keyring.json",
        temporal_port=1,
        log_level="WARNING",
    )
    services = build_services(settings, engine, TemporalGateway(settings))
    store = EventStore(engine)
    streams = {
        "j_01SOUND": journey_events("j_01SOUND", "G2G", 4),
        "j_02CHANGED": journey_events("j_02CHANGED", "P3MI", 3),
        "j_03NOTJSON": journey_events("j_03NOTJSON", "G2G", 3),
        "j_04NOTITSTYPE": journey_events("j_04NOTITSTYPE", "INDEPENDENT", 3),
        "j_05DELETED": journey_events("j_05DELETED", "G2G", 3),
        "j_06CASES": journey_events("j_06CASES", "G2G", 2),
        "j_07BEHIND": journey_events("j_07BEHIND", "P3MI", 4),
        "j_08REWRITTEN": journey_events("j_08REWRITTEN", "G2G", 3),
        "j_09NOREADMODEL": journey_events("j_09NOREADMODEL", "G2G", 1),
    }
    cases = {"c_01SOUND": ["verify", "mediate"], "c_02BROKEN": ["verify"]}
    for journey_id, events in streams.items():
        await store.append(journey_id, events)
        if journey_id == "j_07BEHIND":
            await services.read_model.upsert(projection(fold(events[:-2])))
        elif journey_id != "j_09NOREADMODEL":
            await services.read_model.upsert(projection(fold(events)))
    for case_id, actions in cases.items():
        events = case_events(case_id, "j_06CASES", actions)
        await store.append(case_id, events)
        await services.cases.upsert(case_projection(reduce(evolve_case, events, None)))
    assert await services.checkpoints.sign_heads(services.keyring.load()) == len(streams) + len(cases)
    rewritten = await store.read_all("j_08REWRITTEN")
    registration = rewritten[1]["data"]
    changed = {**registration, "evidence": {**registration["evidence"], "registration_no": "REG-FORGED"}}
    await tamper(
        engine,
        [
            (
                "UPDATE events SET occurred_at = :t WHERE stream_id = 'j_02CHANGED' AND seq = 3",
                {"t": "2020-01-01T00:00:00Z"},
            ),
            ("UPDATE events SET data = '{\"step\": ' WHERE stream_id = 'j_03NOTJSON' AND seq = 2", {}),
            ("UPDATE events SET data = '{}' WHERE stream_id = 'j_04NOTITSTYPE' AND seq = 3", {}),
            ("DELETE FROM events WHERE stream_id = 'j_05DELETED' AND seq = 2", {}),
            ("UPDATE events SET data = '[]' WHERE stream_id = 'c_02BROKEN' AND seq = 2", {}),
            *consistent_rewrite("j_08REWRITTEN", rewritten, 2, changed),
        ],
    )
    ids = [*streams, "j_10UNKNOWN"]

    one_by_one = {jid: await verify_journey(services, jid, replay_histories=False) for jid in ids}
    heard: list[int] = []
    assert await verify_stored_many(services, ids, batch=4, progress=heard.append) == one_by_one
    assert heard == [4, 4, 2]
    assert await verify_stored_many(services, ids) == one_by_one
    results, _ = await verify_many(settings, ids, None, False, 4, Console(file=io.StringIO()))
    assert results == one_by_one

    # And the answers are the findings, not a vacuous agreement:
    assert one_by_one["j_01SOUND"] == {
        "hash_chain": "ok",
        "broken_at_seq": None,
        "replay": "skipped",
        "runs_replayed": 0,
        "state_matches": True,
        "checkpoint": "ok",
        "cases": [],
    }
    found = {
        jid: (r["hash_chain"], r["broken_at_seq"], r["state_matches"], r["checkpoint"]) for jid, r in one_by_one.items()
    }
    assert found["j_02CHANGED"] == ("broken", 3, False, "ok")  # the signed head hash is still there
    assert found["j_03NOTJSON"][:3] == ("broken", 2, False)
    assert found["j_04NOTITSTYPE"][:3] == ("broken", 3, False)
    assert found["j_05DELETED"][:3] == ("broken", 2, False)
    assert found["j_07BEHIND"] == ("ok", None, True, "ok")
    # Every hash recomputes; the fold no longer matches the read model, and the checkpoint shows the rewrite.
    assert found["j_08REWRITTEN"] == ("ok", None, False, "mismatch")
    assert found["j_09NOREADMODEL"] == ("ok", None, False, "ok")
    assert found["j_10UNKNOWN"] == ("ok", None, False, "none")
    assert [(c["case_id"], c["hash_chain"], c["broken_at_seq"]) for c in one_by_one["j_06CASES"]["cases"]] == [
        ("c_01SOUND", "ok", None),
        ("c_02BROKEN", "broken", 2),
    ]
