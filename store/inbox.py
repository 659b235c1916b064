"""The integration inbox: each (source, event_id) is received once, and delivered until marked so."""

from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import upsert_insert, write_tx
from store.tables import integration_inbox
from store.timefmt import now_text


class IntegrationInbox:
    """Deduplicates webhook events before they reach a workflow; keeps every body received."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def receive(
        self, source: str, event_id: str, journey_id: str, type: str, body: dict
    ) -> Literal["new", "duplicate", "undelivered"]:
        """Record an event. "new": first time; "undelivered": seen before but never marked delivered
        (deliver it again: the workflow deduplicates too); "duplicate": seen and delivered."""
        row = {
            "source": source,
            "event_id": event_id,
            "journey_id": journey_id,
            "type": type,
            "body": body,
            "received_at": now_text(),
        }
        async with write_tx(self._engine) as conn:
            stmt = (
                upsert_insert(conn)(integration_inbox)
                .values(**row)
                .on_conflict_do_nothing()
                .returning(integration_inbox.c.event_id)
            )
            if (await conn.execute(stmt)).first() is not None:
                return "new"
            delivered_at = (
                await conn.execute(
                    select(integration_inbox.c.delivered_at).where(
                        integration_inbox.c.source == source, integration_inbox.c.event_id == event_id
                    )
                )
            ).scalar_one()
        return "undelivered" if delivered_at is None else "duplicate"

    async def mark_delivered(self, source: str, event_id: str) -> bool:
        """Record that the workflow has the event (the first delivery time is kept). True for the one
        call that recorded it, False when it was recorded already."""
        async with write_tx(self._engine) as conn:
            result = await conn.execute(
                integration_inbox.update()
                .where(
                    integration_inbox.c.source == source,
                    integration_inbox.c.event_id == event_id,
                    integration_inbox.c.delivered_at.is_(None),
                )
                .values(delivered_at=now_text())
            )
        return result.rowcount == 1

    async def get(self, source: str, event_id: str) -> dict | None:
        """The stored event: source, event_id, journey_id, type, body, received_at, delivered_at."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(integration_inbox).where(
                        integration_inbox.c.source == source, integration_inbox.c.event_id == event_id
                    )
                )
            ).first()
        return dict(row._mapping) if row else None
