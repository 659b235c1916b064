"""A simulator wired to a stand-in engine that checks webhook signatures, both as real HTTP servers."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from domain.signatures import HEADER, verify
from simulator.app import create_app
from simulator.config import SYSTEMS, SimulatorConfig
from simulator.server import serve_in_background

SECRETS = {
    "bpjs": ["bpjs-secret"],
    "imigrasi": ["imigrasi-old", "imigrasi-new"],
    "clinic": ["clinic-secret"],
    "hotline": ["hotline-secret"],
    "embassy": ["embassy-secret"],
}


@dataclass
class Received:
    source: str
    body: dict[str, Any]
    signature_valid: bool


@dataclass
class FakeEngine:
    """Receives `/v1/integrations/{source}/events` and verifies each signature as the engine's API does."""

    events: list[Received] = field(default_factory=list)
    fail_next: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/integrations/{source}/events")
        async def receive(source: str, request: Request) -> JSONResponse:
            if self.fail_next:
                self.fail_next -= 1
                return JSONResponse({"error": {"code": "UNAVAILABLE"}}, status_code=503)
            raw = await request.body()
            valid = verify(request.headers.get(HEADER), SECRETS.get(source, []), raw, int(time.time()))
            self.events.append(Received(source, json.loads(raw), valid))
            self.arrived.set()
            if not valid:
                return JSONResponse({"error": {"code": "BAD_SIGNATURE"}}, status_code=401)
            return JSONResponse({"status": "accepted"}, status_code=202)

        return app

    async def wait_for(self, predicate: Callable[[Received], bool], within: float = 3.0) -> Received:
        """The first received event matching `predicate`, waiting for it to arrive."""
        async with asyncio.timeout(within):
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[tuple[FakeEngine, str]]:
    fake = FakeEngine()
    async with serve_in_background(fake.app()) as url:
        yield fake, url


@pytest.fixture(scope="session")
async def simulator_url(engine: tuple[FakeEngine, str]) -> AsyncIterator[str]:
    config = SimulatorConfig(
        engine_url=engine[1],
        webhook_secrets=SECRETS,
        webhook_delay_seconds=0.0,
        webhook_backoff_seconds=0.01,
        mismatch_niks=["3374015501950003"],
    )
    async with serve_in_background(create_app(config)) as url:
        yield url


@pytest.fixture
async def sim(simulator_url: str, engine: tuple[FakeEngine, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the simulator; fault and webhook settings are put back afterwards."""
    async with httpx.AsyncClient(base_url=simulator_url) as client:
        yield client
        engine[0].fail_next = 0
        calm = {"latency_ms": 0, "failure_rate": 0.0, "fail_next": 0}
        for system in SYSTEMS:
            await client.put(f"/_config/{system}", json=calm)
        await client.put("/_config/webhooks", json={"enabled": True, "delay_seconds": 0.0})


@pytest.fixture
def fake_engine(engine: tuple[FakeEngine, str]) -> FakeEngine:
    return engine[0]


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def journey_id() -> str:
    return f"j_{uuid.uuid4().hex}"
