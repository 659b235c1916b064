"""Waiting for what happens after a call returns: the store is written by an activity just after
the workflow moves, a child workflow starts a moment after its parent records it, and so on."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    check: Callable[[T], Any] = bool,
    within: float = 10.0,
    every: float = 0.05,
    what: str = "condition",
) -> T:
    """Call `probe` until `check` holds for its value, then return that value.

    Fails with the last value after `within` seconds of wall time (on the time-skipping server,
    wall time: sleeping here does not move the workflow clock)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if check(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"{what} never held within {within} s; last value: {value!r}")
        await asyncio.sleep(every)
