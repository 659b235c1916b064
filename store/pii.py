"""The PII vault: a worker's clear identifiers, Fernet-encrypted, keyed by journey id.

Only this table holds the NIK, phone numbers and passport number in the clear (encrypted at rest);
events, workflow histories and logs carry masked values (`domain.pii`).
"""

from collections.abc import Callable
from datetime import date

from cryptography.fernet import Fernet
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import upsert_insert, write_tx
from store.tables import worker_pii
from store.timefmt import now_text


class WorkerPii(BaseModel):
    """A worker's personal data as the vault keeps it."""

    nik: str
    full_name: str
    birth_date: date
    phone: str | None = None
    passport_no: str | None = None
    # The worker's family contact: protection escalations text the family too.
    family_phone: str | None = None


# Fields that a later step may set (e.g. the passport number once the passport is issued).
SETTABLE_FIELDS = frozenset({"full_name", "phone", "passport_no", "family_phone"})


class PiiVault:
    """Encrypts with the Fernet `key` (urlsafe base64 of 32 bytes, `settings.pii_key`)."""

    def __init__(self, engine: AsyncEngine, key: str) -> None:
        self._engine = engine
        self._fernet = Fernet(key.encode("ascii") if isinstance(key, str) else key)

    def _encrypt(self, pii: WorkerPii) -> str:
        return self._fernet.encrypt(pii.model_dump_json().encode("utf-8")).decode("ascii")

    def _decrypt(self, ciphertext: str) -> WorkerPii:
        return WorkerPii.model_validate_json(self._fernet.decrypt(ciphertext.encode("ascii")))

    async def put(self, journey_id: str, pii: WorkerPii, nik_hash: str | None = None) -> None:
        """Store (or replace) the journey's worker data; `nik_hash` (`store.identity.nik_hash`) lets
        `journeys_of` find it by NIK."""
        values = {
            "journey_id": journey_id,
            "ciphertext": self._encrypt(pii),
            "updated_at": now_text(),
            "nik_hash": nik_hash,
        }
        async with write_tx(self._engine) as conn:
            insert = upsert_insert(conn)(worker_pii).values(**values)
            await conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[worker_pii.c.journey_id],
                    set_={
                        "ciphertext": insert.excluded.ciphertext,
                        "updated_at": insert.excluded.updated_at,
                        "nik_hash": insert.excluded.nik_hash,
                    },
                )
            )

    async def get(self, journey_id: str) -> WorkerPii | None:
        """The journey's worker data, decrypted, or None."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(worker_pii.c.ciphertext).where(worker_pii.c.journey_id == journey_id))
            ).first()
        return self._decrypt(row.ciphertext) if row else None

    async def delete(self, journey_id: str) -> None:
        """Forget the journey's worker (erasure): the clear identifiers and the NIK's hash go."""
        async with write_tx(self._engine) as conn:
            await conn.execute(worker_pii.delete().where(worker_pii.c.journey_id == journey_id))

    async def journeys_of(self, nik_hash: str) -> list[str]:
        """The ids of every journey whose worker has this NIK hash, ended ones too."""
        query = select(worker_pii.c.journey_id).where(worker_pii.c.nik_hash == nik_hash)
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def backfill_nik_hashes(self, hash_of: Callable[[str], str], batch: int = 500) -> int:
        """Give every record without a NIK hash its hash (records made before migration 0005 of journeys
        that had ended by then: the migration could copy only the active ones'), so `journeys_of` finds
        them too. Returns how many were filled; running it again fills none."""
        filled = 0
        while True:
            query = (
                select(worker_pii.c.journey_id, worker_pii.c.ciphertext)
                .where(worker_pii.c.nik_hash.is_(None))
                .order_by(worker_pii.c.journey_id)
                .limit(batch)
            )
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
            if not rows:
                return filled
            async with write_tx(self._engine) as conn:
                for row in rows:
                    await conn.execute(
                        worker_pii.update()
                        .where(worker_pii.c.journey_id == row.journey_id, worker_pii.c.nik_hash.is_(None))
                        .values(nik_hash=hash_of(self._decrypt(row.ciphertext).nik))
                    )
            filled += len(rows)

    async def set_field(self, journey_id: str, name: str, value: str) -> None:
        """Set one of `SETTABLE_FIELDS` (e.g. `passport_no`, `family_phone`). KeyError: no record for the journey."""
        if name not in SETTABLE_FIELDS:
            raise ValueError(f"{name} cannot be set in the vault")
        async with write_tx(self._engine) as conn:
            # FOR UPDATE (PostgreSQL; SQLite's IMMEDIATE lock does the same): no lost update between
            # two fields set at once.
            row = (
                await conn.execute(
                    select(worker_pii.c.ciphertext).where(worker_pii.c.journey_id == journey_id).with_for_update()
                )
            ).first()
            if row is None:
                raise KeyError(journey_id)
            pii = self._decrypt(row.ciphertext).model_copy(update={name: value})
            await conn.execute(
                worker_pii.update()
                .where(worker_pii.c.journey_id == journey_id)
                .values(ciphertext=self._encrypt(pii), updated_at=now_text())
            )
