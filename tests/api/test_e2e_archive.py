"""End to end: the history archive keeps a journey verifiable after Temporal has deleted its runs.

The engine here continues each journey as new after every message, so one journey has several runs;
the archive sweep copies the closed ones, Temporal deletes them (as its retention would), and verify
still replays every run, from the archive.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from activities.audit_sweep import sweep_archive
from cli.main import main
from config import get_settings
from store.archive import HistoryArchive
from store.journey_keys import JourneyKeys
from store.read_model import JourneyReadModel
from tests.api.stack import Stack, pmi_environment, stack_per_database
from tests.api.test_e2e_audit import journey_with_history, settled_events
from tests.polling import eventually
from workflows.client import codec_for


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def archive_stack(request, dev_env, tmp_path_factory) -> AsyncIterator[Stack]:
    tmp = tmp_path_factory.mktemp("e2e-archive")
    async with stack_per_database(request.param, dev_env.client, tmp, {"journey_continue_as_new_after": 1}) as s:
        yield s


def a_minute_ago() -> str:
    return (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def runs_of(stack: Stack, workflow_id: str) -> list:
    return [e async for e in stack.client.list_workflows(f"WorkflowId = '{workflow_id}'")]


async def delete_run(stack: Stack, workflow_id: str, run_id: str) -> None:
    """What the namespace's retention does to a closed run: Temporal forgets it."""
    await stack.client.workflow_service.delete_workflow_execution(
        DeleteWorkflowExecutionRequest(
            namespace=stack.client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id),
        )
    )

    async def gone() -> bool:
        try:
            await stack.client.get_workflow_handle(workflow_id, run_id=run_id).describe()
        except RPCError as exc:
            return exc.status == RPCStatusCode.NOT_FOUND
        return False

    await eventually(gone, lambda g: g, within=30, what=f"run {run_id} deleted")

    async def unlisted() -> bool:  # and gone from visibility, which lags the deletion itself
        return all(e.run_id != run_id for e in await runs_of(stack, workflow_id))

    await eventually(unlisted, lambda g: g, within=30, what=f"run {run_id} gone from visibility")


async def journey_with_closed_runs(stack: Stack) -> tuple[str, list]:
    jid, journey = await journey_with_history(stack)
    await settled_events(stack, jid, journey["version"])

    async def runs() -> list:
        return await runs_of(stack, jid)

    found = await eventually(runs, lambda rs: len(rs) >= 2, what="the journey continued as new")
    return jid, found


async def verify(stack: Stack, jid: str) -> dict:
    call = stack.api.post(f"/v1/journeys/{jid}/verify", headers=stack.auth("auditor", "*"))
    try:
        r = await asyncio.wait_for(call, 45)
    except TimeoutError:  # the API runs in this loop: say where its verify is waiting
        raise AssertionError(f"verify did not answer within 45 s; the tasks waiting:\n{task_stacks()}") from None
    assert r.status_code == 200, r.text
    return r.json()


def task_stacks() -> str:
    """Each task of the API's services: the chain of awaits it is suspended in, outermost first."""
    lines = []
    for task in asyncio.all_tasks():
        chain, awaited = [], task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "ag_frame", None)
            frame = frame or getattr(awaited, "gi_frame", None)
            if frame is None:
                chain.append(repr(awaited)[:200])
                break
            chain.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "ag_await", None)
            awaited = awaited or getattr(awaited, "gi_yieldfrom", None)
        if any("services" in line for line in chain):
            lines += [f"task {task.get_name()}:", *("  " + c for c in chain)]
    return "\n".join(lines)


