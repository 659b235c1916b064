"""The journeys read model behind `GET /v1/journeys`: one row per journey, newest version wins."""

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Text, bindparam, cast, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.contracts import JourneyProjection
from domain.pii import erased_document, masked_document
from store.db import concurrent_reads, versioned_upsert, within, write_tx
from store.pagination import keyset_page, page_reader
from store.tables import journey_available_steps, journey_flags, journeys
from store.timefmt import format_time
from store.worklist import journey_items, replace_items

_COLUMN_FILTERS = ("status", "phase", "scheme", "province_code", "destination_country", "p3mi_id")
_DELETE_STEPS = delete(journey_available_steps).where(journey_available_steps.c.journey_id == bindparam("jid"))
_DELETE_FLAGS = delete(journey_flags).where(journey_flags.c.journey_id == bindparam("jid"))
_INSERT_STEPS = journey_available_steps.insert()
_INSERT_FLAGS = journey_flags.insert()

# A write of the read model, run inside a transaction given to it (`JourneyReadModel.writer`).
Write = Callable[[AsyncConnection], Awaitable[None]]


async def erase_documents(engine: AsyncEngine, key: Any, ids: list[str]) -> None:
    """Rewrite the documents of the rows `key in ids` (a read model's id column) with their personal
    values erased, in one transaction."""
    table = key.table
    async with write_tx(engine) as conn:
        rows = (await conn.execute(select(key, table.c.document).where(key.in_(ids)))).all() if ids else []
        for row_id, document in rows:
            await conn.execute(update(table).where(key == row_id).values(document=erased_document(document)))


class JourneyFilters(BaseModel):
    """Filters of the journey list; None means "any". `province_codes` scopes to a caller's region."""

    status: str | None = None
    phase: str | None = None
    step: str | None = None
    scheme: str | None = None
    province_code: str | None = None
    destination_country: str | None = None
    p3mi_id: str | None = None
    flag: str | None = None
    province_codes: list[str] | None = None


def journey_row(projection: JourneyProjection) -> dict[str, Any]:
    """The `journeys` row of a projection: its filter columns and its document."""
    return {
        "journey_id": projection.journey_id,
        "status": projection.status,
        "outcome": projection.outcome,
        "phase": projection.phase,
        "scheme": projection.scheme,
        "province_code": projection.province_code,
        "destination_country": projection.destination_country,
        "p3mi_id": projection.p3mi_id,
        "version": projection.version,
        "started_at": format_time(projection.started_at),
        "updated_at": format_time(projection.updated_at),
        "sector": projection.sector,
        "gender": projection.gender,
        "departed_on": projection.departed_on.isoformat() if projection.departed_on else None,
        # Masked: the list shows no name, birth date, health result or free text in the clear.
        "document": masked_document(projection.model_dump(mode="json", include={"document"})["document"]),
    }


def step_rows(projection: JourneyProjection) -> list[dict[str, str]]:
    """The `journey_available_steps` rows of a projection (each step once)."""
    return [{"journey_id": projection.journey_id, "step": s} for s in dict.fromkeys(projection.available_steps)]


def flag_rows(projection: JourneyProjection) -> list[dict[str, str]]:
    """The `journey_flags` rows of a projection (each flag once)."""
    return [{"journey_id": projection.journey_id, "flag": f} for f in dict.fromkeys(projection.flags)]


def _one_of(column: Any, values: list[str]) -> Any:
    """`column IN values`, as `=` for one value (a caller's region): PostgreSQL then reads the page in
    order from the (province_code, journey_id) index; for `= ANY(...)` it sorts every match."""
    return column == values[0] if len(values) == 1 else column.in_(values)


