"""The engine: SQLite configured for concurrent use."""

import asyncio

import pytest
from prometheus_client import REGISTRY
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


async def test_a_writer_cancelled_while_sqlite_makes_it_wait_for_the_lock_does_not_keep_it(tmp_path):
    """What a worker's shutdown does to an activity whose write waits for another process's lock: the
    cancelled write must end its transaction once it has begun it, not hold the lock until collected."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    other_process, worker = db.create_engine(url), db.create_engine(url)  # two engines: two queues
    try:
        async with other_process.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        holding, release = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with db.write_tx(other_process) as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await holding.wait()

        async def cancelled_write() -> None:
            async with db.write_tx(worker) as conn:
                await conn.execute(text("INSERT INTO t VALUES (2)"))

        waiting = asyncio.create_task(cancelled_write())
        await asyncio.sleep(0.3)  # in SQLite's busy handler, waiting for the holder
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):  # at once: its opening goes on by itself
            await asyncio.wait_for(waiting, timeout=5)
        release.set()
        await holder

        async def next_write() -> None:
            async with db.write_tx(other_process) as conn:
                await conn.execute(text("INSERT INTO t VALUES (3)"))

        await asyncio.wait_for(next_write(), timeout=5)  # not the 30 s busy timeout
        async with other_process.connect() as conn:
            assert (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all() == [1, 3]
    finally:
        await worker.dispose()
        await other_process.dispose()


async def test_each_write_transaction_measures_its_wait_and_its_hold(engine):
    """`pmi_db_write_*_seconds`: one observation each per write, the hold covering the transaction's work."""
    database = engine.dialect.name

    def observed(name: str, stat: str) -> float:
        return REGISTRY.get_sample_value(f"pmi_db_write_{name}_seconds_{stat}", {"database": database}) or 0.0

    before = {(n, s): observed(n, s) for n in ("wait", "hold") for s in ("count", "sum")}
    for _ in range(3):
        async with db.write_tx(engine) as conn:
            await conn.execute(text("SELECT 1"))
            await asyncio.sleep(0.02)
    assert observed("wait", "count") - before["wait", "count"] == 3
    assert observed("hold", "count") - before["hold", "count"] == 3
    assert observed("hold", "sum") - before["hold", "sum"] >= 0.06
    assert observed("wait", "sum") - before["wait", "sum"] < observed("hold", "sum") - before["hold", "sum"]
