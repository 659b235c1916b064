"""Rate limits (API.md, Conventions): failed authentication per client address, and requests per
integration source. Over either, the answer is 429 `RATE_LIMITED` with `Retry-After`.

- A client address that presented credentials that were refused (a bad or expired bearer token or
  codec session, a webhook signature that does not match) `auth_failure_rate` times within the window
  is refused outright until the window lets it in again, whatever it sends: a valid token from it is
  refused too, so its answers tell a guesser nothing. A request with no credentials at all is answered
  401 and not counted: it guesses nothing, and the Web UI without a codec session sends one for
  every payload on a page.
- An integration source may deliver `integration_rate` signed events within the window. Only requests
  with a valid signature count: a flood of forged ones for a source cannot lock that source out (they
  count against their own address instead).

Both rates are policy, in the `limits` notation (`30/minute`, `1000/hour`). The counters are kept in
the storage `rate_limit_storage` names (`memory://` by default: one API process; a shared storage such
as `redis://host:6379` makes several replicas count together). The client address is the one the
server saw; behind a proxy, uvicorn's `--proxy-headers`/`--forwarded-allow-ips` decide whether that is
the proxy's or the forwarded one.
"""

import math
import time
from typing import Any

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from api.errors import ApiError
from config import Settings


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class RateLimits:
    """The API's limiters, one storage for all of them (`app.state.rate_limits`); the rates are checked
    when the settings are read."""

    def __init__(self, settings: Settings) -> None:
        storage = settings.rate_limit_storage
        uri = storage if storage.startswith("async+") else f"async+{storage}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(uri))
        self._auth_failures = parse(settings.auth_failure_rate)
        self._integration = parse(settings.integration_rate)

    async def check_address(self, address: str) -> None:
        """429 when `address` has used up its failed authentications."""
        if not await self._limiter.test(self._auth_failures, "auth-failures", address):
            raise await self._refusal(self._auth_failures, ("auth-failures", address), "Too many failed sign-ins")

    async def failed_authentication(self, address: str) -> None:
        await self._limiter.hit(self._auth_failures, "auth-failures", address)

    async def integration_request(self, source: str) -> None:
        """Count one signed delivery from `source`; 429 when it is over its rate."""
        if not await self._limiter.hit(self._integration, "integration", source):
            raise await self._refusal(self._integration, ("integration", source), f"Too many events from {source}")

    async def _refusal(self, limit: RateLimitItem, keys: tuple[str, ...], message: str) -> ApiError:
        stats = await self._limiter.get_window_stats(limit, *keys)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return ApiError(429, "RATE_LIMITED", f"{message}; try again later", retry_after=retry_after)


def of(request: Request) -> RateLimits:
    return request.app.state.rate_limits


_TOO_MANY = {
    "description": "RATE_LIMITED with `Retry-After`: this client address failed authentication too often"
    " (or, for integration events, the source is over its rate)"
}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the 429 answer to every operation that authenticates its caller: those that declare a security
    scheme (a bearer token, the codec session, the webhook signature)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("security") and "responses" in operation:
                operation["responses"].setdefault("429", _TOO_MANY)
    return schema
