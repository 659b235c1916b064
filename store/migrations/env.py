"""Alembic environment: runs the migrations over the store's own async engine (same SQLite pragmas)."""

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from store.db import create_engine
from store.tables import metadata

# Any number constant to all processes: the API and the worker may both migrate at start-up.
PG_MIGRATION_LOCK = 724_101


def _url() -> str:
    url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from config import get_settings

    return get_settings().db_url


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes migrating at once: the second waits, then finds nothing left to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(_url())
    try:
        async with engine.connect() as conn:
            # On SQLite the write lock is taken at BEGIN, serialising concurrent migrators too.
            conn = await conn.execution_options(pmi_write=True)
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
