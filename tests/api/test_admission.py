"""The admission to the lists: a few at once, the rest in arrival order, and a 503 instead of a long wait."""

import asyncio

import pytest

from api.admission import WARM_TURNS, Admission
from api.errors import ApiError


async def test_waiters_get_their_turn_in_the_order_they_came():
    admission = Admission(running=1, waiting=10, wait_seconds=5)
    order: list[int] = []
    release = asyncio.Event()

    async def first() -> None:
        async with admission.turn():
            await release.wait()

    async def later(n: int) -> None:
        async with admission.turn():
            order.append(n)

    holder = asyncio.create_task(first())
    await asyncio.sleep(0)
    waiters = []
    for n in range(5):
        waiters.append(asyncio.create_task(later(n)))
        await asyncio.sleep(0)
    assert admission.holders == 1 and admission.queued == 5
    release.set()
    await asyncio.gather(holder, *waiters)
    assert order == [0, 1, 2, 3, 4]
    assert admission.holders == 0 and admission.queued == 0


async def test_a_full_queue_is_refused_at_once_with_503_unavailable():
    admission = Admission(running=1, waiting=1, wait_seconds=5)
    async with admission.turn():
        queued = asyncio.create_task(admission.turn().__aenter__())
        await asyncio.sleep(0)
        with pytest.raises(ApiError) as refused:
            async with admission.turn():
                pass
        assert refused.value.status == 503 and refused.value.code == "UNAVAILABLE"
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
    assert admission.holders == 0 and admission.queued == 0


async def test_a_wait_longer_than_the_bound_is_refused_and_the_turn_goes_to_the_next():
    admission = Admission(running=1, waiting=10, wait_seconds=0.05)
    got: list[str] = []

    async def patient() -> None:
        admission.wait_seconds = 5
        async with admission.turn():
            got.append("patient")

    async with admission.turn():
        impatient = asyncio.create_task(admission.turn().__aenter__())
        await asyncio.sleep(0)
        with pytest.raises(ApiError):
            await impatient  # waited 50 ms behind the holder: 503
        waiting = asyncio.create_task(patient())
        await asyncio.sleep(0)
    await waiting
    assert got == ["patient"] and admission.holders == 0


async def test_a_cancelled_waiter_does_not_keep_the_turn():
    admission = Admission(running=1, waiting=10, wait_seconds=5)
    async with admission.turn():
        gone = asyncio.create_task(admission.turn().__aenter__())
        await asyncio.sleep(0)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
    async with admission.turn():  # nobody holds a turn that was never taken
        assert admission.holders == 1
    assert admission.holders == 0


async def test_several_run_at_once_up_to_the_bound():
    admission = Admission(running=3, waiting=10, wait_seconds=5)
    inside = 0
    most = 0

    async def one() -> None:
        nonlocal inside, most
        async with admission.turn():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(one() for _ in range(10)))
    assert most == 3 and admission.holders == 0


async def test_arrivals_are_refused_at_once_while_the_head_of_the_queue_has_waited_too_long():
    admission = Admission(running=1, waiting=100, wait_seconds=5, max_queue_delay=0.05)
    async with admission.turn():
        head = asyncio.create_task(admission.turn().__aenter__())
        await asyncio.sleep(0)
        async with asyncio.timeout(1):
            second = asyncio.create_task(admission.turn().__aenter__())  # the head has just arrived: it queues
            await asyncio.sleep(0.06)
            started = asyncio.get_running_loop().time()
            with pytest.raises(ApiError):
                async with admission.turn():
                    pass
            assert asyncio.get_running_loop().time() - started < 0.01  # refused without waiting
        assert admission.queued == 2
        for task in (head, second):
            task.cancel()
        await asyncio.gather(head, second, return_exceptions=True)
    assert admission.holders == 0 and admission.queued == 0


async def test_an_arrival_that_would_miss_its_deadline_is_refused_at_once():
    admission = Admission(running=1, waiting=100, wait_seconds=0.25, max_queue_delay=10)
    for _ in range(WARM_TURNS + 1):
        async with admission.turn():
            await asyncio.sleep(0.1)  # a turn takes about 100 ms
    async with admission.turn():
        queued = [asyncio.create_task(admission.turn().__aenter__()) for _ in range(2)]
        await asyncio.sleep(0)
        assert admission.queued == 2
        with pytest.raises(ApiError):  # third in line: 300 ms of turns ahead of it, past its 250 ms deadline
            async with admission.turn():
                pass
        assert admission.queued == 2
        for task in queued:
            task.cancel()
        await asyncio.gather(*queued, return_exceptions=True)
    assert admission.holders == 0 and admission.queued == 0
