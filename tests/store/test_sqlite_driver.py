"""The SQLite driver (`store.sqlite_driver`): a write transaction's statements on the event loop once it
holds the lock, everything else on the connection's thread; DB-API results as aiosqlite gives them."""

import threading
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from store import db


@pytest.fixture
async def engine(tmp_path) -> AsyncIterator:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")

    @event.listens_for(engine.sync_engine, "connect")
    def _thread_function(dbapi_connection, _record) -> None:
        # Which thread runs a statement: SQLite calls the function on the one executing it.
        dbapi_connection.create_function("thread_id", 0, threading.get_ident)

    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, label TEXT)"))
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_write_transaction_runs_on_the_event_loop_and_reads_on_the_connection_thread(engine):
    loop_thread = threading.get_ident()
    async with db.write_tx(engine) as conn:
        inside = (await conn.execute(text("SELECT thread_id()"))).scalar_one()
        await conn.execute(text("INSERT INTO t (n, label) VALUES (1, 'one')"))
    async with engine.connect() as conn:
        read = (await conn.execute(text("SELECT thread_id()"))).scalar_one()
    assert inside == loop_thread
    assert read != loop_thread  # a long read does not hold up the event loop
    async with db.write_tx(engine) as conn:  # the next transaction on the same pooled connection
        assert (await conn.execute(text("SELECT thread_id()"))).scalar_one() == loop_thread


async def test_a_failed_write_rolls_back_and_the_connection_goes_on_as_before(engine):
    loop_thread = threading.get_ident()
    async with db.write_tx(engine) as conn:
        await conn.execute(text("INSERT INTO t (n, label) VALUES (1, 'one')"))
    with pytest.raises(IntegrityError):
        async with db.write_tx(engine) as conn:
            await conn.execute(text("INSERT INTO t (n, label) VALUES (2, 'two')"))
            await conn.execute(text("INSERT INTO t (n, label) VALUES (1, 'again')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT n, label FROM t"))).all() == [(1, "one")]
        assert (await conn.execute(text("SELECT thread_id()"))).scalar_one() != loop_thread
    async with db.write_tx(engine) as conn:
        await conn.execute(text("INSERT INTO t (n, label) VALUES (2, 'two')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 2


@pytest.mark.parametrize("in_write", [True, False], ids=["write transaction", "plain transaction"])
async def test_results_are_those_of_the_db_api(engine, in_write):
    opening = db.write_tx(engine) if in_write else engine.begin()
    async with opening as conn:
        inserted = await conn.execute(text("INSERT INTO t (n, label) VALUES (7, 'seven')"))
        assert inserted.lastrowid == 7
        many = await conn.execute(
            text("INSERT INTO t (n, label) VALUES (:n, :label)"), [{"n": n, "label": f"n{n}"} for n in range(10, 15)]
        )
        assert many.rowcount == 5
        updated = await conn.execute(text("UPDATE t SET label = 'big' WHERE n >= 12"))
        assert updated.rowcount == 3
        returned = await conn.execute(text("UPDATE t SET label = 'small' WHERE n < 12 RETURNING n"))
        assert sorted(returned.scalars().all()) == [7, 10, 11]
        result = await conn.execute(text("SELECT n, label FROM t ORDER BY n"))
        assert list(result.keys()) == ["n", "label"]
        assert result.fetchone() == (7, "small")
        assert result.fetchmany(2) == [(10, "small"), (11, "small")]
        assert result.fetchall() == [(12, "big"), (13, "big"), (14, "big")]
        assert (await conn.execute(text("SELECT n FROM t WHERE n < 0"))).all() == []
