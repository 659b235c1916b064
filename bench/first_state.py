"""A journey's start and its first state, the ways the API can get them (issue 11, item 3), and the
same calls of bare Temporal on the same server:

- *query*: `start_workflow`, then the `state` query, retried until the first workflow task has run
  (`api.services.journey_access.query_state`, what the API did first);
- *update-with-start*: one `execute_update_with_start_workflow` call carrying the `started` update,
  answered in the journey's first workflow task (what the API did next);
- *answered*: `start_workflow`, and the journey as its first workflow task will make it, folded from
  the same input (`api.services.journeys.as_started`, what the API does now);
- *bare start*, *bare update-with-start*: `bench/bare_workflow.py` started, and started with an
  update answered in its first workflow task: what that first task costs Temporal itself.

    .venv/bin/python bench/first_state.py [--calls 100] [--concurrency 1,8] [--rounds 3]

One dev server (SQLite file, `pmi run`'s pragmas), the real worker (every activity, a SQLite store,
the simulator over HTTP) in this process; the ways alternate in rounds so that the machine's drift
falls on all alike. Prints the p50/p95 ms and starts/s of each, per concurrency.
"""

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import structlog
from bare_workflow import BareWorkflow
from side_by_side import BARE_QUEUE, dev_server, load
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker
from ulid import ULID

from api.services.journey_access import query_state
from api.services.journeys import as_started
from config import Settings
from domain.contracts import Actor, StartJourney, WorkerProfile
from domain.policy import Policy
from simulator.app import create_app as create_simulator
from simulator.config import SimulatorConfig
from simulator.server import serve_in_background
from store.db import create_engine
from store.migrate import upgrade_async
from store.pii import PiiVault, WorkerPii
from store.reference import ReferenceData
from worker import create_worker, simulator_client

OFFICER = Actor(sub="officer-bench", role="officer")


def start_input() -> StartJourney:
    worker = WorkerProfile(nik_masked="3374********0002", full_name="Siti Rahayu", birth_date=date(1995, 1, 15),
                           gender="F", province_code="33", regency_code="3374")  # fmt: skip
    return StartJourney(journey_id=f"j_{ULID()}", scheme="INDEPENDENT", worker=worker, destination_country="TW",
                        occupation="caregiver", sector="informal", actor=OFFICER, policy=Policy())  # fmt: skip


async def measure(vault: PiiVault, calls: int, concurrency: int, way) -> dict[str, float]:
    """`calls` starts by `way`, `concurrency` at a time, timed from the start call to its first state;
    each journey's personal data is put in the vault beforehand (its registration reads it)."""
    starts = [start_input() for _ in range(calls)]
    for start in starts:
        nik = "3374" + "".join(random.choice("0123456789") for _ in range(12))  # noqa: S311
        pii = WorkerPii(nik=nik, full_name="Siti Rahayu", birth_date=date(1995, 1, 15), phone="+6281234567890")
        await vault.put(start.journey_id, pii)

    async def one(i: int) -> None:
        view = await way(starts[i])
        assert view["version"] >= 1, view

    return await load(calls, concurrency, one)


async def run(args: argparse.Namespace, tmp: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp / 'store.db'}"
    await upgrade_async(url)
    db = create_engine(url)
    await ReferenceData(db).seed()
    settings = Settings(data_dir=tmp, database_url=url)
    env = await dev_server(settings, tmp)
    client = env.client
    queue = settings.task_queue
    vault = PiiVault(db, settings.pii_key)

    async def by_query(start: StartJourney) -> dict:
        handle = await client.start_workflow("JourneyWorkflow", start, id=start.journey_id, task_queue=queue)
        return await query_state(handle, 10)

    async def by_update_with_start(start: StartJourney) -> dict:
        op = WithStartWorkflowOperation(
            "JourneyWorkflow",
            start,
            id=start.journey_id,
            task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        return await client.execute_update_with_start_workflow("started", start_workflow_operation=op, result_type=dict)

    async def answered(start: StartJourney) -> dict:
        start = start.model_copy(update={"requested_at": datetime.now(UTC)})
        await client.start_workflow("JourneyWorkflow", start, id=start.journey_id, task_queue=queue)
        return as_started(start).model_dump(mode="json")

    async def bare_start(start: StartJourney) -> dict:
        await client.start_workflow(BareWorkflow.run, 1, id=start.journey_id, task_queue=BARE_QUEUE)
        return {"version": 1}

    async def bare_update_with_start(start: StartJourney) -> dict:
        conflict = WorkflowIDConflictPolicy.FAIL
        op = WithStartWorkflowOperation(
            BareWorkflow.run, 1, id=start.journey_id, task_queue=BARE_QUEUE, id_conflict_policy=conflict
        )
        await client.execute_update_with_start_workflow(BareWorkflow.step_action, {}, start_workflow_operation=op)
        return {"version": 1}

    ways = {
        "query": by_query,
        "update-with-start": by_update_with_start,
        "answered": answered,
        "bare start": bare_start,
        "bare update-with-start": bare_update_with_start,
    }
    results: dict[tuple[str, int], list[dict]] = {}
    try:
        sim = SimulatorConfig(webhooks=False, engine_url="http://127.0.0.1:9", webhook_secrets={}, seed=11)
        async with serve_in_background(create_simulator(sim)) as sim_url:
            settings = Settings(data_dir=tmp, database_url=url, simulator_url=sim_url)
            bare = Worker(client, task_queue=BARE_QUEUE, workflows=[BareWorkflow])
            async with simulator_client(settings) as http, create_worker(client, settings, engine=db, http=http), bare:
                await measure(vault, 8, 2, by_query)  # warm: the worker's caches, the pools
                for _ in range(args.rounds):
                    for c in args.concurrency:
                        for name, way in ways.items():
                            results.setdefault((name, c), []).append(await measure(vault, args.calls, c, way))
    finally:
        await env.shutdown()
        await db.dispose()
    print(f"\n{'':<24}{'conc':>5}{'starts/s':>10}{'p50 ms':>9}{'p95 ms':>9}   (median of {args.rounds} rounds)")
    for (name, c), rounds in results.items():
        figures = {k: statistics.median(r[k] for r in rounds) for k in ("per_second", "p50", "p95")}
        print(f"{name:<24}{c:>5}{figures['per_second']:>10.1f}{figures['p50']:>9.1f}{figures['p95']:>9.1f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=100)
    p.add_argument("--concurrency", type=lambda v: [int(x) for x in v.split(",")], default=[1, 8])
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    with tempfile.TemporaryDirectory(prefix="pmi-bench-first-") as tmp:
        asyncio.run(run(args, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
