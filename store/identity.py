"""One active journey per worker, found by a keyed hash of the NIK (the NIK itself is never stored)."""

import hashlib
import hmac

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import upsert_insert, write_tx
from store.tables import active_journeys
from store.timefmt import now_text

# A claim can meet a holder that releases at the same moment; trying again settles it.
_CLAIM_ATTEMPTS = 3


def nik_hash(nik: str, key: str) -> str:
    """HMAC-SHA256 (hex) of the NIK under `key`: a NIK's lookup key that reveals nothing without the key."""
    return hmac.new(key.encode("utf-8"), nik.encode("utf-8"), hashlib.sha256).hexdigest()


class ActiveJourneys:
    """The `active_journeys` table: its primary key is the one-active-journey-per-NIK rule."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, nik_hash: str, journey_id: str) -> str | None:
        """Claim the NIK for `journey_id`: None when it is now (or already was) this journey's,
        else the id of the journey that holds it. Of two concurrent claims exactly one wins."""
        for _ in range(_CLAIM_ATTEMPTS):
            async with write_tx(self._engine) as conn:
                stmt = (
                    upsert_insert(conn)(active_journeys)
                    .values(nik_hash=nik_hash, journey_id=journey_id, claimed_at=now_text())
                    .on_conflict_do_nothing()
                    .returning(active_journeys.c.nik_hash)
                )
                if (await conn.execute(stmt)).first() is not None:
                    return None
            holder = await self.find(nik_hash)
            if holder is not None:
                # A retried start of the same journey is not a second journey.
                return None if holder == journey_id else holder
        raise RuntimeError("could not claim the NIK: it kept changing hands")

    async def release(self, journey_id: str) -> None:
        """Free the NIK held by `journey_id` (its journey ended). Idempotent."""
        async with write_tx(self._engine) as conn:
            await conn.execute(delete(active_journeys).where(active_journeys.c.journey_id == journey_id))

    async def claimed_at(self, journey_id: str) -> str | None:
        """When `journey_id` claimed its NIK (store time text), or None when it holds none."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(active_journeys.c.claimed_at).where(active_journeys.c.journey_id == journey_id)
                )
            ).first()
        return row.claimed_at if row else None

    async def find(self, nik_hash: str) -> str | None:
        """The active journey of that NIK, or None."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(active_journeys.c.journey_id).where(active_journeys.c.nik_hash == nik_hash))
            ).first()
        return row.journey_id if row else None
