"""The simulator's memory: every call it answered, the first response per idempotency key, effects.

In memory and bounded on purpose: a simulator run is a demo or a test session, and an
unbounded ledger would grow forever under a load test.
"""

import asyncio
from collections import Counter, OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel


class CallRecord(BaseModel):
    """One HTTP call to a simulated system, as `GET /_calls` lists it."""

    system: str
    endpoint: str
    idempotency_key: str | None
    status_code: int
    effect: bool
    at: datetime


class StoredResponse(BaseModel):
    """The first answer given for a key; a repeated key gets exactly this again."""

    status_code: int
    body: dict[str, Any]


ResponseKey = tuple[str, str, str]  # system, endpoint, idempotency key


class Ledger:
    """Calls (newest last, at most `max_calls`), first responses and effect counts (at most `max_keys`)."""

    def __init__(self, max_calls: int = 10_000, max_keys: int = 50_000) -> None:
        self._max_keys = max_keys
        self._calls: deque[CallRecord] = deque(maxlen=max_calls)
        self._responses: OrderedDict[ResponseKey, StoredResponse] = OrderedDict()
        self._effects: Counter[tuple[str, str]] = Counter()
        # Lock and number of holders/waiters per key; dropped when nobody needs it any more.
        self._locks: dict[ResponseKey, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def exclusive(self, key: ResponseKey) -> AsyncIterator[None]:
        """Serialise calls that share a key, so two concurrent retries cannot both cause the effect."""
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    def first_response(self, key: ResponseKey) -> StoredResponse | None:
        return self._responses.get(key)

    def remember(self, key: ResponseKey, response: StoredResponse) -> None:
        self._responses[key] = response
        while len(self._responses) > self._max_keys:
            self._responses.popitem(last=False)

    def record(self, system: str, endpoint: str, idempotency_key: str | None, status_code: int, effect: bool) -> None:
        self._calls.append(
            CallRecord(
                system=system,
                endpoint=endpoint,
                idempotency_key=idempotency_key,
                status_code=status_code,
                effect=effect,
                at=datetime.now(UTC),
            )
        )
        if effect and idempotency_key is not None:
            self._effects[(system, idempotency_key)] += 1
            # Counter has no order; trimming the smallest would be arbitrary, so trim the first inserted.
            while len(self._effects) > self._max_keys:
                del self._effects[next(iter(self._effects))]

    def calls(self, system: str | None = None, idempotency_key: str | None = None) -> list[CallRecord]:
        return [
            c
            for c in self._calls
            if (system is None or c.system == system)
            and (idempotency_key is None or c.idempotency_key == idempotency_key)
        ]

    def effects(self, system: str | None = None) -> dict[str, dict[str, int]]:
        """`{system: {idempotency_key: number of effects}}`; exactly 1 per key when idempotency holds."""
        out: dict[str, dict[str, int]] = {}
        for (sys_name, key), count in self._effects.items():
            if system is None or sys_name == system:
                out.setdefault(sys_name, {})[key] = count
        return out

    def reset(self) -> None:
        self._calls.clear()
        self._responses.clear()
        self._effects.clear()
