"""The running simulator: fault settings, ledger, webhook sender, and the pipeline of every system call."""

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from simulator.config import SimulatorConfig, SystemConfig
from simulator.ledger import Ledger, StoredResponse
from simulator.webhooks import OutgoingEvent, WebhookSender

Effect = Callable[[], Awaitable[dict[str, Any]]]


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class ChannelPost(BaseModel):
    """A message posted to an office's or the rapid response team's channel, as `GET /_channel` lists it."""

    message_id: str
    channel: str
    text: str
    case_id: str | None = None
    journey_id: str | None = None
    at: datetime


class Simulator:
    """One per app (`app.state.simulator`). Every system endpoint hands its effect to `call`."""

    def __init__(self, config: SimulatorConfig, sender: WebhookSender) -> None:
        self.config = config
        self.systems: dict[str, SystemConfig] = config.system_defaults()
        self.webhooks_enabled = config.webhooks
        self.webhook_delay_seconds = config.webhook_delay_seconds
        self.ledger = Ledger(max_calls=config.ledger_max_calls, max_keys=config.ledger_max_keys)
        self.sender = sender
        self.rng = random.Random(config.seed)  # seeded simulation, not a secret  # nosec B311
        self.mismatch_niks = frozenset(config.mismatch_niks)
        # What the simulated messaging holds (one entry per effect, not per call); bounded like the ledger.
        self.channel_posts: deque[ChannelPost] = deque(maxlen=config.ledger_max_calls)

    async def call(self, system: str, endpoint: str, idempotency_key: str | None, effect: Effect) -> JSONResponse:
        """Missing key: 400; then latency; injected outage: 503, no effect; repeated key: the first answer.

        Otherwise run `effect` once and remember its answer for the key.
        """
        if not idempotency_key:
            self.ledger.record(system, endpoint, None, 400, effect=False)
            return JSONResponse({"error": "Idempotency-Key header is required"}, status_code=400)
        controls = self.systems[system]
        if controls.latency_ms:
            await asyncio.sleep(controls.latency_ms / 1000)
        if self._should_fail(controls):
            self.ledger.record(system, endpoint, idempotency_key, 503, effect=False)
            return JSONResponse({"error": "simulated outage"}, status_code=503)
        key = (system, endpoint, idempotency_key)
        async with self.ledger.exclusive(key):
            first = self.ledger.first_response(key)
            if first is not None:
                self.ledger.record(system, endpoint, idempotency_key, first.status_code, effect=False)
                return JSONResponse(first.body, status_code=first.status_code)
            body = await effect()
            self.ledger.remember(key, StoredResponse(status_code=200, body=body))
            self.ledger.record(system, endpoint, idempotency_key, 200, effect=True)
            return JSONResponse(body, status_code=200)

    def _should_fail(self, controls: SystemConfig) -> bool:
        if controls.fail_next > 0:
            controls.fail_next -= 1
            return True
        return controls.failure_rate > 0 and self.rng.random() < controls.failure_rate

    def push(self, source: str, event: OutgoingEvent, delay_seconds: float | None = None) -> None:
        """Schedule a result webhook if webhooks are on (a system's own follow-up, not `/_emit`)."""
        if self.webhooks_enabled:
            delay = self.webhook_delay_seconds if delay_seconds is None else delay_seconds
            self.sender.schedule(source, event, delay)

    def digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def reference(self, prefix: str, n: int = 10) -> str:
        alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        return prefix + "".join(self.rng.choice(alphabet) for _ in range(n))
