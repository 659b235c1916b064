"""Idempotency keys of API requests: the first response to a key is the answer to every retry.

A key is reserved before its request runs, so concurrent requests with one key never run twice: the
reservation is a row with `status_code` 0 (in flight) whose `created_at` is when it was taken. It is
completed with the answer, released when the request failed for a reason worth retrying (an
outage), and may be taken over once it is older than its lease (its process died mid-request).
"""

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import upsert_insert, write_tx
from store.tables import idempotency_keys
from store.timefmt import now_text

IN_FLIGHT = 0


@dataclass(frozen=True)
class StoredKey:
    """What the store holds for a key: the first request's body hash, and its answer once it has one."""

    body_hash: str
    status_code: int
    response: dict
    created_at: str

    @property
    def in_flight(self) -> bool:
        return self.status_code == IN_FLIGHT


class IdempotencyKeys:
    """Keys are scoped (e.g. by caller and route) so that two clients' keys never collide."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _where(self, scope: str, key: str):
        return (idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)

    async def get(self, scope: str, key: str) -> StoredKey | None:
        """The first request's record for that key (answered or in flight), or None."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        idempotency_keys.c.body_hash,
                        idempotency_keys.c.status_code,
                        idempotency_keys.c.response,
                        idempotency_keys.c.created_at,
                    ).where(*self._where(scope, key))
                )
            ).first()
        return StoredKey(row.body_hash, row.status_code, row.response, row.created_at) if row else None

    async def reserve(self, scope: str, key: str, body_hash: str) -> StoredKey | None:
        """Take the key for a request about to run: None when taken, else what the key already holds."""
        values = {
            "scope": scope,
            "key": key,
            "body_hash": body_hash,
            "status_code": IN_FLIGHT,
            "response": {},
            "created_at": now_text(),
        }
        while True:
            async with write_tx(self._engine, urgent=True) as conn:
                stmt = upsert_insert(conn)(idempotency_keys).values(**values).on_conflict_do_nothing()
                if (await conn.execute(stmt.returning(idempotency_keys.c.key))).first() is not None:
                    return None
            stored = await self.get(scope, key)
            if stored is not None:
                return stored
            # Released between the insert and the read: try to take it again.

    async def take_over(self, scope: str, key: str, taken_before: str) -> bool:
        """Take an in-flight reservation made before `taken_before` (its request is presumed dead)."""
        async with write_tx(self._engine, urgent=True) as conn:
            result = await conn.execute(
                update(idempotency_keys)
                .where(
                    *self._where(scope, key),
                    idempotency_keys.c.status_code == IN_FLIGHT,
                    idempotency_keys.c.created_at < taken_before,
                )
                .values(created_at=now_text())
            )
        return result.rowcount == 1

    async def complete(self, scope: str, key: str, status_code: int, response: dict) -> None:
        """Record the answer of the request holding the reservation; a key already answered keeps its answer."""
        async with write_tx(self._engine, urgent=True) as conn:
            await conn.execute(
                update(idempotency_keys)
                .where(*self._where(scope, key), idempotency_keys.c.status_code == IN_FLIGHT)
                .values(status_code=status_code, response=response)
            )

    async def release(self, scope: str, key: str) -> None:
        """Give up an in-flight reservation, so that a retry runs the request again."""
        async with write_tx(self._engine, urgent=True) as conn:
            await conn.execute(
                delete(idempotency_keys).where(*self._where(scope, key), idempotency_keys.c.status_code == IN_FLIGHT)
            )
