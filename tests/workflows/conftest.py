"""A worker on the time-skipping server with the real activities: the event store on SQLite,
the simulator over HTTP (webhooks off: the tests send integration events themselves)."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import worker
from config import Settings
from simulator.app import create_app
from simulator.config import SimulatorConfig
from simulator.server import serve_in_background
from store.db import create_engine
from store.event_store import EventStore
from store.journey_keys import JourneyKeys
from store.migrate import upgrade_async
from store.reference import ReferenceData
from workflows.client import codec_for

TASK_QUEUE = "journeys-test"


class OpenedEvents:
    """The event store as the tests read it: each stream's events with their sealed personal values
    opened under the stream's key, as the audit endpoints fold them."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.store = EventStore(engine)
        self.keys = JourneyKeys(engine, codec_for(settings).keyring)

    async def read_all(self, stream_id: str) -> list[dict]:
        return await self.keys.open_documents(stream_id, await self.store.read_all(stream_id))


@dataclass
class Stack:
    env: object
    engine: AsyncEngine
    settings: Settings
    simulator: httpx.AsyncClient
    events: OpenedEvents

    @property
    def client(self):
        return self.env.client


@contextlib.asynccontextmanager
async def workflow_stack(env, directory: Path) -> AsyncIterator[Stack]:
    """A worker with the real activities on `env`'s server, its store a fresh SQLite file in `directory`
    (each test file's `wf_stack`, and `scripts/record_histories.py`)."""
    url = f"sqlite+aiosqlite:///{directory / 'store.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    await ReferenceData(engine).seed()
    settings = Settings(task_queue=TASK_QUEUE, database_url=url)
    config = SimulatorConfig(webhooks=False, engine_url="http://127.0.0.1:9", webhook_secrets={}, seed=11)
    async with serve_in_background(create_app(config)) as sim_url:
        async with httpx.AsyncClient(base_url=sim_url) as http, httpx.AsyncClient(base_url=sim_url) as control:
            w = worker.create_worker(
                env.client, settings.model_copy(update={"simulator_url": sim_url}), engine=engine, http=http
            )
            async with w:
                yield Stack(env, engine, settings, control, OpenedEvents(engine, settings))
    await engine.dispose()


@pytest.fixture(scope="module")
async def wf_stack(time_env, tmp_path_factory) -> AsyncIterator[Stack]:
    async with workflow_stack(time_env, tmp_path_factory.mktemp("wf")) as stack:
        yield stack


def new_nik(suffix: str = "0002") -> str:
    return "3374" + str(uuid.uuid4().int)[:8] + suffix