async def test_a_journey_whose_closed_runs_temporal_deleted_still_replays_every_run_from_the_archive(
    archive_stack: Stack,
):
    stack = archive_stack
    since = a_minute_ago()
    jid, runs = await journey_with_closed_runs(stack)
    closed = [e for e in runs if e.status == WorkflowExecutionStatus.CONTINUED_AS_NEW]
    assert len(closed) >= 1

    report = await sweep_archive(stack.client, archive_of(stack), stack.settings.task_queue, since)
    archived = {name.split("/")[1] for name in report.archived_runs if name.startswith(jid + "/")}
    assert {e.run_id for e in closed} <= archived
    again = await sweep_archive(stack.client, archive_of(stack), stack.settings.task_queue, since)
    # Idempotent: a run archived once is not archived again. (The journey may have continued as new
    # once more between the two sweeps, its activities still answering: that new closed run is news.)
    assert not archived & {name.split("/")[1] for name in again.archived_runs if name.startswith(jid + "/")}

    for execution in closed:
        await delete_run(stack, jid, execution.run_id)
    assert len(await runs_of(stack, jid)) == len(runs) - len(closed)

    result = await verify(stack, jid)
    assert result["hash_chain"] == "ok" and result["state_matches"] is True
    assert result["replay"] == "ok", result
    assert result["runs_replayed"] == len(runs)

    r = await stack.api.get(f"/v1/journeys/{jid}/export", headers=stack.auth("auditor", "*"))
    assert r.status_code == 200
    exported = {h["run_id"] for h in r.json()["workflow_histories"]}
    assert {e.run_id for e in runs} <= exported  # the live run may have continued as new since
    assert r.json()["histories_complete"] is True


async def test_an_ended_journey_verifies_from_the_archive_and_the_store_once_temporal_forgot_all_of_it(
    archive_stack: Stack,
):
    stack = archive_stack
    since = a_minute_ago()
    jid, _ = await journey_with_closed_runs(stack)
    r = await stack.api.post(f"/v1/journeys/{jid}/withdraw", json={"reason": "changed mind"}, headers=stack.auth())
    assert r.status_code == 200, r.text
    version = r.json()["version"]

    async def closed_for_good() -> list:
        return [e for e in await runs_of(stack, jid) if e.status == WorkflowExecutionStatus.COMPLETED]

    await eventually(closed_for_good, lambda rs: len(rs) == 1, what="the final run completed")

    async def stored() -> dict | None:
        return await JourneyReadModel(stack.engine).get(jid)

    await eventually(stored, lambda j: j and j["version"] == version, what="the read model caught up")
    await sweep_archive(stack.client, archive_of(stack), stack.settings.task_queue, since)
    runs = await runs_of(stack, jid)
    for execution in runs:
        await delete_run(stack, jid, execution.run_id)

    result = await verify(stack, jid)
    assert result["replay"] == "ok", result
    assert result["runs_replayed"] == len(runs)
    assert result["hash_chain"] == "ok" and result["state_matches"] is True


async def test_a_run_temporal_deleted_before_it_was_archived_makes_the_replay_unavailable_not_ok(
    archive_stack: Stack,
):
    stack = archive_stack
    jid, runs = await journey_with_closed_runs(stack)
    lost = next(e for e in runs if e.status == WorkflowExecutionStatus.CONTINUED_AS_NEW)
    await delete_run(stack, jid, lost.run_id)
    result = await verify(stack, jid)
    assert result["replay"] == "unavailable", result
    assert result["runs_replayed"] == len(runs) - 1


async def test_an_archived_history_altered_in_the_database_is_reported(archive_stack: Stack):
    stack = archive_stack
    since = a_minute_ago()
    jid, runs = await journey_with_closed_runs(stack)
    await sweep_archive(stack.client, archive_of(stack), stack.settings.task_queue, since)
    victim = next(e for e in runs if e.status == WorkflowExecutionStatus.CONTINUED_AS_NEW)
    await rewrite_archived_history(stack, jid, victim.run_id)
    await delete_run(stack, jid, victim.run_id)
    result = await verify(stack, jid)
    assert result["archive_broken"] == [{"workflow_id": jid, "run_id": victim.run_id}]
    assert result["replay"] != "ok"


