"""A real simulator over HTTP for the activity tests, and a stand-in PII vault.

One simulator per session (webhooks off: these tests look at the calls, not the events);
fault settings are put back after every test so one test's outage cannot leak into the next.
"""

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from config import Settings
from simulator.app import create_app
from simulator.config import SYSTEMS, SimulatorConfig
from simulator.server import serve_in_background
from tests.activities.harness import FakeVault
from worker import simulator_client


@pytest.fixture(scope="session")
async def simulator_url() -> AsyncIterator[str]:
    config = SimulatorConfig(webhooks=False, engine_url="http://127.0.0.1:9", webhook_secrets={}, seed=7)
    async with serve_in_background(create_app(config)) as url:
        yield url


@pytest.fixture(scope="session")
async def gov_client(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The client the activities get, as the worker would build it."""
    async with simulator_client(Settings(simulator_url=simulator_url)) as client:
        yield client


@pytest.fixture
async def sim(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The control surface (`/_config`, `/_calls`, `/_effects`); resets faults afterwards."""
    async with simulator_client(Settings(simulator_url=simulator_url)) as client:
        yield client
        calm = {"latency_ms": 0, "failure_rate": 0.0, "fail_next": 0}
        for system in SYSTEMS:
            await client.put(f"/_config/{system}", json=calm)


@pytest.fixture
def vault() -> FakeVault:
    return FakeVault()


@pytest.fixture
def new_key() -> Callable[[str], str]:
    """Idempotency keys unique per test, shaped like the workflow's (journey and step)."""
    return lambda step: f"{uuid.uuid4().hex}:{step}"
