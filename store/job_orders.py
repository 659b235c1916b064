"""Job orders and their quota: `filled` never passes `quota`, and each journey holds at most one unit.

Part of `store.reference.ReferenceData` (split out to keep modules small).
"""

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.contracts import QuotaResult
from domain.job_orders import job_order_refusal
from store.db import write_tx
from store.errors import AlreadyExists
from store.pagination import keyset_page
from store.tables import job_order_claims, job_orders, p3mi
from store.timefmt import now_text

JOB_ORDER_FILTERS = ("scheme", "p3mi_id", "destination_country", "occupation", "sector", "status")
# `filled` is the engine's to keep; the id never changes.
_PATCHABLE = {
    "scheme",
    "p3mi_id",
    "employer_name",
    "destination_country",
    "occupation",
    "sector",
    "quota",
    "status",
}
# One journey calling twice at once (PostgreSQL): the loser's claim row conflicts; its retry sees the claim.
_TAKE_ATTEMPTS = 3


def _refused(rule: str, message: str) -> QuotaResult:
    return QuotaResult(taken=False, rule=rule, message=message)


class JobOrderStore:
    """Job-order reads, admin writes, and the atomic take/release of quota units."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def list_job_orders(
        self, limit: int = 50, cursor: str | None = None, **filters: str | None
    ) -> tuple[list[dict], str | None]:
        """Job orders by id, filtered on any of JOB_ORDER_FILTERS (None = any)."""
        unknown = set(filters) - set(JOB_ORDER_FILTERS)
        if unknown:
            raise ValueError(f"unknown job-order filters: {sorted(unknown)}")
        query = select(job_orders)
        for name, value in filters.items():
            if value is not None:
                query = query.where(job_orders.c[name] == value)
        rows, next_cursor = await keyset_page(self._engine, query, job_orders.c.job_order_id, limit, cursor)
        return [dict(r._mapping) for r in rows], next_cursor

    async def get_job_order(self, job_order_id: str) -> dict | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(job_orders).where(job_orders.c.job_order_id == job_order_id))).first()
        return dict(row._mapping) if row else None

    async def create_job_order(self, job_order: dict[str, Any]) -> dict:
        """Insert a job order (`filled` starts at 0). AlreadyExists for a taken id; ValueError for an
        unknown P3MI or values the table's rules refuse."""
        values = {k: job_order.get(k) for k in _PATCHABLE | {"job_order_id"}}
        values["filled"] = 0
        async with write_tx(self._engine) as conn:
            await _check_p3mi(conn, values.get("p3mi_id"))
            if await _exists(conn, values["job_order_id"]):
                raise AlreadyExists(values["job_order_id"])
            try:
                await conn.execute(job_orders.insert().values(**values))
            except IntegrityError as exc:
                raise ValueError(f"job order refused by the table's rules: {exc.orig}") from exc
        return await self.get_job_order(values["job_order_id"])  # type: ignore[return-value]

    async def patch_job_order(self, job_order_id: str, changes: dict[str, Any]) -> dict | None:
        """Change fields of a job order; None if there is none. ValueError for a quota below `filled`
        or a field that cannot be changed."""
        bad = set(changes) - _PATCHABLE
        if bad:
            raise ValueError(f"fields that cannot be changed: {sorted(bad)}")
        async with write_tx(self._engine) as conn:
            if "p3mi_id" in changes:
                await _check_p3mi(conn, changes["p3mi_id"])
            stmt = job_orders.update().where(job_orders.c.job_order_id == job_order_id)
            if "quota" in changes:
                # Checked in the UPDATE itself so a unit taken meanwhile cannot slip under the new quota.
                stmt = stmt.where(job_orders.c.filled <= changes["quota"])
            if changes:
                try:
                    updated = (await conn.execute(stmt.values(**changes))).rowcount
                except IntegrityError as exc:
                    raise ValueError(f"change refused by the table's rules: {exc.orig}") from exc
            else:
                updated = 1 if await _exists(conn, job_order_id) else 0
            if updated == 0:
                if not await _exists(conn, job_order_id):
                    return None
                raise ValueError("quota cannot be set below the units already filled")
        return await self.get_job_order(job_order_id)

    async def take_quota(
        self,
        journey_id: str,
        job_order_id: str,
        destination_country: str | None = None,
        scheme: str | None = None,
        p3mi_id: str | None = None,
    ) -> QuotaResult:
        """Take one unit of the job order for the journey, or say which rule refuses it.

        Idempotent per journey: a journey that already holds a unit of this job order gets
        taken=True again without a second unit. Of two journeys racing for the last unit exactly one
        gets it: the increment is a conditional UPDATE in the same transaction as the claim row.
        """
        for attempt in range(_TAKE_ATTEMPTS):
            try:
                # Urgent: an officer's job_selection update waits on it.
                async with write_tx(self._engine, urgent=True) as conn:
                    return await self._take_in(conn, journey_id, job_order_id, destination_country, scheme, p3mi_id)
            except IntegrityError:
                if attempt == _TAKE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _take_in(
        self,
        conn: AsyncConnection,
        journey_id: str,
        job_order_id: str,
        destination: str | None,
        scheme: str | None,
        p3mi_id: str | None,
    ) -> QuotaResult:
        held = (
            await conn.execute(
                select(job_order_claims.c.job_order_id).where(job_order_claims.c.journey_id == journey_id)
            )
        ).scalar_one_or_none()
        if held == job_order_id:
            return QuotaResult(taken=True, already_held=True, message="already held by this journey")
        if held is not None:
            return _refused("job_order_already_held", f"the journey already holds a unit of {held}")
        jo = (await conn.execute(select(job_orders).where(job_orders.c.job_order_id == job_order_id))).first()
        if jo is None:
            return _refused("job_order_not_found", f"no job order {job_order_id}")
        refused = job_order_refusal(jo._mapping, scheme, p3mi_id, destination)
        if refused:
            return _refused(*refused)
        taken = await conn.execute(
            job_orders.update()
            .where(
                job_orders.c.job_order_id == job_order_id,
                job_orders.c.status == "open",
                job_orders.c.filled < job_orders.c.quota,
            )
            .values(filled=job_orders.c.filled + 1)
        )
        if taken.rowcount != 1:
            return _refused("job_order_quota_exhausted", f"job order {job_order_id} has no quota left")
        await conn.execute(
            job_order_claims.insert().values(journey_id=journey_id, job_order_id=job_order_id, claimed_at=now_text())
        )
        return QuotaResult(taken=True)

    async def release_quota(self, journey_id: str) -> bool:
        """Give back the journey's unit (it ended before departure). True if a unit was given back;
        False if the journey held none, so a retry never gives back twice."""
        async with write_tx(self._engine) as conn:
            held = (
                await conn.execute(
                    delete(job_order_claims)
                    .where(job_order_claims.c.journey_id == journey_id)
                    .returning(job_order_claims.c.job_order_id)
                )
            ).scalar_one_or_none()
            if held is None:
                return False
            await conn.execute(
                job_orders.update()
                .where(job_orders.c.job_order_id == held, job_orders.c.filled > 0)
                .values(filled=job_orders.c.filled - 1)
            )
        return True


async def _exists(conn: AsyncConnection, job_order_id: str) -> bool:
    query = select(job_orders.c.job_order_id).where(job_orders.c.job_order_id == job_order_id)
    return (await conn.execute(query)).first() is not None


async def _check_p3mi(conn: AsyncConnection, p3mi_id: str | None) -> None:
    if p3mi_id is None:
        return
    if (await conn.execute(select(p3mi.c.p3mi_id).where(p3mi.c.p3mi_id == p3mi_id))).first() is None:
        raise ValueError(f"unknown P3MI {p3mi_id}")