async def rewrite_archived_history(stack: Stack, workflow_id: str, run_id: str) -> None:
    """Someone with write access to the database swaps an archived run's bytes (past the triggers)."""
    import zlib

    forged = zlib.compress(b"\x0a\x00 not the history that was archived")
    async with stack.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            await conn.execute(text("ALTER TABLE workflow_histories DISABLE TRIGGER workflow_histories_append_only"))
        else:
            await conn.execute(text("DROP TRIGGER workflow_histories_no_update"))
        await conn.execute(
            text("UPDATE workflow_histories SET history = :h WHERE workflow_id = :w AND run_id = :r"),
            {"h": forged, "w": workflow_id, "r": run_id},
        )
        if postgres:
            await conn.execute(text("ALTER TABLE workflow_histories ENABLE TRIGGER workflow_histories_append_only"))
        else:
            await conn.execute(
                text(
                    "CREATE TRIGGER workflow_histories_no_update BEFORE UPDATE ON workflow_histories "
                    "BEGIN SELECT RAISE(ABORT, 'workflow_histories is append-only (UPDATE refused)'); END"
                )
            )


async def test_the_archived_rows_cannot_be_changed_or_deleted(archive_stack: Stack):
    stack = archive_stack
    since = a_minute_ago()
    jid, _ = await journey_with_closed_runs(stack)
    await sweep_archive(stack.client, archive_of(stack), stack.settings.task_queue, since)
    for statement in ("UPDATE workflow_histories SET status = 'x'", "DELETE FROM workflow_histories"):
        with pytest.raises(Exception, match="append-only"):
            async with stack.engine.begin() as conn:
                await conn.execute(text(statement + " WHERE workflow_id = :w"), {"w": jid})


async def test_the_scheduled_sweep_archives_closed_runs_and_signs_the_heads_that_moved(archive_stack: Stack):
    """The worker's Temporal Schedule starts `AuditSweepWorkflow`; triggered here instead of waited for."""
    from store.checkpoints import CheckpointStore
    from workflows.audit_sweep import SCHEDULE_ID
    from workflows.schedules import ensure_audit_sweep_schedule

    stack = archive_stack
    jid, runs = await journey_with_closed_runs(stack)
    await ensure_audit_sweep_schedule(stack.client, stack.settings)
    await ensure_audit_sweep_schedule(stack.client, stack.settings)  # a restarted worker updates it
    handle = stack.client.get_schedule_handle(SCHEDULE_ID)
    try:
        await handle.trigger()

        async def sweeps() -> list:
            query = f"WorkflowType = 'AuditSweepWorkflow' AND TaskQueue = '{stack.settings.task_queue}'"
            return [e async for e in stack.client.list_workflows(query)]

        started = await eventually(sweeps, lambda found: found, within=30, what="the schedule started a sweep")
        result = await stack.client.get_workflow_handle(started[0].id).result()
    finally:
        await handle.delete()
    assert result["archive"]["failed"] == 0 and result["checkpoints"]["signed"] >= 1
    closed = {e.run_id for e in runs if e.status == WorkflowExecutionStatus.CONTINUED_AS_NEW}
    archived = {r.run_id for r in await archive_of(stack).runs_of([jid])}
    assert closed <= archived
    checkpoint = await CheckpointStore(stack.engine).latest(jid)
    assert checkpoint is not None and checkpoint["seq"] >= 1


async def test_pmi_audit_archive_copies_the_closed_runs_and_reports_them(archive_stack: Stack, monkeypatch, capsys):
    stack = archive_stack
    jid, runs = await journey_with_closed_runs(stack)
    for name, value in pmi_environment(stack).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert await asyncio.to_thread(main, ["audit", "archive", "--since", a_minute_ago()]) == 0
    finally:
        get_settings.cache_clear()
    closed = [e.run_id for e in runs if e.status == WorkflowExecutionStatus.CONTINUED_AS_NEW]
    archived = {r.run_id for r in await archive_of(stack).runs_of([jid])}
    assert set(closed) <= archived
    out = capsys.readouterr().out
    assert "runs archived" in out


def archive_of(stack: Stack) -> HistoryArchive:
    """The archive as the engine reads it: journeys' and cases' histories sealed under their keys."""
    return HistoryArchive(stack.engine, JourneyKeys(stack.engine, codec_for(stack.settings).keyring))
