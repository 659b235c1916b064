"""The API's services, for a `pmi` command that works on the store and Temporal directly."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from config import Settings


@asynccontextmanager
async def open_services(settings: Settings, replay_processes: int | None = None) -> AsyncIterator["object"]:
    """One engine and one Temporal gateway, closed on the way out (`build_services`)."""
    from api.services.container import build_services
    from api.services.temporal import TemporalGateway
    from store.db import create_engine

    engine = create_engine(settings.db_url, timeout_seconds=settings.database_timeout_seconds)
    temporal = TemporalGateway(settings)
    services = build_services(settings, engine, temporal, replay_processes)
    try:
        yield services
    finally:
        services.close()
        await temporal.close()
        await engine.dispose()
