"""The one HTTP call every external-system activity makes, and how its failures map onto Temporal.

- 2xx: the JSON body.
- 5xx, 408, 429, timeouts, connection errors: a retryable `ApplicationError` (`GOV_UNAVAILABLE`);
  Temporal retries with the same idempotency key, so the system causes the effect once.
- other 4xx: the system refused the request; `GOV_REJECTED`, non-retryable.

Error messages carry the status and the system's short error text, never the request body
(it may hold a NIK or a phone number).
"""

from typing import Any

import httpx
from temporalio.exceptions import ApplicationError

from activities.retry import GOV_REJECTED, GOV_UNAVAILABLE
from metrics import ACTIVITY_FAILURES

# Client errors that say "not now" rather than "no".
RETRYABLE_4XX = frozenset({408, 425, 429})


class GovHttp:
    """POSTs JSON to one external system through an `httpx.AsyncClient` whose base_url is that system;
    the client's timeout (`PMI_HTTP_TIMEOUT_SECONDS`, `worker.simulator_client`) bounds each call."""

    def __init__(self, client: httpx.AsyncClient, system: str) -> None:
        self._client = client
        self._system = system

    async def post(self, path: str, idempotency_key: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One call; raises `ApplicationError` as described in the module docstring (and counts it)."""
        try:
            return await self._post(path, idempotency_key, payload)
        except ApplicationError:
            ACTIVITY_FAILURES.labels(system=self._system).inc()
            raise

    async def _post(self, path: str, idempotency_key: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._client.post(path, json=payload, headers={"Idempotency-Key": idempotency_key})
        except httpx.TimeoutException as exc:
            raise ApplicationError(f"{self._system} timed out ({type(exc).__name__})", type=GOV_UNAVAILABLE) from exc
        except httpx.TransportError as exc:
            raise ApplicationError(f"{self._system} unreachable ({type(exc).__name__})", type=GOV_UNAVAILABLE) from exc
        status = response.status_code
        if status >= 500 or status in RETRYABLE_4XX:
            raise ApplicationError(f"{self._system} answered {status}{_short_error(response)}", type=GOV_UNAVAILABLE)
        if status >= 400:
            raise ApplicationError(
                f"{self._system} refused the request: {status}{_short_error(response)}",
                {"system": self._system, "status_code": status},
                type=GOV_REJECTED,
                non_retryable=True,
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise ApplicationError(f"{self._system} answered {status} without JSON", type=GOV_UNAVAILABLE) from exc
        if not isinstance(body, dict):
            raise ApplicationError(f"{self._system} answered {status} with unexpected JSON", type=GOV_UNAVAILABLE)
        return body

    def require(self, body: dict[str, Any], field: str) -> Any:
        """A field the system's answer must hold; a malformed answer is treated like an outage (retried)."""
        if field not in body:
            raise ApplicationError(f"{self._system} answer lacks {field!r}", type=GOV_UNAVAILABLE)
        return body[field]


def _short_error(response: httpx.Response) -> str:
    """`: <error>` when the body has a short string `error`; never the rest of the body."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    if isinstance(error, dict):
        error = error.get("message") or error.get("code")
    return f": {error[:200]}" if isinstance(error, str) and error else ""
