"""One async engine per process, with the SQLite settings the store relies on.

SQLite is the development default; PostgreSQL (asyncpg) is the production database.
Both are reached through the same SQLAlchemy Core code.
"""

import asyncio
import functools
import heapq
import itertools
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Table, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction, create_async_engine
from sqlalchemy.pool import StaticPool

from metrics import DB_WRITE_HOLD, DB_WRITE_WAIT
from store import sqlite_driver

# Waiting for a SQLite write lock instead of failing at once: writers queue behind each other.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Connections per process. No overflow: an overflow connection is opened for one checkout and closed
# after it, and under load that churned connections (on SQLite a thread each, on PostgreSQL a
# login) all the time; a fixed pool keeps the same ceiling without the churn.
SQLITE_POOL_SIZE = 8
POSTGRES_POOL_SIZE = 20
# Read queries worth running at once on one engine (`api.admission` queues the list queries to
# this): SQLite's reads each run on a thread of their own and hand the GIL back and forth with the
# event loop, so beyond two they slow each other down; PostgreSQL's overlap their round trips.
SQLITE_CONCURRENT_READS = 2
POSTGRES_CONCURRENT_READS = 8
# How long a caller waits for the database before it counts as down (API.md: 503 within a deadline):
# connecting, waiting for a pooled connection, and (PostgreSQL) one statement. `PMI_DATABASE_TIMEOUT_SECONDS`.
DEFAULT_TIMEOUT_SECONDS = 10.0


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | URL) -> Path | None:
    """The database file of a SQLite URL, None for in-memory databases and other backends."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def ensure_sqlite_dir(url: str | URL) -> None:
    """Create the parent directory of a SQLite file (the default lives in `.data/`)."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str | URL, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, **kwargs) -> AsyncEngine:
    """An async engine for `url`.

    SQLite: WAL (readers do not block the writer), foreign keys on, a busy timeout, and
    transactions begun by the store itself so that writes can take the lock up front
    (`BEGIN IMMEDIATE`, see `write_tx`), whose statements then run on the event loop instead of
    being handed to aiosqlite's thread one by one (`store.sqlite_driver`). PostgreSQL: a bounded,
    pre-pinged pool; a `search_path` query parameter (`...?search_path=pmi`) puts the store in that
    schema.
    `timeout_seconds` bounds every wait on the database (connect, pool checkout, a PostgreSQL
    statement), so an unreachable or hanging server is an error within that deadline, not a hang.
    Extra keyword arguments go to `create_async_engine`.
    """
    if is_sqlite(url):
        ensure_sqlite_dir(url)
        if sqlite_path(url) is None:
            kwargs.setdefault("poolclass", StaticPool)
        else:
            kwargs.setdefault("pool_timeout", timeout_seconds)
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", 0)
        connect_args = kwargs.pop("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        def connection():
            # The dialect's arguments for this URL (the file, `check_same_thread`), with ours.
            args, params = engine.sync_engine.dialect.create_connect_args(engine.sync_engine.url)
            return sqlite_driver.connect(*args, **{**params, **connect_args})

        kwargs.setdefault("async_creator", connection)
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine, in_memory=sqlite_path(url) is None)
        return engine
    u = make_url(url)
    connect_args = dict(kwargs.pop("connect_args", {}))
    if u.get_backend_name() == "postgresql":
        # asyncpg waits 60 s to connect and forever for a statement unless told otherwise.
        connect_args.setdefault("timeout", timeout_seconds)
        connect_args.setdefault("command_timeout", timeout_seconds)
    if "search_path" in u.query:
        # asyncpg takes no such URL parameter; it becomes a server setting of every connection.
        settings = dict(connect_args.get("server_settings", {}))
        settings["search_path"] = u.query["search_path"]
        connect_args["server_settings"] = settings
        url = u.difference_update_query(["search_path"])
    kwargs["connect_args"] = connect_args
    kwargs.setdefault("pool_timeout", timeout_seconds)
    kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, **kwargs)


def concurrent_reads(engine: AsyncEngine) -> int:
    """How many read queries to run at once on `engine` (see `SQLITE_CONCURRENT_READS`), within its pool."""
    wanted = SQLITE_CONCURRENT_READS if engine.dialect.name == "sqlite" else POSTGRES_CONCURRENT_READS
    size = getattr(engine.pool, "size", None)
    return max(1, min(wanted, size())) if callable(size) else wanted


