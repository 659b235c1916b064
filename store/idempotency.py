"""Idempotency keys of API requests: the first response to a key is the answer to every retry."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import upsert_insert, write_tx
from store.tables import idempotency_keys
from store.timefmt import now_text


class IdempotencyKeys:
    """Keys are scoped (e.g. by caller and route) so that two clients' keys never collide."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, scope: str, key: str) -> tuple[str, int, dict] | None:
        """(body_hash, status_code, response) of the first request with that key, or None."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        idempotency_keys.c.body_hash,
                        idempotency_keys.c.status_code,
                        idempotency_keys.c.response,
                    ).where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
                )
            ).first()
        return (row.body_hash, row.status_code, row.response) if row else None

    async def save(self, scope: str, key: str, body_hash: str, status_code: int, response: dict) -> None:
        """Remember a response; when two requests race with one key, the first saved wins."""
        values = {
            "scope": scope,
            "key": key,
            "body_hash": body_hash,
            "status_code": status_code,
            "response": response,
            "created_at": now_text(),
        }
        async with write_tx(self._engine) as conn:
            await conn.execute(upsert_insert(conn)(idempotency_keys).values(**values).on_conflict_do_nothing())
