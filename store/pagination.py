"""Opaque keyset cursors: the urlsafe base64 of the last key of a page; the one keyset read every list
of the store makes (`keyset_page`), and the engine pages are read with."""

import base64
import binascii
from typing import Any

from sqlalchemy import ColumnElement, Row, Select
from sqlalchemy.ext.asyncio import AsyncEngine


def encode_cursor(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The key after which the next page starts; ValueError for a cursor we did not issue."""
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("invalid cursor") from exc


def page(rows: list, limit: int, key: str) -> tuple[list, str | None]:
    """Split `limit + 1` fetched rows into the page and the next cursor (None on the last page)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(getattr(rows[-1], key) if not isinstance(rows[-1], dict) else rows[-1][key])


def page_reader(engine: AsyncEngine) -> AsyncEngine:
    """The engine a list page is read with: one statement, so on PostgreSQL outside a transaction
    (`AUTOCOMMIT`: no BEGIN and ROLLBACK round trips around the SELECT; the statement sees one
    snapshot all the same). SQLite keeps its own transaction handling (`store.db`)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


async def keyset_page(
    engine: AsyncEngine, query: Select[Any], key: ColumnElement[Any], limit: int, cursor: str | None
) -> tuple[list[Row[Any]], str | None]:
    """The rows of `query` in `key` order after the cursor's key, at most `limit`, and the cursor of the
    next page (None on the last). ValueError for a cursor this store did not issue."""
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(key > after)
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(key).limit(limit + 1))).all()
    return page(rows, limit, key.key)
