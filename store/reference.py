"""Reference data: provinces, destination countries, P3MI, job orders, clinics, training centres,
missions. Admins write P3MI and job orders through the API; the rest comes from `seed_data`."""

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from store import seed_data
from store.db import upsert_insert, write_tx
from store.errors import AlreadyExists
from store.job_orders import JobOrderStore
from store.pagination import decode_cursor, page
from store.tables import clinics, countries, job_orders, missions, p3mi, provinces, training_centres

_P3MI_PATCHABLE = {"name", "licence_no", "licence_status", "province_code"}


class ReferenceData(JobOrderStore):
    """Reads for every role, admin writes, the job-order quota (`JobOrderStore`) and the seed."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)

    # ---- P3MI ----------------------------------------------------------------

    async def list_p3mi(self, limit: int = 50, cursor: str | None = None) -> tuple[list[dict], str | None]:
        """P3MI by id, one page, and the next cursor (None on the last page)."""
        query = select(p3mi)
        after = decode_cursor(cursor)
        if after is not None:
            query = query.where(p3mi.c.p3mi_id > after)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(p3mi.c.p3mi_id).limit(limit + 1))).all()
        rows, next_cursor = page(rows, limit, "p3mi_id")
        return [dict(r._mapping) for r in rows], next_cursor

    async def get_p3mi(self, p3mi_id: str) -> dict | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(p3mi).where(p3mi.c.p3mi_id == p3mi_id))).first()
        return dict(row._mapping) if row else None

    async def create_p3mi(self, item: dict[str, Any]) -> dict:
        """Insert a P3MI; AlreadyExists if the id is taken, ValueError for a bad licence status."""
        values = {k: item.get(k) for k in _P3MI_PATCHABLE | {"p3mi_id"}}
        async with write_tx(self._engine) as conn:
            if (await conn.execute(select(p3mi.c.p3mi_id).where(p3mi.c.p3mi_id == values["p3mi_id"]))).first():
                raise AlreadyExists(values["p3mi_id"])
            try:
                await conn.execute(p3mi.insert().values(**values))
            except IntegrityError as exc:
                raise ValueError(f"P3MI refused by the table's rules: {exc.orig}") from exc
        return await self.get_p3mi(values["p3mi_id"])  # type: ignore[return-value]

    async def patch_p3mi(self, p3mi_id: str, changes: dict[str, Any]) -> dict | None:
        """Change fields of a P3MI (e.g. suspend its licence); None if there is none."""
        bad = set(changes) - _P3MI_PATCHABLE
        if bad:
            raise ValueError(f"fields that cannot be changed: {sorted(bad)}")
        if changes:
            async with write_tx(self._engine) as conn:
                try:
                    await conn.execute(p3mi.update().where(p3mi.c.p3mi_id == p3mi_id).values(**changes))
                except IntegrityError as exc:
                    raise ValueError(f"change refused by the table's rules: {exc.orig}") from exc
        return await self.get_p3mi(p3mi_id)

    # ---- fixed lists -----------------------------------------------------------

    async def _all(self, table: Table) -> list[dict]:
        key = next(iter(table.primary_key.columns))
        async with self._engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(select(table).order_by(key))]

    async def list_provinces(self) -> list[dict]:
        """[{"code", "name"}] by code."""
        return await self._all(provinces)

    async def list_countries(self) -> list[dict]:
        """[{"code", "name", "status": "open"|"closed"}] by code."""
        return await self._all(countries)

    async def list_clinics(self) -> list[dict]:
        """Designated clinics: [{"clinic_id", "name", "province_code", "regency_code"}]."""
        return await self._all(clinics)

    async def list_training_centres(self) -> list[dict]:
        """[{"centre_id", "name", "province_code", "regency_code"}]."""
        return await self._all(training_centres)

    async def list_missions(self) -> list[dict]:
        """Embassies, consulates and KDEI: [{"mission_id", "name", "kind", "country_code", "city"}]."""
        return await self._all(missions)

    # ---- seed ----------------------------------------------------------------

    async def seed(self) -> dict[str, int]:
        """Load `seed_data`; safe to run at every start. Fixed lists are upserted (names follow the
        seed); P3MI and job orders are only inserted when missing, so an admin's later changes
        (a suspended licence, a new quota) and the engine's `filled` count are never undone."""
        plan: list[tuple[Table, list[dict], bool]] = [
            (provinces, [{"code": c, "name": n} for c, n in seed_data.PROVINCES], True),
            (countries, [{"code": c, "name": n, "status": s} for c, n, s in seed_data.COUNTRIES], True),
            (clinics, seed_data.CLINICS, True),
            (training_centres, seed_data.TRAINING_CENTRES, True),
            (missions, seed_data.MISSIONS, True),
            (p3mi, seed_data.P3MI, False),
            (job_orders, seed_data.JOB_ORDERS, False),
        ]
        async with write_tx(self._engine) as conn:
            for table, rows, update in plan:
                insert = upsert_insert(conn)(table)
                keys = [c.name for c in table.primary_key.columns]
                if update:
                    stmt = insert.on_conflict_do_update(
                        index_elements=keys,
                        set_={c: insert.excluded[c] for c in rows[0] if c not in keys},
                    )
                else:
                    stmt = insert.on_conflict_do_nothing(index_elements=keys)
                await conn.execute(stmt, rows)
        return {table.name: len(rows) for table, rows, _ in plan}
