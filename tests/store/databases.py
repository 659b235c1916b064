"""Throw-away databases for store tests: a fresh SQLite file, or a fresh PostgreSQL database.

On PostgreSQL each test gets its own schema, migrated from scratch and dropped afterwards.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from store.db import create_engine
from store.migrate import upgrade_async
from tests.migrated import migrated_sqlite

PG_ENV = "PMI_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def require_postgres() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL variant skipped")
    return url


def url_string(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


class PostgresDatabases:
    """Creates and drops schemas in the database named by PMI_TEST_POSTGRES_URL.

    A schema per test (CREATE SCHEMA is instant; CREATE DATABASE costs a checkpoint), reached
    through the store's `search_path` URL parameter, so migrations and engines need nothing else.
    """

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self._admin_engine: AsyncEngine | None = None

    def url_of(self, schema: str) -> str:
        return self.url.update_query_dict({"search_path": schema}).render_as_string(hide_password=False)

    async def _admin(self, statement: str) -> None:
        if self._admin_engine is None:
            self._admin_engine = create_async_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        async with self._admin_engine.connect() as conn:
            await conn.execute(text(statement))

    async def create(self) -> str:
        name = f"pmi_t_{uuid.uuid4().hex[:12]}"
        await self._admin(f'CREATE SCHEMA "{name}"')
        await upgrade_async(self.url_of(name))
        return name

    async def drop(self, name: str) -> None:
        await self._admin(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    async def close(self) -> None:
        if self._admin_engine is not None:
            await self._admin_engine.dispose()


@asynccontextmanager
async def open_database(backend: str, tmp_path: Path, pg: PostgresDatabases | None) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database of `backend`, as an engine; removed afterwards."""
    if backend == "sqlite":
        engine = create_engine(await migrated_sqlite(tmp_path / "store.db"))
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    if pg is None:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL variant skipped")
    name = await pg.create()
    engine = create_engine(pg.url_of(name))
    try:
        yield engine
    finally:
        await engine.dispose()
        await pg.drop(name)


@pytest.fixture(scope="session")
async def pg_databases() -> AsyncIterator[PostgresDatabases | None]:
    """The session's PostgreSQL database factory, or None when no server is configured."""
    url = postgres_url()
    if url is None:
        yield None
        return
    databases = PostgresDatabases(url)
    try:
        yield databases
    finally:
        await databases.close()


@pytest.fixture(params=BACKENDS)
async def engine(request, tmp_path, pg_databases) -> AsyncIterator[AsyncEngine]:
    """A fresh, migrated database per test, on SQLite and on PostgreSQL."""
    async with open_database(request.param, tmp_path, pg_databases) as engine:
        yield engine
