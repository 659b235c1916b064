"""Soak the fault matrix: the scenarios of `tests/faults/` again and again, for a bounded time.

    .venv/bin/python bench/faults_soak.py                       # 5 minutes, SQLite (+ PostgreSQL if configured)
    .venv/bin/python bench/faults_soak.py --minutes 30 --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/faults_soak.py --minutes 2 --only webhook_replay,worker_killed

Everything runs on 127.0.0.1, in this process: one Temporal dev server of its own (the installed
`temporal` binary, SQLite in a temp dir; the scenarios kill and restart it), the API, the simulator and
the worker on SQLite — and, with `--postgres-url` (default `PMI_TEST_POSTGRES_URL`), a second engine on
PostgreSQL plus one behind a TCP proxy for the database outage. The scenarios run round robin until the
time is up (a scenario under way is finished, bounded by `--scenario-timeout`); then it prints, per
scenario, passes, failures, durations and the latencies each one measured (the 503s, the recoveries),
and exits 1 if anything failed.
"""

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import make_url  # noqa: E402

from tests.api.stack import Stack, new_nik, running_stack, step_states  # noqa: E402
from tests.api.test_e2e_journey import start_body  # noqa: E402
from tests.faults import scenarios  # noqa: E402
from tests.faults.devserver import KillableDevServer  # noqa: E402
from tests.faults.probes import FAULT_SETTINGS  # noqa: E402
from tests.faults.tcp_proxy import TcpProxy  # noqa: E402
from tests.polling import eventually  # noqa: E402
from tests.store.databases import PostgresDatabases  # noqa: E402

Scenario = Callable[[], Awaitable[dict[str, float]]]
SETTINGS = {**FAULT_SETTINGS, "log_level": "ERROR"}
# After a long Temporal outage the worker's pollers back off (about 10 s after a minute down) and come
# back one by one: the sticky queue's poller may answer queries while new workflow tasks still wait.
# A scenario starts once a new journey registers on the engine it uses.
SETTLE_SECONDS = 90.0


@dataclass
class Engine:
    """A long-lived stack of the soak."""

    stack: Stack

    async def settle(self) -> float:
        """Seconds until a journey started now (503s retried) has its registration completed."""
        stack, began, started = self.stack, time.monotonic(), []

        async def registered() -> bool:
            if not started:
                r = await stack.api.post("/v1/journeys", json=start_body(new_nik(), None, "G2G"), headers=stack.auth())
                if r.status_code == 201:
                    started.append(r.json()["journey_id"])
                return False
            r = await stack.api.get(f"/v1/journeys/{started[0]}", headers=stack.auth())
            return r.status_code == 200 and step_states(r.json()).get("registration") == "completed"

        await eventually(registered, within=SETTLE_SECONDS, every=0.2, what="a new journey registering")
        return time.monotonic() - began


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    durations: list[float] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def quantile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def first_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


@contextlib.asynccontextmanager
async def postgres_schema(databases: PostgresDatabases) -> AsyncIterator[str]:
    name = await databases.create()
    try:
        yield databases.url_of(name)
    finally:
        await databases.drop(name)


async def soak(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="pmi-faults-soak-"))
    server = KillableDevServer(tmp / "temporal")
    await server.start()
    print(f"temporal dev server {server.address} (log {server.log_file})", flush=True)
    databases = PostgresDatabases(args.postgres_url) if args.postgres_url else None
    try:
        async with contextlib.AsyncExitStack() as stacks:

            async def engine(db_url: str, name: str) -> Engine:
                (tmp / name).mkdir()
                stack = await stacks.enter_async_context(
                    running_stack(await server.connect(), db_url, tmp / name, SETTINGS)
                )
                return Engine(stack)

            sqlite = await engine(f"sqlite+aiosqlite:///{tmp / 'sqlite.db'}", "sqlite")
            lite = sqlite.stack
            plan: dict[str, tuple[Engine | None, Scenario]] = {
                "worker_killed[sqlite]": (sqlite, lambda: scenarios.worker_killed_mid_action(lite)),
                "temporal_killed[sqlite]": (sqlite, lambda: scenarios.temporal_killed_and_restarted(lite, server)),
                "government_failing[sqlite]": (
                    sqlite,
                    lambda: scenarios.government_system_failing_then_recovering(lite),
                ),
                "webhook_replay[sqlite]": (sqlite, lambda: scenarios.webhook_replayed_three_times_concurrently(lite)),
                "whole_stack_restart[sqlite]": (None, lambda: restart_once(server, tmp)),
            }
            if databases is not None:
                pg = await engine(await stacks.enter_async_context(postgres_schema(databases)), "pg")
                direct = make_url(await stacks.enter_async_context(postgres_schema(databases)))
                proxy = await TcpProxy(direct.port or 5432, direct.host or "127.0.0.1").start()
                stacks.push_async_callback(proxy.close)
                behind = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
                proxied = await engine(behind, "pg-proxied")
                p, q = pg.stack, proxied.stack
                plan |= {
                    "worker_killed[postgresql]": (pg, lambda: scenarios.worker_killed_mid_action(p)),
                    "government_failing[postgresql]": (
                        pg,
                        lambda: scenarios.government_system_failing_then_recovering(p),
                    ),
                    "webhook_replay[postgresql]": (pg, lambda: scenarios.webhook_replayed_three_times_concurrently(p)),
                    "database_unavailable[postgresql]": (proxied, lambda: scenarios.database_unavailable(q, proxy)),
                }
            else:
                print("no --postgres-url / PMI_TEST_POSTGRES_URL: PostgreSQL scenarios left out", flush=True)
            if args.only:
                wanted = {w.strip() for w in args.only.split(",") if w.strip()}
                plan = {k: v for k, v in plan.items() if k.split("[")[0] in wanted or k in wanted}
                if not plan:
                    print(f"--only {args.only!r} matches no scenario", file=sys.stderr)
                    return 2
            tallies = await run_rounds(plan, args.minutes * 60, args.scenario_timeout)
    finally:
        server.stop()
        if databases is not None:
            await databases.close()
    return report(tallies, args.minutes)


