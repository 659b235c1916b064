"""The access log (docs/privacy.md): who read or decoded whose personal data, when, and through what.

Rows are only ever added (the table's triggers refuse UPDATE and DELETE). One row per journey per
response that held its personal fields in the clear, and one per codec decode; the row names the kinds
of field (`full_name`, `nik`, ...), never their values. Read newest first by `GET /v1/audit/access-log`.
"""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import write_tx
from store.pagination import page_reader
from store.tables import access_log
from store.timefmt import now_text

API_FIELDS = ("access_id", "accessed_at", "sub", "role", "journey_id", "through", "fields", "request_id")
_log = access_log


@dataclass(frozen=True)
class AccessFilters:
    """Filters of the access log; None means "any". `since` / `until` are store time text (inclusive)."""

    journey_id: str | None = None
    sub: str | None = None
    since: str | None = None
    until: str | None = None


def _api(row: Any) -> dict[str, Any]:
    item = {name: getattr(row, name) for name in API_FIELDS}
    item["fields"] = json.loads(item["fields"])
    return item


class AccessLog:
    """Appends to and reads `access_log` over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reads = page_reader(engine)

    async def record(
        self,
        sub: str,
        role: str,
        journey_ids: list[str | None],
        through: str,
        fields: list[str],
        request_id: str | None = None,
    ) -> None:
        """One row per journey (None: a read not tied to a journey, e.g. a codec decode), in one
        transaction: the read is served only once it is recorded."""
        if not journey_ids:
            return
        at = now_text()
        kinds = json.dumps(sorted(set(fields)))
        rows = [
            {
                "accessed_at": at,
                "sub": sub,
                "role": role,
                "journey_id": journey_id,
                "through": through,
                "fields": kinds,
                "request_id": request_id,
            }
            for journey_id in dict.fromkeys(journey_ids)
        ]
        async with write_tx(self._engine) as conn:
            await conn.execute(_log.insert(), rows)

    async def list(
        self, filters: AccessFilters, before: int | None, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Entries newest first, with access id below `before` (None: from the newest): the page and the
        access id the next page starts below (None on the last page)."""
        query = select(*(_log.c[name] for name in API_FIELDS))
        if before is not None:
            query = query.where(_log.c.access_id < before)
        if filters.journey_id is not None:
            query = query.where(_log.c.journey_id == filters.journey_id)
        if filters.sub is not None:
            query = query.where(_log.c.sub == filters.sub)
        if filters.since is not None:
            query = query.where(_log.c.accessed_at >= filters.since)
        if filters.until is not None:
            query = query.where(_log.c.accessed_at <= filters.until)
        query = query.order_by(_log.c.access_id.desc()).limit(limit + 1)
        async with self._reads.connect() as conn:
            rows = (await conn.execute(query)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_api(row) for row in rows], (rows[-1].access_id if more else None)