def _configure_sqlite(engine: AsyncEngine, in_memory: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # The driver's own implicit BEGIN is deferred and cannot be made IMMEDIATE; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:
        # A deferred transaction that reads and then writes fails with "database is locked" when
        # another writer committed in between; IMMEDIATE takes the write lock first and waits for it.
        immediate = conn.get_execution_options().get("pmi_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@asynccontextmanager
async def write_tx(engine: AsyncEngine, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
    """A read-write transaction: on SQLite it holds the write lock from its first statement.

    SQLite has one writer at a time. Writers of this process queue for it on `WriterQueue`, in
    order, `urgent` ones (someone is waiting on them, e.g. an officer's update) first; left to
    SQLite's busy handler they would sleep and retry with growing back-offs, and under load a few
    would wait seconds. Writers in other processes still meet the busy timeout.

    Each one's wait and hold go to `pmi_db_write_wait_seconds` and `pmi_db_write_hold_seconds`: with
    SQLite, their sums over a while say how busy its one writer is."""
    began = time.perf_counter()
    transaction = _timed(engine.dialect.name, began, _transaction(engine.execution_options(pmi_write=True)))
    if engine.dialect.name != "sqlite":
        async with transaction as conn:
            yield conn
        return
    queue = _writer_queue(engine)
    await queue.acquire(urgent)
    try:
        async with transaction as conn:
            yield conn
    finally:
        queue.release()


@asynccontextmanager
async def _timed(database: str, began: float, transaction) -> AsyncIterator[AsyncConnection]:
    """`transaction`, its wait (from `began` to its beginning) and its hold (until it ended) measured."""
    held_from: float | None = None
    try:
        async with transaction as conn:
            held_from = time.perf_counter()
            DB_WRITE_WAIT.labels(database=database).observe(held_from - began)
            yield conn
    finally:
        if held_from is not None:
            DB_WRITE_HOLD.labels(database=database).observe(time.perf_counter() - held_from)


@asynccontextmanager
async def _transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """`engine.begin()`, except that a cancellation never leaves a connection checked out with its
    transaction open. A worker shutting down cancels its running activities. A write cancelled while it
    connected or waited for SQLite's write lock (`BEGIN IMMEDIATE` sits in SQLite's busy handler) used to
    leave the connection behind, holding the lock once it got it, until it was collected, and every
    other writer waited out its busy timeout. So the opening runs on its own, and if it is cancelled
    what it opened is ended once it is open; ending (commit or rollback, the connection's return to
    the pool) is not cut short either."""
    opening = asyncio.ensure_future(_open(engine))
    try:
        conn, trans = await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_end_when_open)
        raise
    try:
        yield conn
    except BaseException:
        await asyncio.shield(_end(conn, trans.rollback()))
        raise
    await asyncio.shield(_end(conn, trans.commit()))


async def _end(conn: AsyncConnection, ending) -> None:
    """`ending` (the commit or the rollback), then the connection back to its pool: one shielded task
    for both (each task is a turn of the event loop, and on SQLite the next writer waits for it)."""
    try:
        await ending
    finally:
        await conn.close()


async def _open(engine: AsyncEngine) -> tuple[AsyncConnection, AsyncTransaction]:
    conn = await engine.connect()
    try:
        return conn, await conn.begin()
    except BaseException:
        await conn.close()
        raise


# Endings of transactions whose opener was cancelled, kept referenced until they are done.
_ENDING: set[asyncio.Task[None]] = set()


def _end_when_open(opening: asyncio.Future) -> None:
    if opening.cancelled() or opening.exception() is not None:
        return
    conn, trans = opening.result()
    task = asyncio.ensure_future(_end(conn, trans.rollback()))
    _ENDING.add(task)
    task.add_done_callback(_ENDING.discard)


@asynccontextmanager
async def within(engine: AsyncEngine, conn: AsyncConnection | None) -> AsyncIterator[AsyncConnection]:
    """`conn` when the caller already has a write transaction to join, else a `write_tx` of its own."""
    if conn is not None:
        yield conn
        return
    async with write_tx(engine) as own:
        yield own


class WriterQueue:
    """A lock whose waiters are served urgent first, then in arrival order."""

    def __init__(self) -> None:
        self._held = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def acquire(self, urgent: bool = False) -> None:
        if not self._held and not self._waiters:
            self._held = True
            return
        granted = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (0 if urgent else 1, next(self._arrivals), granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release()  # granted just as it was cancelled: pass the lock on
            raise

    def release(self) -> None:
        while self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():
                waiter.set_result(None)  # the lock passes on, still held
                return
        self._held = False


_writer_queues: weakref.WeakKeyDictionary[Engine, dict[asyncio.AbstractEventLoop, WriterQueue]] = (
    weakref.WeakKeyDictionary()
)


def _writer_queue(engine: AsyncEngine) -> WriterQueue:
    """One queue per database engine and event loop (its futures belong to one loop)."""
    per_loop = _writer_queues.setdefault(engine.sync_engine, {})
    loop = asyncio.get_running_loop()
    queue = per_loop.get(loop)
    if queue is None:
        for stale in [other for other in per_loop if other.is_closed()]:
            del per_loop[stale]
        queue = per_loop[loop] = WriterQueue()
    return queue


def upsert_insert(conn: AsyncConnection):
    """The dialect's `insert` with ON CONFLICT support (SQLite and PostgreSQL both have it)."""
    return _dialect_insert(conn.dialect.name)


def _dialect_insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@functools.cache
def versioned_upsert(table: Table, key: str, columns: tuple[str, ...], dialect: str):
    """`INSERT INTO table (columns) ... ON CONFLICT (key) DO UPDATE` the other columns, only where the
    stored `version` is not newer, `RETURNING key` (no row back: an older version, arriving late).

    Built once per table, columns and dialect and executed with a row's values as its parameters:
    a read-model write builds no statement of its own inside the transaction (building this one
    took a third of a journey projection's write, while it held SQLite's one writer)."""
    insert = _dialect_insert(dialect)(table)
    return insert.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={name: insert.excluded[name] for name in columns if name != key},
        where=table.c.version <= insert.excluded.version,
    ).returning(table.c[key])
