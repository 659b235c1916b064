"""The ministry's reports (API.md, Reports): counts of placements and of protection cases, grouped and
filtered, counted by the database from the read model's columns.

A placement is a journey whose worker departed: it is dated by the day of departure in her province
(`journeys.departed_on`), and `month` is that day's `YYYY-MM`. A case is dated by when it was opened
(UTC days), and its first-response `deadline` is `met` (answered by it), `missed` (answered late, or
not answered and past it) or `open` (not answered, not yet past).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.pagination import page_reader
from store.tables import cases, journeys
from store.timefmt import format_time

PLACEMENT_GROUPS: dict[str, ColumnElement[Any]] = {
    "month": func.substr(journeys.c.departed_on, 1, 7),
    "province_code": journeys.c.province_code,
    "destination_country": journeys.c.destination_country,
    "sector": journeys.c.sector,
    "gender": journeys.c.gender,
    "scheme": journeys.c.scheme,
}


def _deadline(now: str) -> ColumnElement[Any]:
    answered, due = cases.c.first_response_at, cases.c.first_response_due_at
    return case(
        (and_(answered.is_not(None), answered <= due), literal("met")),
        (or_(answered.is_not(None), due < now), literal("missed")),
        else_=literal("open"),
    )


CASE_GROUPS = ("case_type", "status", "deadline")


@dataclass(frozen=True)
class ReportFilters:
    """`since`/`until`: the first and last day counted (inclusive); `province_code` one province;
    `province_codes` the caller's region (None: every province)."""

    since: date | None = None
    until: date | None = None
    province_code: str | None = None
    province_codes: list[str] | None = None


class Reports:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = page_reader(engine)

    async def placements(self, group_by: list[str], filters: ReportFilters) -> list[dict[str, Any]]:
        """One row per group with its `count`, groups with none left out, in the order of their values."""
        columns = [PLACEMENT_GROUPS[name].label(name) for name in group_by]
        query = select(*columns, func.count().label("count")).where(journeys.c.departed_on.is_not(None))
        if filters.since is not None:
            query = query.where(journeys.c.departed_on >= filters.since.isoformat())
        if filters.until is not None:
            query = query.where(journeys.c.departed_on <= filters.until.isoformat())
        query = _in_region(query, journeys.c.province_code, filters)
        return await self._rows(query, columns)

    async def cases(self, group_by: list[str], filters: ReportFilters, now: datetime) -> list[dict[str, Any]]:
        groups = {"case_type": cases.c.case_type, "status": cases.c.status, "deadline": _deadline(format_time(now))}
        columns = [groups[name].label(name) for name in group_by]
        query = select(*columns, func.count().label("count")).select_from(cases)
        if filters.since is not None:
            query = query.where(cases.c.opened_at >= _day_start(filters.since))
        if filters.until is not None:
            query = query.where(cases.c.opened_at < _day_start(filters.until + timedelta(days=1)))
        query = _in_region(query, cases.c.province_code, filters)
        return await self._rows(query, columns)

    async def _rows(self, query: Any, columns: list[Any]) -> list[dict[str, Any]]:
        if columns:
            query = query.group_by(*columns).order_by(*columns)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [dict(row) for row in rows if row["count"]]


def _in_region(query: Any, column: Any, filters: ReportFilters) -> Any:
    if filters.province_code is not None:
        query = query.where(column == filters.province_code)
    if filters.province_codes is not None:
        query = query.where(column.in_(filters.province_codes))
    return query


def _day_start(day: date) -> str:
    return format_time(datetime.combine(day, time(0), tzinfo=UTC))
