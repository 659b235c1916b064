"""`Idempotency-Key` handling: a retry with the same key and body gets the first response again.

Scope is the caller's `sub` + method + path, so two callers (or two endpoints) never
share a key. The same key with a different body is refused with 409
`IDEMPOTENCY_KEY_REUSED`. The key (hashed with its scope) is also the Temporal
update id, so an update retried while the first attempt is still running is
deduplicated by Temporal itself.
"""

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from api.errors import ApiError, as_api_error

# Refusals that a concurrent request with the same key can cause (it claimed the NIK first): not
# stored, so a retry replays that request's answer once it has been saved.
_RACE_CODES = {"ACTIVE_JOURNEY_EXISTS"}


class Idempotency:
    """One request's idempotency context (built by `api.deps.get_idempotency`)."""

    def __init__(self, keys: Any, scope: str, key: str | None, body_hash: str) -> None:
        self.keys = keys
        self.scope = scope
        self.key = key
        self.body_hash = body_hash

    @property
    def update_id(self) -> str | None:
        """A Temporal update id derived from scope and key (None without a key: Temporal picks one)."""
        if not self.key:
            return None
        return "idem-" + hashlib.sha256(f"{self.scope}\n{self.key}".encode()).hexdigest()[:40]

    async def run(
        self, produce: Callable[[str | None], Awaitable[dict[str, Any]]], status_code: int = 200
    ) -> JSONResponse:
        """Replay the stored answer for this key, or run `produce(update_id)` and store its answer.

        Successful answers and deliberate refusals (4xx) are stored; 5xx are not, so a retry after
        an outage runs again.
        """
        if not self.key:
            return JSONResponse(await produce(None), status_code=status_code)
        stored = await self.keys.get(self.scope, self.key)
        if stored is not None:
            body_hash, status, response = stored
            if body_hash != self.body_hash:
                raise ApiError(
                    409,
                    "IDEMPOTENCY_KEY_REUSED",
                    "This Idempotency-Key was already used with a different request body",
                )
            return JSONResponse(response, status_code=status, headers={"Idempotent-Replayed": "true"})
        try:
            body = await produce(self.update_id)
        except Exception as exc:
            # A concurrent request with this key may have won (e.g. its start claimed the NIK
            # first): answer what it answered.
            stored = await self.keys.get(self.scope, self.key)
            if stored is not None and stored[0] == self.body_hash:
                return JSONResponse(stored[2], status_code=stored[1], headers={"Idempotent-Replayed": "true"})
            err = as_api_error(exc)
            if err is not None and err.status < 500 and err.code not in _RACE_CODES:
                await self.keys.save(self.scope, self.key, self.body_hash, err.status, err.body())
            raise
        # When two requests race with one key the first saved wins; both have the same body.
        await self.keys.save(self.scope, self.key, self.body_hash, status_code, body)
        return JSONResponse(body, status_code=status_code)
