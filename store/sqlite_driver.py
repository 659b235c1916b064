"""aiosqlite, with a write transaction's statements run on the event loop itself.

aiosqlite runs each call of the sqlite3 API on a thread of the connection's own, and SQLAlchemy's
adapter makes four of them per statement: create a cursor, execute, fetch the rows, close the
cursor. Each is a hand-off from the event loop to that thread and back (two thread wake-ups, and
the GIL to win each time), and in a busy process a hand-off costs far more than the statement: in
the worker, at one call at a time, an event append (its events and its journey's read-model rows,
about nine statements) made 44 of them, and held SQLite's one writer 24 ms (17 ms at the median of
the bench's runs) where the statements took under 2 ms.

So here:

- a cursor's statement runs, its rows are read and the sqlite3 cursor is closed in one call, and
  the rows, `description`, `rowcount` and `lastrowid` come back together; fetching and closing
  are then local (`BufferedCursor`);
- once `BEGIN IMMEDIATE` has the write lock (on the thread: it may wait for another process's
  writer, in SQLite's busy handler), the transaction's statements and its commit run on the event
  loop, without a hand-off: they cannot wait for a lock any more, and each takes a fraction of a
  millisecond (a commit that checkpoints the WAL into the file takes longer, on the loop too: the
  lock is released the moment it ends, where a hand-off back would hold it a while more);
- a rollback with no transaction open (the pool's reset of every connection it takes back) is
  not sent at all.

Reads stay on the thread, where a long one does not hold up the event loop.
"""

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import aiosqlite


class BufferedCursor:
    """The cursor SQLAlchemy's aiosqlite adapter drives, each statement one call on the thread."""

    def __init__(self, connection: "Connection") -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> "BufferedCursor":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> "BufferedCursor":
        await self._run(lambda cursor: cursor.execute(sql, () if parameters is None else parameters))
        self._connection._began(sql)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> "BufferedCursor":
        await self._run(lambda cursor: cursor.executemany(sql, parameters))
        return self

    async def _run(self, call: Callable[[sqlite3.Cursor], Any]) -> None:
        def on_thread() -> tuple[Any, int, int | None, list[Any]]:
            cursor = self._connection._conn.cursor()
            try:
                call(cursor)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()

        self.description, self.rowcount, self.lastrowid, rows = await self._connection._execute(on_thread)
        self._rows = deque(rows)

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors are `BufferedCursor`s and whose write transactions run
    on the event loop once they hold the lock."""

    _inline = False  # a write transaction holds the lock: calls run here, not on the thread

    def cursor(self) -> BufferedCursor:  # type: ignore[override]
        return BufferedCursor(self)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._inline:
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)

    def _began(self, sql: str) -> None:
        if sql.lstrip()[:15].upper() == "BEGIN IMMEDIATE":
            self._inline = True

    async def commit(self) -> None:
        try:
            await super().commit()
        finally:
            self._inline = False

    async def rollback(self) -> None:
        try:
            if self._connection is not None and self._connection.in_transaction:
                await super().rollback()
        finally:
            self._inline = False

    async def close(self) -> None:  # type: ignore[override]
        self._inline = False
        await super().close()


def connect(database: str, **kwargs: Any) -> Connection:
    """As `aiosqlite.connect`: `kwargs` go to `sqlite3.connect`. Its thread is a daemon, as SQLAlchemy
    makes aiosqlite's, so a connection left open never keeps the process alive."""
    connection = Connection(lambda: sqlite3.connect(database, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True
    return connection