class JourneyReadModel:
    """Writes projections reported by the workflow; answers list and detail queries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pages = page_reader(engine)

    @property
    def concurrent_reads(self) -> int:
        """List queries worth running at once on this store (`store.db.concurrent_reads`)."""
        return concurrent_reads(self._engine)

    async def upsert(self, projection: JourneyProjection, conn: AsyncConnection | None = None) -> None:
        """Store `projection` unless a newer version is already stored (activities may run late or
        twice). (The worker's NIK is not the read model's: her journey's workflow releases it when it
        closes, `store.identity`.) Within `conn`'s transaction if given (the event-store writer's), else
        in a transaction of its own."""
        write = self.writer(projection)
        async with within(self._engine, conn) as conn:
            await write(conn)

    def writer(self, projection: JourneyProjection) -> Write:
        """`upsert`'s write, its rows computed now, before any transaction: what the returned function
        does inside one is only the statements (SQLite has one writer, held while it runs)."""
        values = journey_row(projection)
        steps, flags, items = step_rows(projection), flag_rows(projection), journey_items(projection)
        columns = tuple(values)
        jid = {"jid": projection.journey_id}

        async def write(conn: AsyncConnection) -> None:
            upsert = versioned_upsert(journeys, "journey_id", columns, conn.dialect.name)
            if (await conn.execute(upsert, values)).first() is None:
                return  # an older version: the stored row stays, and so do its steps and flags
            await conn.execute(_DELETE_STEPS, jid)
            await conn.execute(_DELETE_FLAGS, jid)
            if steps:
                await conn.execute(_INSERT_STEPS, steps)
            if flags:
                await conn.execute(_INSERT_FLAGS, flags)
            await replace_items(conn, projection.journey_id, items)

        return write

    async def mark_erased(self, journey_id: str) -> None:
        """Rewrite the stored document with its personal values erased (`domain.pii.erased_document`)."""
        await erase_documents(self._engine, journeys.c.journey_id, [journey_id])

    async def get(self, journey_id: str) -> dict | None:
        """The journey document last stored, or None."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(journeys.c.document).where(journeys.c.journey_id == journey_id))).first()
        return row.document if row else None

    async def get_many(self, journey_ids: list[str]) -> dict[str, dict]:
        """journey id -> the document last stored, for those of `journey_ids` that have one, in one
        query (`pmi audit verify` reads a few hundred at a time)."""
        query = select(journeys.c.journey_id, journeys.c.document).where(journeys.c.journey_id.in_(journey_ids))
        async with self._pages.connect() as conn:
            return {row.journey_id: row.document for row in await conn.execute(query)}

    async def list_json(
        self, filters: JourneyFilters, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[str], str | None]:
        """As `list`, but each document as the JSON text the database holds, not parsed: the API
        splices it into its answer as it is (decoding and re-encoding them was most of a list's cost)."""
        rows, next_cursor = await self.list_rows(filters, limit, cursor)
        return [document for _, document in rows], next_cursor

    async def list_rows(
        self, filters: JourneyFilters, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[tuple[str, str]], str | None]:
        """As `list_json`, each document with its journey id: (journey id, JSON text)."""
        query = select(journeys.c.journey_id, cast(journeys.c.document, Text).label("document"))
        for name in _COLUMN_FILTERS:
            value = getattr(filters, name)
            if value is not None:
                query = query.where(journeys.c[name] == value)
        if filters.province_codes is not None:
            query = query.where(_one_of(journeys.c.province_code, filters.province_codes))
        if filters.step is not None:
            query = query.where(
                exists().where(
                    journey_available_steps.c.journey_id == journeys.c.journey_id,
                    journey_available_steps.c.step == filters.step,
                )
            )
        if filters.flag is not None:
            query = query.where(
                exists().where(
                    journey_flags.c.journey_id == journeys.c.journey_id, journey_flags.c.flag == filters.flag
                )
            )
        rows, next_cursor = await keyset_page(self._pages, query, journeys.c.journey_id, limit, cursor)
        return [(row.journey_id, row.document) for row in rows], next_cursor

    async def list(
        self, filters: JourneyFilters, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[dict], str | None]:
        """Journey documents matching `filters`, by journey id (ULIDs: oldest first), and the next cursor."""
        texts, next_cursor = await self.list_json(filters, limit, cursor)
        return [json.loads(text) for text in texts], next_cursor


async def journey_ids_since(engine: AsyncEngine, since: datetime | None = None) -> list[str]:
    """Every journey's id (oldest first), or those changed at or after `since` (`pmi audit verify`)."""
    query = select(journeys.c.journey_id).order_by(journeys.c.journey_id)
    if since is not None:
        query = query.where(journeys.c.updated_at >= format_time(since))
    async with engine.connect() as conn:
        return [row.journey_id for row in await conn.execute(query)]
