"""The engine: SQLite configured for concurrent use."""

import asyncio

import pytest
from sqlalchemy import text

from config import get_settings
from store import db


async def test_the_default_database_is_sqlite_under_the_data_dir_configured_for_concurrent_use(tmp_path, monkeypatch):
    monkeypatch.setenv("PMI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PMI_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        engine = db.create_engine(get_settings().db_url)
        try:
            assert engine.url.database == str((tmp_path / "data" / "pmi.db").resolve())
            async with engine.connect() as conn:
                assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
                assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
                assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == db.SQLITE_BUSY_TIMEOUT_MS
        finally:
            await engine.dispose()
    finally:
        get_settings.cache_clear()


def test_a_postgres_search_path_becomes_a_server_setting():
    engine = db.create_engine("postgresql+asyncpg://u@127.0.0.1:5432/pmi?search_path=tenant_a")
    assert "search_path" not in engine.url.query
    assert engine.sync_engine.pool.size() == db.POSTGRES_POOL_SIZE
    assert engine.sync_engine.pool._max_overflow == 0  # a fixed pool: no connection opened for one checkout


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_the_store_lives_in_the_schema_the_url_names(engine):
    async with engine.connect() as conn:
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar()
        tables = (
            await conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = :s AND tablename = 'events'"),
                               {"s": schema})
        ).scalar()  # fmt: skip
    assert schema.startswith("pmi_t_") and tables == 1


async def test_writers_queue_in_arrival_order_with_urgent_ones_first():
    queue = db.WriterQueue()
    served: list[str] = []

    async def writer(name: str, urgent: bool = False) -> None:
        await queue.acquire(urgent)
        served.append(name)
        await asyncio.sleep(0)
        queue.release()

    await queue.acquire()  # held: every writer below has to wait
    tasks = [asyncio.create_task(writer(n, urgent=n.startswith("u"))) for n in ("a", "b", "u1", "c", "u2")]
    await asyncio.sleep(0)
    queue.release()
    await asyncio.gather(*tasks)
    assert served == ["u1", "u2", "a", "b", "c"]


async def test_a_writer_cancelled_while_waiting_does_not_keep_the_lock():
    queue = db.WriterQueue()
    await queue.acquire()
    waiting = asyncio.create_task(queue.acquire())
    after = asyncio.create_task(queue.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    queue.release()
    await asyncio.wait_for(after, timeout=1)  # the lock skipped the cancelled waiter
    queue.release()
    await queue.acquire()  # and is free again
    queue.release()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_concurrent_sqlite_writers_all_commit(tmp_path):
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))

        async def write(n: int) -> None:
            async with db.write_tx(engine, urgent=n % 7 == 0) as conn:
                await conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

        await asyncio.gather(*(write(n) for n in range(100)))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*), sum(n) FROM t"))).one() == (100, sum(range(100)))
    finally:
        await engine.dispose()
