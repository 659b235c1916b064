"""Signed webhook delivery to the engine (API.md, Integrations), as background asyncio tasks.

A real government system pushes its results some time after the request; the engine may
be restarting at that moment, so delivery retries with backoff on connection errors and
5xx, a bounded number of times. Each attempt is signed afresh because the signature
carries a timestamp the engine checks against its clock.
"""

import asyncio
import json
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
import structlog
from pydantic import BaseModel, Field, model_validator

from domain.signatures import HEADER, sign

log = structlog.get_logger(__name__)


class OutgoingEvent(BaseModel):
    """The body the engine receives; exactly one of `journey_id` and `nik` identifies the journey."""

    event_id: str
    type: str
    journey_id: str | None = None
    nik: str | None = None
    occurred_at: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_target(self) -> "OutgoingEvent":
        if (self.journey_id is None) == (self.nik is None):
            raise ValueError("exactly one of journey_id and nik is required")
        return self

    def raw_body(self) -> bytes:
        body = self.model_dump(mode="json", exclude_none=True)
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class Delivery(BaseModel):
    """What became of one event, as `GET /_webhooks` lists it (never the body: it may carry a NIK)."""

    source: str
    event_id: str
    type: str
    status: Literal["scheduled", "delivering", "delivered", "rejected", "failed", "cancelled"] = "scheduled"
    status_code: int | None = None
    attempts: int = 0
    error: str | None = None


def new_event_id(source: str) -> str:
    return f"{source}-{uuid.uuid4().hex[:16]}"


class WebhookSender:
    """Owns the delivery tasks; `aclose()` (from the app's lifespan) cancels what is still pending."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        engine_url: str,
        secrets: dict[str, list[str]],
        *,
        max_attempts: int = 8,
        backoff_seconds: float = 0.5,
        backoff_max_seconds: float = 30.0,
        history: int = 1_000,
    ) -> None:
        self._client = client
        self._engine_url = engine_url.rstrip("/")
        self._secrets = secrets
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._backoff_max = backoff_max_seconds
        self._tasks: set[asyncio.Task[Delivery]] = set()
        self._deliveries: deque[Delivery] = deque(maxlen=history)

    def schedule(self, source: str, event: OutgoingEvent, delay_seconds: float) -> Delivery:
        """Send `event` after `delay_seconds` without making the caller wait."""
        delivery = Delivery(source=source, event_id=event.event_id, type=event.type)
        self._deliveries.append(delivery)
        task = asyncio.create_task(self._deliver_later(source, event, delay_seconds, delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return delivery

    async def send_now(self, source: str, event: OutgoingEvent) -> Delivery:
        """Deliver inline (with retries) and report the outcome; for `/_emit` with `wait`."""
        delivery = Delivery(source=source, event_id=event.event_id, type=event.type)
        self._deliveries.append(delivery)
        return await self._deliver(source, event, delivery)

    def deliveries(self) -> list[Delivery]:
        return list(self._deliveries)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _deliver_later(self, source: str, event: OutgoingEvent, delay: float, delivery: Delivery) -> Delivery:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            return await self._deliver(source, event, delivery)
        except asyncio.CancelledError:
            delivery.status = "cancelled"
            raise

    async def _deliver(self, source: str, event: OutgoingEvent, delivery: Delivery) -> Delivery:
        url = f"{self._engine_url}/v1/integrations/{source}/events"
        secrets = self._secrets.get(source, [])
        if not secrets:
            delivery.status, delivery.error = "failed", f"no webhook secret for source {source!r}"
            log.error("webhook.no_secret", source=source, event_id=event.event_id)
            return delivery
        raw = event.raw_body()
        delivery.status = "delivering"
        for attempt in range(1, self._max_attempts + 1):
            delivery.attempts = attempt
            headers = {"Content-Type": "application/json", HEADER: sign(secrets, int(time.time()), raw)}
            try:
                response = await self._client.post(url, content=raw, headers=headers)
            except httpx.TransportError as exc:
                delivery.status_code, delivery.error = None, type(exc).__name__
            else:
                delivery.status_code, delivery.error = response.status_code, None
                if response.status_code < 500:
                    delivery.status = "delivered" if response.status_code < 400 else "rejected"
                    log.info(
                        "webhook.delivered" if response.status_code < 400 else "webhook.rejected",
                        source=source,
                        event_id=event.event_id,
                        type=event.type,
                        status_code=response.status_code,
                        attempt=attempt,
                    )
                    return delivery
            log.warning(
                "webhook.attempt_failed",
                source=source,
                event_id=event.event_id,
                status_code=delivery.status_code,
                error=delivery.error,
                attempt=attempt,
            )
            if attempt < self._max_attempts:
                await asyncio.sleep(min(self._backoff * 2 ** (attempt - 1), self._backoff_max))
        delivery.status = "failed"
        log.error("webhook.gave_up", source=source, event_id=event.event_id, attempts=delivery.attempts)
        return delivery


def utc_now() -> datetime:
    return datetime.now(UTC)
