"""Admission to the read-model lists: a few queries run at once, the others wait their turn in
arrival order, and when the queue is too long the answer is 503 `UNAVAILABLE` (with `Retry-After`)
at once.

Without it every list request went straight to the connection pool. A pool's waiters are not
served in order (a request arriving just as a connection comes back takes it, and the waiter it
was meant for goes to the back of the queue), so under 100 concurrent callers a few waited seconds
while most waited tens of milliseconds; and a caller beyond the pool's capacity only learned it at
the pool timeout. Here the turn passes from one request to the next in order, and the pool is never
asked for more connections than it has.

A request is refused on arrival when it would not get its turn within its deadline
(`wait_seconds`): the queue ahead of it times the recent length of a turn, divided by the turns
at once; or when the head of the queue has already waited `max_queue_delay`, or `waiting` are
queued. Under overload the server then keeps doing useful work (what it admits it answers within
the deadline) and the rest learn at once to come back, rather than all waiting and then failing.
"""

import asyncio
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from api.errors import ApiError

# List queries of one read model at once, unless it says (`concurrent_reads`, from `store.db`).
RUNNING = 4
# A turn takes a few milliseconds: at 100 concurrent callers a request waits about 0.3 s for it.
WAIT_SECONDS = 2.0
MAX_QUEUE_DELAY = 1.5
WAITING = 1000
WARM_TURNS = 10


def busy() -> ApiError:
    """503 `UNAVAILABLE`; the error handler adds `Retry-After` (`PMI_RETRY_AFTER_SECONDS`)."""
    return ApiError(503, "UNAVAILABLE", "Too many list requests at once; try again")


class Admission:
    """At most `running` holders at once; the others queue in order, within the bounds above."""

    def __init__(
        self,
        running: int = RUNNING,
        waiting: int = WAITING,
        wait_seconds: float = WAIT_SECONDS,
        max_queue_delay: float = MAX_QUEUE_DELAY,
    ) -> None:
        self.running = running
        self.waiting = waiting
        self.wait_seconds = wait_seconds
        self.max_queue_delay = max_queue_delay
        self.loop: asyncio.AbstractEventLoop | None = None
        self._holders = 0
        # (arrival time, future) of each waiter, oldest first; done futures are dropped as met.
        self._queue: deque[tuple[float, asyncio.Future[None]]] = deque()
        self._queued = 0
        self._turn_seconds = 0.0  # a moving average of how long a turn is held
        self._turns = 0  # the first `WARM_TURNS` open connections and compile queries: not counted

    @property
    def holders(self) -> int:
        return self._holders

    @property
    def queued(self) -> int:
        return self._queued

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold a turn for the block; `busy()` when the queue is too long or the wait too long."""
        await self._acquire()
        started = time.monotonic()
        try:
            yield
        finally:
            held = time.monotonic() - started
            self._turns += 1
            average = self._turn_seconds
            self._turn_seconds = average + 0.1 * (held - average) if self._turns > WARM_TURNS else held
            self._release()

    def _head_delay(self, now: float) -> float:
        while self._queue and self._queue[0][1].done():
            self._queue.popleft()
        return now - self._queue[0][0] if self._queue else 0.0

    async def _acquire(self) -> None:
        if self._holders < self.running and not self._queued:
            self._holders += 1
            return
        now = time.monotonic()
        expected = (self._queued + 1) * self._turn_seconds / self.running if self._turns > WARM_TURNS else 0.0
        late = expected >= self.wait_seconds or self._head_delay(now) >= self.max_queue_delay
        if late or self._queued >= self.waiting:
            raise busy()
        granted = asyncio.get_running_loop().create_future()
        self._queue.append((now, granted))
        self._queued += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await granted
        except (TimeoutError, asyncio.CancelledError) as exc:
            if granted.done() and not granted.cancelled():
                self._release()  # the turn came just as the wait ended: pass it on
            else:
                self._queued -= 1
                granted.cancel()
            if isinstance(exc, TimeoutError):
                raise busy() from None
            raise

    def _release(self) -> None:
        while self._queue:
            _, waiter = self._queue.popleft()
            if not waiter.done():
                self._queued -= 1
                waiter.set_result(None)  # the turn passes on: the number of holders stays
                return
        self._holders -= 1


_admissions: "weakref.WeakKeyDictionary[Any, Admission]" = weakref.WeakKeyDictionary()


def list_admission(model: Any) -> Admission:
    """The admission to `model`'s list queries: as many at once as it serves well
    (`model.concurrent_reads`), one queue per model and event loop (its futures belong to one loop)."""
    loop = asyncio.get_running_loop()
    admission = _admissions.get(model)
    if admission is None or admission.loop is not loop:
        admission = _admissions[model] = Admission(getattr(model, "concurrent_reads", RUNNING))
        admission.loop = loop
    return admission
