"""The journeys read model behind `GET /v1/journeys`: one row per journey, newest version wins."""

from pydantic import BaseModel
from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.contracts import JourneyProjection
from store.db import upsert_insert, within
from store.pagination import decode_cursor, page
from store.tables import active_journeys, journey_available_steps, journey_flags, journeys
from store.timefmt import format_time

_COLUMN_FILTERS = ("status", "phase", "scheme", "province_code", "destination_country", "p3mi_id")


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


class JourneyReadModel:
    """Writes projections reported by the workflow; answers list and detail queries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def upsert(self, projection: JourneyProjection, conn: AsyncConnection | None = None) -> None:
        """Store `projection` unless a newer version is already stored (activities may run late or
        twice). An ended journey also frees its worker's NIK for a new journey.
        Within `conn`'s transaction if given (the event-store writer's), else in a transaction of its own."""
        p = projection.model_dump(mode="json")
        values = {
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
            "document": p["document"],
        }
        async with within(self._engine, conn) as conn:
            insert = upsert_insert(conn)(journeys).values(**values)
            stmt = insert.on_conflict_do_update(
                index_elements=[journeys.c.journey_id],
                set_={k: insert.excluded[k] for k in values if k != "journey_id"},
                where=journeys.c.version <= insert.excluded.version,
            ).returning(journeys.c.journey_id)
            if (await conn.execute(stmt)).first() is None:
                return  # an older version: the stored row stays, and so do its steps and flags
            jid = projection.journey_id
            await conn.execute(delete(journey_available_steps).where(journey_available_steps.c.journey_id == jid))
            await conn.execute(delete(journey_flags).where(journey_flags.c.journey_id == jid))
            if projection.available_steps:
                await conn.execute(
                    journey_available_steps.insert(),
                    [{"journey_id": jid, "step": s} for s in dict.fromkeys(projection.available_steps)],
                )
            if projection.flags:
                await conn.execute(
                    journey_flags.insert(),
                    [{"journey_id": jid, "flag": f} for f in dict.fromkeys(projection.flags)],
                )
            # A journey ended as medically_unfit may still be reopened by a supervisor: it keeps its
            # NIK until its workflow closes (`api.services.journeys` frees a claim left by a closed one).
            if projection.status == "ended" and projection.outcome != "medically_unfit":
                await conn.execute(delete(active_journeys).where(active_journeys.c.journey_id == jid))

    async def get(self, journey_id: str) -> dict | None:
        """The journey document last stored, or None."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(journeys.c.document).where(journeys.c.journey_id == journey_id))).first()
        return row.document if row else None

    async def list(
        self, filters: JourneyFilters, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[dict], str | None]:
        """Journey documents matching `filters`, by journey id (ULIDs: oldest first), and the next cursor."""
        query = select(journeys.c.journey_id, journeys.c.document)
        for name in _COLUMN_FILTERS:
            value = getattr(filters, name)
            if value is not None:
                query = query.where(journeys.c[name] == value)
        if filters.province_codes is not None:
            query = query.where(journeys.c.province_code.in_(filters.province_codes))
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
        after = decode_cursor(cursor)
        if after is not None:
            query = query.where(journeys.c.journey_id > after)
        query = query.order_by(journeys.c.journey_id).limit(limit + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        rows, next_cursor = page(rows, limit, "journey_id")
        return [row.document for row in rows], next_cursor
