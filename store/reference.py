"""Reference data: provinces, destination countries, P3MI, job orders, clinics, training centres,
missions. `seed_data` loads them; admins then manage all but the provinces through the API (P3MI and
the catalogues through `store.catalogues`, a country's open/closed status here)."""

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from store import seed_data
from store.catalogues import P3MI, Catalogues
from store.db import upsert_insert, write_tx
from store.job_orders import JobOrderStore
from store.tables import (
    clinics,
    countries,
    job_orders,
    missions,
    p3mi,
    provinces,
    public_holidays,
    training_centres,
)


class ReferenceData(JobOrderStore):
    """Reads for every role, admin writes, the job-order quota (`JobOrderStore`) and the seed."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.catalogues = Catalogues(engine)

    # ---- P3MI ----------------------------------------------------------------

    async def list_p3mi(self, limit: int = 50, cursor: str | None = None) -> tuple[list[dict], str | None]:
        """P3MI by id, one page, and the next cursor (None on the last page)."""
        return await self.catalogues.list(P3MI, limit, cursor)

    async def get_p3mi(self, p3mi_id: str) -> dict | None:
        return await self.catalogues.get(P3MI, p3mi_id)

    async def create_p3mi(self, item: dict[str, Any]) -> dict:
        """Insert a P3MI; AlreadyExists if the id is taken, ValueError for a bad licence status."""
        return await self.catalogues.create(P3MI, {k: item.get(k) for k in P3MI.fields})

    async def patch_p3mi(self, p3mi_id: str, changes: dict[str, Any]) -> dict | None:
        """Change fields of a P3MI (e.g. suspend its licence); None if there is none."""
        return await self.catalogues.patch(P3MI, p3mi_id, changes)

    # ---- countries -------------------------------------------------------------

    async def get_country(self, code: str) -> dict | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(countries).where(countries.c.code == code))).first()
        return dict(row._mapping) if row else None

    async def set_country_status(self, code: str, status: str) -> dict | None:
        """Open or close a destination (`open`|`closed`); None for an unknown code."""
        async with write_tx(self._engine) as conn:
            try:
                await conn.execute(countries.update().where(countries.c.code == code).values(status=status))
            except IntegrityError as exc:
                raise ValueError(f"status refused by the table's rules: {exc.orig}") from exc
        return await self.get_country(code)

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
        """Load `seed_data`; safe to run at every start. Provinces and country names follow the seed;
        everything admins manage (a country's status, P3MI, job orders, clinics, training centres,
        missions, public holidays) is only inserted when missing, so their later changes (a closed destination, a
        suspended licence, a new quota) and the engine's `filled` count are never undone."""
        # (table, rows, the columns the seed keeps up to date): provinces and country names follow the
        # seed; a country's status and every admin-managed catalogue are only inserted when missing.
        plan: list[tuple[Table, list[dict], tuple[str, ...]]] = [
            (provinces, [{"code": c, "name": n} for c, n in seed_data.PROVINCES], ("name",)),
            (countries, [{"code": c, "name": n, "status": s} for c, n, s in seed_data.COUNTRIES], ("name",)),
            (clinics, seed_data.CLINICS, ()),
            (training_centres, seed_data.TRAINING_CENTRES, ()),
            (missions, seed_data.MISSIONS, ()),
            (public_holidays, [{"holiday_date": d, "name": n} for d, n in seed_data.HOLIDAYS], ()),
            (p3mi, seed_data.P3MI, ()),
            (job_orders, seed_data.JOB_ORDERS, ()),
        ]
        async with write_tx(self._engine) as conn:
            for table, rows, updated in plan:
                insert = upsert_insert(conn)(table)
                keys = [c.name for c in table.primary_key.columns]
                if updated:
                    stmt = insert.on_conflict_do_update(
                        index_elements=keys, set_={c: insert.excluded[c] for c in updated}
                    )
                else:
                    stmt = insert.on_conflict_do_nothing(index_elements=keys)
                await conn.execute(stmt, rows)
        return {table.name: len(rows) for table, rows, _ in plan}
