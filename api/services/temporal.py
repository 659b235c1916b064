"""The API's Temporal client, connected lazily so the API starts (and answers 503) while Temporal boots."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from temporalio.client import Client

from api.errors import unavailable
from config import Settings
from workflows.client import connect

log = structlog.get_logger(__name__)


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
        self._client = client
        self._connector = connector
        self._timeout = connect_timeout
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def connected(self) -> bool:
        return self._client is not None

    async def client(self) -> Client:
        """The client, connecting now if needed; 503 `UNAVAILABLE` when Temporal cannot be reached."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await asyncio.wait_for(self._connector(self._settings), self._timeout)
                except Exception as exc:
                    log.warning("temporal_connect_failed", error_type=type(exc).__name__)
                    raise unavailable() from exc
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
                await asyncio.sleep(interval)

        if self._client is None and self._background is None:
            self._background = asyncio.create_task(loop())

    async def close(self) -> None:
        """Stop the background connection attempts."""
        self._closed = True
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(self._background), self._timeout + 1)
