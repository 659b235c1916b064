"""The API's Temporal client, connected lazily so the API starts (and answers 503) while Temporal boots.

Every call the API makes to Temporal carries a deadline (API.md: a dependency that is down or too slow
gets 503 within a deadline, never a hang): each call gets `PMI_TEMPORAL_RPC_TIMEOUT_SECONDS` through a
client interceptor, and a whole update, which the SDK would otherwise keep re-sending for as long as
no worker accepts it, is bounded by `PMI_TEMPORAL_UPDATE_TIMEOUT_SECONDS` (`within_deadline`).

The interceptor sets the gRPC deadline *and* cancels the call when it passes: with the server down
the client keeps retrying "connection refused" past `rpc_timeout` (a 2 s deadline took 6 s).
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import structlog
from temporalio.client import Client, Interceptor, OutboundInterceptor, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.services.errors import unavailable
from config import Settings
from domain.errors import DomainError, refusal_from
from workflows.client import connect

log = structlog.get_logger(__name__)
T = TypeVar("T")

# The client calls the API makes (or the SDK makes for it): each gets the default RPC deadline.
_CALLS = (
    "start_workflow",
    "cancel_workflow",
    "describe_workflow",
    "fetch_workflow_history_events",
    "list_workflows",
    "count_workflows",
    "query_workflow",
    "signal_workflow",
    "terminate_workflow",
    "start_workflow_update",
    "start_update_with_start_workflow",
)


_UPDATES = ("start_workflow_update", "start_update_with_start_workflow")


class _DeadlineOutbound(OutboundInterceptor):
    """Gives every call without an explicit `rpc_timeout` the default one."""

    def __init__(self, next: OutboundInterceptor, timeout: timedelta) -> None:
        super().__init__(next)
        self.timeout = timeout


class _BoundedIterator:
    """An async iterator of pages (workflow lists, history events) whose every step has the deadline."""

    def __init__(self, inner: Any, seconds: float) -> None:
        self._inner = inner
        self._seconds = seconds

    def __aiter__(self) -> "_BoundedIterator":
        return self

    async def __anext__(self) -> Any:
        async with asyncio.timeout(self._seconds):
            return await self._inner.__anext__()


def _with_deadline(name: str) -> Callable[..., Any]:
    def call(self: _DeadlineOutbound, input: Any) -> Any:
        if getattr(input, "rpc_timeout", self.timeout) is None:
            input.rpc_timeout = self.timeout
        for nested in ("start_workflow_input", "update_workflow_input"):  # update-with-start
            inner = getattr(input, nested, None)
            if inner is not None and getattr(inner, "rpc_timeout", self.timeout) is None:
                inner.rpc_timeout = self.timeout
        seconds = (getattr(input, "rpc_timeout", None) or self.timeout).total_seconds()
        result = getattr(self.next, name)(input)
        if name in _UPDATES:  # bounded as a whole by the update deadline (`TemporalGateway.update`)
            return result
        if asyncio.iscoroutine(result):
            return within_deadline(result, seconds)
        return _BoundedIterator(result, seconds) if hasattr(result, "__anext__") else result

    call.__name__ = name
    return call


for _name in _CALLS:
    setattr(_DeadlineOutbound, _name, _with_deadline(_name))


class RpcDeadlines(Interceptor):
    """Client interceptor: a default deadline on every RPC of the calls in `_CALLS`."""

    def __init__(self, seconds: float) -> None:
        self.timeout = timedelta(seconds=seconds)

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _DeadlineOutbound(next, self.timeout)


def with_deadlines(client: Client, seconds: float) -> Client:
    """The same connection and namespace as `client`, with `RpcDeadlines` added."""
    config = client.config()
    config["interceptors"] = [*config["interceptors"], RpcDeadlines(seconds)]
    return Client(**config)


async def within_deadline(call: Awaitable[T], seconds: float) -> T:
    """`call`, or `TimeoutError` (-> 503 UNAVAILABLE) once `seconds` have passed."""
    async with asyncio.timeout(seconds):
        return await call


class TemporalGateway:
    """Holds one Temporal client for the process; `client()` connects on first use or answers 503."""

    def __init__(
        self,
        settings: Settings,
        client: Client | None = None,
        connector: Callable[[Settings], Awaitable[Client]] = connect,
        connect_timeout: float = 5.0,
    ) -> None:
        self._settings = settings
        self._client = with_deadlines(client, settings.temporal_rpc_timeout_seconds) if client else None
        self._connector = connector
        self._timeout = connect_timeout
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self._closed = False
        self._closing = asyncio.Event()

    async def update(self, handle: Any, name: str, arg: Any, update_id: str | None) -> dict[str, Any]:
        """Run workflow update `name` and return its result (a view as a dict), within the update deadline.
        A timeout leaves the update with Temporal, which runs it once a worker answers: a retry with the
        same id (the `Idempotency-Key`) gets that one update's result."""
        return await within_deadline(
            handle.execute_update(name, arg, result_type=dict, id=update_id),
            self._settings.temporal_update_timeout_seconds,
        )

    async def client(self) -> Client:
        """The client, connecting now if needed; 503 `UNAVAILABLE` when Temporal cannot be reached."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                try:
                    raw = await asyncio.wait_for(self._connector(self._settings), self._timeout)
                    self._client = with_deadlines(raw, self._settings.temporal_rpc_timeout_seconds)
                except Exception as exc:
                    log.warning("temporal_connect_failed", error_type=type(exc).__name__)
                    raise unavailable(dependency="temporal") from exc
        return self._client

    def connect_in_background(self, interval: float = 2.0) -> None:
        """Keep trying to connect until it works, so the first request after Temporal is up is fast."""

        async def loop() -> None:
            # `_closed` as well as cancellation: a cancel landing inside `wait_for` can be swallowed.
            while self._client is None and not self._closed:
                with contextlib.suppress(Exception):
                    await self.client()
                    log.info("temporal_connected", address=self._settings.temporal_address)
                    return
                # Woken at once by `close`: a shutdown does not wait out the interval.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), interval)

        if self._client is None and self._background is None:
            self._background = asyncio.create_task(loop())

    async def close(self) -> None:
        """Stop the background connection attempts."""
        self._closed = True
        self._closing.set()
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(self._background), self._timeout + 1)


def refusal_of(exc: BaseException) -> DomainError | None:
    """The domain refusal a workflow update failed with, as the domain raised it (`workflows.journey.refusal`
    made it an `ApplicationError`: its type the API code, its first detail the error body), or None for
    any other failure."""
    cause = exc.cause if isinstance(exc, WorkflowUpdateFailedError) else exc
    if not isinstance(cause, ApplicationError):
        return None
    details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else None
    return refusal_from(cause.type, cause.message, details)
