"""`Idempotency-Key` handling: a retry with the same key and body gets the first response again.

Scope is the caller's `sub` + method + path, so two callers (or two endpoints) never
share a key. The same key with a different body is refused with 409
`IDEMPOTENCY_KEY_REUSED`. The key (hashed with its scope) is also the Temporal
update id, so an update retried after a timeout on our side is deduplicated by
Temporal itself: the retry gets the one update's result.

Concurrent requests with one key: the first reserves the key and runs; the others wait
for its answer and return it. One still in flight after `PMI_IDEMPOTENCY_WAIT_SECONDS`
answers 409 `IDEMPOTENCY_IN_PROGRESS` with `Retry-After`. A reservation whose request
died with its process is taken over once it is older than `PMI_IDEMPOTENCY_LEASE_SECONDS`.
"""

import asyncio
import contextlib
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.errors import as_api_error
from api.services.errors import IdempotencyInProgress, IdempotencyKeyReused
from store.idempotency import StoredKey
from store.timefmt import format_time

POLL_SECONDS = 0.05


def _json(answer: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """The body of an answer: a service's view (`JourneyView`, `CaseView`) as its JSON."""
    return answer.model_dump(mode="json") if isinstance(answer, BaseModel) else answer


def update_id_for(scope: str, key: str) -> str:
    """The Temporal update id of a request with `Idempotency-Key: key` in `scope` (caller, method, path):
    a retry sends the same update, which Temporal applies once."""
    return "idem-" + hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()[:40]


class Idempotency:
    """One request's idempotency context (built by `api.deps.get_idempotency`)."""

    def __init__(
        self,
        keys: Any,
        scope: str,
        key: str | None,
        body_hash: str,
        wait_seconds: float = 10.0,
        lease_seconds: float = 60.0,
        retry_after: int = 2,
        sealer: Any = None,
        on_replay: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self.keys = keys
        # Stored answers keep their personal values sealed under their journey's key (docs/privacy.md);
        # `on_replay` hears an answer served again (the access log).
        self.sealer = sealer
        self.on_replay = on_replay
        self.scope = scope
        self.key = key
        self.body_hash = body_hash
        self.wait_seconds = wait_seconds
        self.lease_seconds = lease_seconds
        self.retry_after = retry_after

    @property
    def update_id(self) -> str | None:
        """A Temporal update id derived from scope and key (None without a key: Temporal picks one)."""
        return update_id_for(self.scope, self.key) if self.key else None

    async def run(
        self, produce: Callable[[str | None], Awaitable[BaseModel | dict[str, Any]]], status_code: int = 200
    ) -> JSONResponse:
        """Replay the answer stored for this key, or reserve the key, run `produce(update_id)` and store
        its answer.

        Successful answers and deliberate refusals (4xx) are stored; after a 5xx (an outage) the key is
        released, so a retry runs again — with the same update id, so Temporal runs the update once.
        """
        if not self.key:
            return JSONResponse(_json(await produce(None)), status_code=status_code)
        stored = await self._reserve()
        if stored is not None:
            return await self._replay(stored)
        try:
            body = _json(await produce(self.update_id))
        except Exception as exc:
            err = as_api_error(exc)
            if err is not None and err.status < 500:
                await self.keys.complete(self.scope, self.key, err.status, await self._sealed(err.body()))
            else:
                # Kept for the lease if the store is down too; the original error is the answer.
                with contextlib.suppress(Exception):
                    await self.keys.release(self.scope, self.key)
            raise
        await self.keys.complete(self.scope, self.key, status_code, await self._sealed(body))
        return JSONResponse(body, status_code=status_code)

    @staticmethod
    def _journey_of(body: dict[str, Any]) -> str | None:
        journey_id = body.get("journey_id") if isinstance(body, dict) else None
        return journey_id if isinstance(journey_id, str) and journey_id.startswith("j_") else None

    async def _sealed(self, body: dict[str, Any]) -> dict[str, Any]:
        journey_id = self._journey_of(body)
        if self.sealer is None or journey_id is None:
            return body
        return await self.sealer.seal(journey_id, body)

    async def _reserve(self) -> StoredKey | None:
        """None once this request holds the key; the stored answer when another request gave one first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        while True:
            stored = await self.keys.reserve(self.scope, self.key, self.body_hash)
            if stored is None:
                return None
            if stored.body_hash != self.body_hash:
                raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request body")
            if not stored.in_flight:
                return stored
            stale_before = format_time(datetime.now(UTC) - timedelta(seconds=self.lease_seconds))
            if stored.created_at < stale_before and await self.keys.take_over(self.scope, self.key, stale_before):
                return None
            if loop.time() >= deadline:
                raise IdempotencyInProgress(
                    "A request with this Idempotency-Key is still in progress; retry to get its answer",
                    retry_after=self.retry_after,
                )
            await asyncio.sleep(POLL_SECONDS)

    async def _replay(self, stored: StoredKey) -> JSONResponse:
        body = stored.response
        journey_id = self._journey_of(body)
        if self.sealer is not None and journey_id is not None:
            body = await self.sealer.open(journey_id, body)
            if self.on_replay is not None and stored.status_code < 400:
                await self.on_replay(body)
        return JSONResponse(body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"})
