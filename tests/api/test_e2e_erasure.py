"""End to end: erasing an ended journey by crypto-shredding (`POST /v1/journeys/{id}/erase`).

Afterwards its chain and checkpoint still verify and its events are byte for byte what they were; the
fold still gives the journey's shape with the personal fields erased; and no personal value is left
anywhere to recover: not in the events (the key that opens them is gone), the inbox, the read model,
the vault, the archive, or Temporal.
"""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from temporalio.client import WorkflowExecutionStatus

from activities.audit_sweep import sweep_archive
from store.archive import HistoryArchive
from store.event_store import EventStore
from store.journey_keys import JourneyKeys
from tests.api.stack import Stack, new_nik
from tests.api.test_e2e_journey import TODAY, signal, start_body
from tests.polling import eventually
from workflows.client import codec_for

TABLES = ("events", "journeys", "cases", "integration_inbox", "idempotency_keys", "worker_pii", "workflow_histories")


async def _closed(stack: Stack, jid: str) -> None:
    async def statuses() -> list:
        return [e.status async for e in stack.client.list_workflows(f"WorkflowId = '{jid}'")]

    await eventually(statuses, lambda s: WorkflowExecutionStatus.COMPLETED in s, what="the workflow closed")


async def _everything_stored(stack: Stack) -> str:
    """Every row of the tables that hold a journey's data, as text (bytes decoded leniently)."""
    parts = []
    async with stack.engine.connect() as conn:
        for table in TABLES:
            for row in await conn.execute(text(f"SELECT * FROM {table}")):  # noqa: S608 - fixed names
                parts += [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row]
    return "\n".join(parts)


async def test_an_erased_journey_still_verifies_and_gives_up_no_personal_value(stack: Stack):
    nik = new_nik()
    body = start_body(nik, None, scheme="G2G")
    body["worker"].update(full_name="Kadek Ayu Lestari Wardani", birth_date="1991-04-27", phone="+6281398765432")
    r = await stack.api.post("/v1/journeys", json=body, headers={**stack.auth(), "Idempotency-Key": "erase-1"})
    assert r.status_code == 201, r.text
    jid = r.json()["journey_id"]
    await stack.wait_for(jid, lambda j: j["version"] >= 2)
    medical = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": TODAY.isoformat()}
    await signal(stack, "clinic", jid, "medical.result", medical)

    admin = stack.auth("admin", "*")
    r = await stack.api.post(f"/v1/journeys/{jid}/erase", headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_TRANSITION", r.text
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    r = await stack.api.post(f"/v1/journeys/{jid}/withdraw", json={"reason": "stays home"}, headers=stack.auth())
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    await _closed(stack, jid)
    keys = JourneyKeys(stack.engine, codec_for(stack.settings).keyring)
    archive = HistoryArchive(stack.engine, keys)
    await sweep_archive(stack.client, archive, stack.settings.task_queue, since)
    assert [run.intact for run in await archive.runs_of([jid])] == [True]

    auditor = stack.auth("auditor", "*")
    before = await EventStore(stack.engine).read_all(jid)
    stored = await _everything_stored(stack)
    assert jid in stored  # the scan below reads what the store holds
    for value in ("Kadek Ayu Lestari Wardani", "1991-04-27", nik, "6281398765432", '"fit"'):
        assert value not in stored, value  # sealed or masked, before any erasure

    for role, region in (("officer", "33"), ("supervisor", "33"), ("auditor", "*")):
        r = await stack.api.post(f"/v1/journeys/{jid}/erase", headers=stack.auth(role, region))
        assert r.status_code == 403, role
    r = await stack.api.post(f"/v1/journeys/{jid}/erase", headers=admin)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["personal_data"] == "erased" and answer["streams"] == [jid] and answer["workflow_runs_deleted"] >= 1
    again = await stack.api.post(f"/v1/journeys/{jid}/erase", headers=admin)  # idempotent
    assert again.status_code == 200 and again.json()["workflow_runs_deleted"] == 0

    # The record stands: the same events, the chain and its signed checkpoint verify.
    assert await EventStore(stack.engine).read_all(jid) == before
    r = await stack.api.post(f"/v1/journeys/{jid}/verify", headers=auditor)
    assert r.status_code == 200, r.text
    verdict = r.json()
    assert verdict["hash_chain"] == "ok" and verdict["checkpoint"] == "ok", verdict
    assert verdict["state_matches"] is True and verdict["personal_data"] == "erased", verdict
    # The fold keeps the journey's shape; its personal fields read as erased.
    r = await stack.api.get(f"/v1/journeys/{jid}/state", params={"seq": version}, headers=auditor)
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["outcome"] == "withdrawn" and state["worker"]["full_name"] == "[erased]"
    assert state["worker"]["birth_date"] is None and state["worker"]["nik_masked"].startswith(nik[:4])
    [medical_step] = [s for s in state["steps"] if s["step"] == "medical_check"]
    assert medical_step["evidence"]["result"] is None
    listed = await stack.api.get("/v1/journeys", params={"status": "ended", "limit": 500}, headers=admin)
    [item] = [j for j in listed.json()["items"] if j["journey_id"] == jid]
    assert item["personal_data"] == "erased" and item["worker"]["full_name"] == "[erased]"

    # Nothing left to recover.
    assert (await stack.api.get(f"/v1/journeys/{jid}/personal-data", headers=admin)).status_code == 404
    found = await stack.api.post("/v1/journeys/search", json={"nik": nik}, headers=admin)
    assert found.json()["items"] == []
    stored = await _everything_stored(stack)
    for value in ("Kadek Ayu Lestari Wardani", "K**** A** L****** W******", "1991-04-27", '"fit"'):
        assert value not in stored, value
    keys = JourneyKeys(stack.engine, codec_for(stack.settings).keyring)  # one that never held the key
    assert await keys.erased(jid)
    opened = await keys.open_documents(jid, before)
    assert json.dumps(opened).count("[erased]") >= 1 and "$sealed" not in json.dumps(opened)
    assert [(r.erased, r.history) for r in await HistoryArchive(stack.engine, keys).runs_of([jid])] == [(True, None)]
    assert [e async for e in stack.client.list_workflows(f"WorkflowId = '{jid}'")] == []
    # An idempotent replay of the start answers what is left: the values erased.
    r = await stack.api.post("/v1/journeys", json=body, headers={**stack.auth(), "Idempotency-Key": "erase-1"})
    assert r.status_code == 201 and "Kadek" not in r.text
    log = await stack.api.get("/v1/audit/access-log", params={"journey_id": jid}, headers=auditor)
    reads = [(e["sub"], e["through"]) for e in log.json()["items"]]
    assert ("admin-*", "erase") in reads and ("officer-33", "idempotent_replay") in reads