async def restart_once(server: KillableDevServer, tmp: Path) -> dict[str, float]:
    """Each whole-stack restart gets its own data: the scenario starts and stops its stacks itself."""
    data = tmp / f"restart-{uuid.uuid4().hex[:8]}"
    data.mkdir()
    return await scenarios.whole_stack_restart(server, f"sqlite+aiosqlite:///{data / 'pmi.db'}", data)


async def run_rounds(
    plan: dict[str, tuple[Engine | None, Scenario]], seconds: float, scenario_timeout: float
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {name: Tally() for name in plan}
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for name, (engine, run) in plan.items():
            if time.monotonic() >= deadline:
                break
            tally = tallies[name]
            began = time.monotonic()
            try:
                settled = await engine.settle() if engine is not None else None
                began = time.monotonic()
                async with asyncio.timeout(scenario_timeout):
                    latencies = await run()
                if settled is not None:
                    latencies["settle_before"] = settled
            except Exception as exc:  # a failed scenario is counted, reported and the soak goes on
                tally.failed += 1
                tally.errors[first_line(exc)] += 1
                print(f"FAIL {name} ({time.monotonic() - began:.1f} s): {first_line(exc)}", flush=True)
                if tally.failed == 1:
                    traceback.print_exc(limit=6)
                continue
            tally.passed += 1
            tally.durations.append(time.monotonic() - began)
            for key, value in latencies.items():
                tally.latencies[key].append(value)
            print(f"ok   {name} ({tally.durations[-1]:.1f} s)", flush=True)
        print(f"-- round {rounds} done, {max(0.0, deadline - time.monotonic()):.0f} s left", flush=True)
    return tallies


def report(tallies: dict[str, Tally], minutes: float) -> int:
    print(f"\nfault soak, {minutes:g} min")
    print(f"{'scenario':36} {'pass':>5} {'fail':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for name, t in tallies.items():
        d = t.durations
        cells = (f"{quantile(d, 0.5):7.2f} {quantile(d, 0.95):7.2f} {max(d):7.2f}") if d else f"{'-':>7} " * 3
        print(f"{name:36} {t.passed:5d} {t.failed:5d} {cells}")
    print("\nlatencies measured inside the scenarios (s): p50 / p95 / max")
    for name, t in tallies.items():
        for key, values in sorted(t.latencies.items()):
            print(
                f"  {name:34} {key:28} {quantile(values, 0.5):6.2f} / {quantile(values, 0.95):6.2f}"
                f" / {max(values):6.2f}"
            )
    failures = {name: t for name, t in tallies.items() if t.failed}
    if failures:
        print("\nfailures")
        for name, t in failures.items():
            for error, count in t.errors.items():
                print(f"  {name}: {count} x {error}")
    return 1 if failures else 0


def quiet_temporal_core() -> None:
    """The SDK core logs every retried RPC while Temporal is down; the soak reports outcomes instead."""
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    quiet = LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="OFF"))
    Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=quiet)), error_if_already_set=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to keep starting scenarios (default 5)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PMI_TEST_POSTGRES_URL"),
        help="PostgreSQL server for the PostgreSQL scenarios (a scratch schema each); default PMI_TEST_POSTGRES_URL",
    )
    parser.add_argument("--only", help="comma-separated scenario names, e.g. webhook_replay,temporal_killed")
    parser.add_argument("--scenario-timeout", type=float, default=180.0, help="seconds one scenario may take")
    args = parser.parse_args()
    if args.postgres_url and make_url(args.postgres_url).host not in ("127.0.0.1", "localhost", None):
        parser.error("the soak runs on 127.0.0.1 only: --postgres-url must name a local server")
    quiet_temporal_core()
    sys.exit(asyncio.run(soak(args)))


if __name__ == "__main__":
    main()
