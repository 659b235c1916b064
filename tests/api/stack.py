"""The whole engine on the real Temporal dev server, for end-to-end API tests.

The API and the simulator run under uvicorn on free ports (real HTTP, real signed webhooks
both ways); the worker runs in-process and can be stopped and started again mid-journey.
"""

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from api.app import create_app
from api.auth import create_token
from config import Settings
from domain.signatures import sign
from simulator.app import create_app as create_simulator
from simulator.config import SimulatorConfig
from simulator.server import serve_in_background
from store.db import create_engine
from store.migrate import upgrade_async
from store.reference import ReferenceData


def new_nik(province: str = "33") -> str:
    """A random NIK the simulated Dukcapil confirms (it refuses those ending in 9999)."""
    return province + "".join(random.choice("0123456789") for _ in range(10)) + f"{random.randint(0, 9998):04d}"


@dataclass
class Stack:
    settings: Settings
    client: Client
    api: httpx.AsyncClient
    simulator_url: str
    engine: Any
    http: httpx.AsyncClient
    worker: Worker | None = None
    worker_task: asyncio.Task[None] | None = None
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    # ---- worker ----------------------------------------------------------------

    async def start_worker(self) -> None:
        from worker import create_worker

        # Stopped, it lets its running activities finish first: an event append cancelled halfway
        # once kept SQLite's write lock past the stop, and the next write waited out the busy timeout.
        self.worker = create_worker(
            self.client, self.settings, engine=self.engine, http=self.http, graceful_shutdown=timedelta(seconds=5)
        )
        self.worker_task = asyncio.create_task(self.worker.run())

    async def stop_worker(self) -> None:
        if self.worker is not None:
            # Bounded, so a worker that cannot finish shutting down fails loudly elsewhere, not by a hang.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.worker.shutdown(), 30)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.worker_task, 5)
            self.worker, self.worker_task = None, None

    # ---- callers ---------------------------------------------------------------

    def auth(self, role: str = "officer", region: str = "33") -> dict[str, str]:
        key = (role, region)
        if key not in self.tokens:
            self.tokens[key] = create_token(self.settings.jwt_secret, f"{role}-{region}", role, region, ttl=3600)
        return {"Authorization": f"Bearer {self.tokens[key]}"}

    async def webhook(
        self, source: str, body: dict[str, Any], secret_index: int = 0, signer: str | None = None
    ) -> httpx.Response:
        """Send `body` as `source` would, signed with its configured secret (or the secret configured
        for `signer`, e.g. `p3mi:P3MI-0007`, a P3MI's own)."""
        import json

        raw = json.dumps(body).encode()
        secret = self.settings.webhook_secret_map[signer or source][secret_index]
        headers = {"X-PMI-Signature": sign([secret], int(time.time()), raw), "Content-Type": "application/json"}
        return await self.api.post(f"/v1/integrations/{source}/events", content=raw, headers=headers)

    async def journey(self, journey_id: str) -> dict[str, Any]:
        r = await self.api.get(f"/v1/journeys/{journey_id}", headers=self.auth("admin", "*"))
        assert r.status_code == 200, r.text
        return r.json()

    async def wait_for(
        self, journey_id: str, check: Callable[[dict[str, Any]], bool], within: float = 30.0
    ) -> dict[str, Any]:
        """Poll the journey until `check` holds (activities and webhooks are asynchronous)."""
        deadline = time.monotonic() + within
        while True:
            j = await self.journey(journey_id)
            if check(j):
                return j
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting on {journey_id}: {step_states(j)} {j.get('status')}")
            await asyncio.sleep(0.2)


def step_states(journey: dict[str, Any]) -> dict[str, str]:
    return {s["step"]: s["state"] for s in journey.get("steps", [])}


def step_is(step: str, *states: str) -> Callable[[dict[str, Any]], bool]:
    return lambda j: step_states(j).get(step) in states


@contextlib.asynccontextmanager
async def running_stack(
    client: Client, db_url: str, tmp: Path, settings_overrides: dict[str, Any] | None = None
) -> AsyncIterator[Stack]:
    """Migrate and seed the store, serve API and simulator, start a worker on a fresh task queue.
    `settings_overrides` change settings (e.g. a policy, or the task queue of a stack started again on
    the same data) for this stack only."""
    await upgrade_async(db_url)
    defaults: dict[str, Any] = {
        "database_url": db_url,
        "data_dir": tmp,
        "task_queue": f"e2e-{uuid.uuid4().hex[:8]}",
        "log_format": "json",
        "log_level": "WARNING",
        # Follow-ups due at once after return, so a journey can complete on a real clock.
        "follow_up_months": [0],
        # Every test of the session calls from 127.0.0.1, and some send bad tokens on purpose (schemathesis
        # many): the failed-authentication limit is for one caller, tested in test_rate_limits.py.
        "auth_failure_rate": "100000/minute",
    }
    settings = Settings(**{**defaults, **(settings_overrides or {})})
    seed_engine = create_engine(db_url)
    await ReferenceData(seed_engine).seed()
    await seed_engine.dispose()
    app = create_app(settings, temporal_client=client)
    async with serve_in_background(app) as api_url:
        sim_config = SimulatorConfig(
            engine_url=api_url,
            webhook_secrets=settings.webhook_secret_map,
            webhook_delay_seconds=0.1,
            webhook_backoff_seconds=0.2,
            seed=7,
        )
        async with serve_in_background(create_simulator(sim_config)) as sim_url:
            settings = settings.model_copy(update={"simulator_url": sim_url, "engine_url": api_url})
            engine = create_engine(db_url, timeout_seconds=settings.database_timeout_seconds)
            async with (
                httpx.AsyncClient(base_url=sim_url, timeout=10) as http,
                httpx.AsyncClient(base_url=api_url, timeout=60) as api,
            ):
                stack = Stack(settings, client, api, sim_url, engine, http)
                await stack.start_worker()
                try:
                    yield stack
                finally:
                    await stack.stop_worker()
                    await engine.dispose()


@contextlib.asynccontextmanager
async def stack_per_database(
    database: str, client: Client, tmp: Path, overrides: dict[str, Any] | None = None
) -> AsyncIterator[Stack]:
    """`running_stack` on SQLite or on a fresh PostgreSQL database (`database` is a fixture's
    `request.param`); PostgreSQL is skipped only when PMI_TEST_POSTGRES_URL is unset (CI requires it)."""
    import pytest

    if database == "sqlite":
        async with running_stack(client, f"sqlite+aiosqlite:///{tmp / 'pmi.db'}", tmp, overrides) as s:
            yield s
        return
    from tests.store.databases import PostgresDatabases, postgres_url

    url = postgres_url()
    if url is None:
        pytest.skip("PMI_TEST_POSTGRES_URL is not set: PostgreSQL end-to-end run skipped")
    databases = PostgresDatabases(url)
    name = await databases.create()
    try:
        async with running_stack(client, databases.url_of(name), tmp, overrides) as s:
            yield s
    finally:
        await databases.drop(name)
        await databases.close()


def pmi_environment(stack: Stack) -> dict[str, str]:
    """The `PMI_*` variables that point a `pmi` command at this stack's database, keys and Temporal."""
    host, port = stack.client.service_client.config.target_host.rsplit(":", 1)
    return {
        "PMI_DATABASE_URL": stack.settings.db_url,
        "PMI_DATA_DIR": str(stack.settings.data_dir),
        "PMI_TEMPORAL_HOST": host,
        "PMI_TEMPORAL_PORT": port,
        "PMI_TASK_QUEUE": stack.settings.task_queue,
    }
