"""The protection cases read model behind `GET /v1/cases`: one row per case, newest version wins.

The supervisor's overdue queue is a query on filter columns: a case is overdue when it is not
closed, has had no first response and its first-response deadline has passed. Times are the
store's text format (`store.timefmt`), so `first_response_due_at < now` compares the same way on
SQLite and PostgreSQL.
"""

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Text, and_, cast, not_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.case_rules import first_response_overdue
from domain.contracts import CaseProjection
from domain.events import instant
from domain.pii import masked_document
from store.db import concurrent_reads, versioned_upsert, within
from store.pagination import keyset_page, page_reader
from store.read_model import Write, erase_documents
from store.tables import cases
from store.timefmt import format_time
from store.worklist import case_items, replace_items

_COLUMN_FILTERS = ("status", "case_type", "province_code", "journey_id", "escalated")
CLOSED = "closed"


class CaseFilters(BaseModel):
    """Filters of the case list; None means "any". `province_codes` scopes to a caller's region."""

    status: str | None = None
    case_type: str | None = None
    province_code: str | None = None
    journey_id: str | None = None
    overdue: bool | None = None
    # Escalated (to a supervisor or the rapid response team): the console's queue shows them.
    escalated: bool | None = None
    province_codes: list[str] | None = None


def _now_text(now: datetime | None) -> str:
    return format_time(now if now is not None else datetime.now(UTC))


def _overdue_clause(now_text: str):
    """`domain.case_rules.first_response_overdue` in SQL: the times are text in one format, so they
    compare as the instants do."""
    return and_(
        cases.c.status != CLOSED,
        cases.c.first_response_at.is_(None),
        cases.c.first_response_due_at < now_text,
    )


def _is_overdue(row: Any, now_text: str) -> bool:
    """`first_response_overdue` on a fetched row's columns."""
    columns = {name: getattr(row, name) for name in ("status", "first_response_at", "first_response_due_at")}
    return first_response_overdue(columns, instant(now_text))


def _with_overdue(row: Any, now_text: str) -> dict:
    return {**row.document, "overdue": _is_overdue(row, now_text)}


_ROW = (cases.c.case_id, cases.c.status, cases.c.first_response_at, cases.c.first_response_due_at, cases.c.document)


class CaseReadModel:
    """Writes case projections reported by the case workflow; answers list and detail queries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pages = page_reader(engine)

    @property
    def concurrent_reads(self) -> int:
        """List queries worth running at once on this store (`store.db.concurrent_reads`)."""
        return concurrent_reads(self._engine)

    async def upsert(self, projection: CaseProjection, conn: AsyncConnection | None = None) -> None:
        """Store `projection` unless a newer version is already stored (activities may run late or twice).
        Within `conn`'s transaction if given (the event-store writer's), else in a transaction of its own."""
        write = self.writer(projection)
        async with within(self._engine, conn) as conn:
            await write(conn)

    def writer(self, projection: CaseProjection) -> Write:
        """`upsert`'s write, its rows computed now, before any transaction (`JourneyReadModel.writer`)."""
        p = projection.model_dump(mode="json")
        values = {
            "case_id": projection.case_id,
            "journey_id": projection.journey_id,
            "case_type": projection.case_type,
            "status": projection.status,
            "severity": projection.severity,
            "province_code": projection.province_code,
            "first_response_due_at": format_time(projection.first_response_due_at),
            "first_response_at": _optional_time(projection.first_response_at),
            "escalated": projection.escalated,
            "escalated_to": projection.escalated_to,
            "version": projection.version,
            "opened_at": format_time(projection.opened_at),
            "updated_at": format_time(projection.updated_at),
            "closed_at": _optional_time(projection.closed_at),
            "document": masked_document(p["document"]),
        }
        columns, items = tuple(values), case_items(projection)

        async def write(conn: AsyncConnection) -> None:
            upsert = versioned_upsert(cases, "case_id", columns, conn.dialect.name)
            if (await conn.execute(upsert, values)).first() is not None:  # not an older version, arriving late
                await replace_items(conn, projection.case_id, items)

        return write

    async def get(self, case_id: str, now: datetime | None = None) -> dict | None:
        """The case document last stored, with `overdue` as of `now` (default: the current UTC time), or None."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(*_ROW).where(cases.c.case_id == case_id))).first()
        return _with_overdue(row, _now_text(now)) if row else None

    async def mark_erased(self, case_ids: list[str]) -> None:
        """Rewrite the cases' documents with their personal values erased (their journey was)."""
        await erase_documents(self._engine, cases.c.case_id, case_ids)

    async def ids_by_journey(self, journey_ids: list[str], per_journey: int) -> dict[str, list[str]]:
        """journey id -> its first `per_journey` case ids in case id order (the case list's order), for
        every id asked, in one query (`pmi audit verify` reads a few hundred journeys at a time)."""
        query = (
            select(cases.c.journey_id, cases.c.case_id)
            .where(cases.c.journey_id.in_(journey_ids))
            .order_by(cases.c.journey_id, cases.c.case_id)
        )
        found: dict[str, list[str]] = {journey_id: [] for journey_id in journey_ids}
        async with self._pages.connect() as conn:
            for row in await conn.execute(query):
                if len(found[row.journey_id]) < per_journey:
                    found[row.journey_id].append(row.case_id)
        return found

    async def list_json(
        self,
        filters: CaseFilters,
        limit: int = 50,
        cursor: str | None = None,
        now: datetime | None = None,
    ) -> tuple[list[str], str | None]:
        """As `list`, but each document as JSON text: the text the database holds with `overdue`
        spliced in, never parsed (the API puts it into its answer as it is)."""
        now_text = _now_text(now)
        query = select(*_ROW[:-1], cast(cases.c.document, Text).label("document"))
        for name in _COLUMN_FILTERS:
            value = getattr(filters, name)
            if value is not None:
                query = query.where(cases.c[name] == value)
        if filters.province_codes is not None:
            query = query.where(cases.c.province_code.in_(filters.province_codes))
        if filters.overdue is True:
            query = query.where(_overdue_clause(now_text))
        elif filters.overdue is False:
            query = query.where(not_(_overdue_clause(now_text)))
        rows, next_cursor = await keyset_page(self._pages, query, cases.c.case_id, limit, cursor)
        return [_with_overdue_text(row, now_text) for row in rows], next_cursor

    async def list(
        self,
        filters: CaseFilters,
        limit: int = 50,
        cursor: str | None = None,
        now: datetime | None = None,
    ) -> tuple[list[dict], str | None]:
        """Case documents matching `filters`, by case id (ULIDs: oldest first), and the next cursor.

        `overdue=True` is the supervisor's queue (not closed, no first response, deadline before
        `now`); `overdue=False` everything else. Every document carries `overdue` as of `now`.
        """
        texts, next_cursor = await self.list_json(filters, limit, cursor, now)
        return [json.loads(text) for text in texts], next_cursor


def _with_overdue_text(row: Any, now_text: str) -> str:
    """`_with_overdue` on the stored text: `"overdue": ...` appended as its last member."""
    overdue = _is_overdue(row, now_text)
    text = row.document.rstrip()
    if '"overdue"' in text or not text.endswith("}"):
        # The document already names `overdue` somewhere (it is replaced, not repeated): the slow way.
        return json.dumps({**json.loads(text), "overdue": overdue})
    head = text[:-1].rstrip()
    return f'{head}{"" if head.endswith("{") else ", "}"overdue": {"true" if overdue else "false"}}}'


def _optional_time(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None
