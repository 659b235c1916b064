"""Idempotency keys: the first answer is replayed; a reused key with another body is refused."""

import asyncio

import pytest

from api.errors import ApiError, as_api_error, error_response
from api.idempotency import Idempotency
from api.services.errors import IdempotencyInProgress, IdempotencyKeyReused
from tests.polling import eventually


async def test_the_same_key_and_body_replays_the_first_answer(app):
    keys = app.state.services.idempotency
    calls: list[str | None] = []

    async def produce(update_id):
        calls.append(update_id)
        return {"n": len(calls)}

    first = await Idempotency(keys, "officer-1 POST /x", "k1", "h1").run(produce, status_code=201)
    again = await Idempotency(keys, "officer-1 POST /x", "k1", "h1").run(produce, status_code=201)
    assert first.status_code == again.status_code == 201 and first.body == again.body
    assert len(calls) == 1 and calls[0] and calls[0].startswith("idem-")
    assert again.headers["idempotent-replayed"] == "true"
    other_caller = await Idempotency(keys, "officer-2 POST /x", "k1", "h1").run(produce)
    assert other_caller.body != first.body


async def test_the_same_key_with_another_body_is_refused(app):
    keys = app.state.services.idempotency

    async def produce(_):
        return {"ok": True}

    await Idempotency(keys, "s", "k2", "h1").run(produce)
    with pytest.raises(IdempotencyKeyReused) as refused:
        await Idempotency(keys, "s", "k2", "h2").run(produce)
    answer = as_api_error(refused.value)
    assert answer.status == 409 and answer.code == "IDEMPOTENCY_KEY_REUSED"


async def test_a_refusal_is_replayed_but_an_outage_is_not(app):
    keys = app.state.services.idempotency
    calls = 0

    async def refuse(_):
        nonlocal calls
        calls += 1
        raise ApiError(409, "VERSION_CONFLICT", "stale", current_version=4)

    with pytest.raises(ApiError):
        await Idempotency(keys, "s", "k3", "h").run(refuse)
    r = await Idempotency(keys, "s", "k3", "h").run(refuse)
    assert r.status_code == 409 and b"current_version" in r.body
    assert calls == 1

    async def down(_):
        nonlocal calls
        calls += 1
        raise ApiError(503, "UNAVAILABLE", "down")

    for _ in range(2):
        with pytest.raises(ApiError):
            await Idempotency(keys, "s", "k4", "h").run(down)
    assert calls == 3


async def test_without_a_key_every_request_runs(app):
    n = 0

    async def produce(update_id):
        nonlocal n
        n += 1
        assert update_id is None
        return {}

    for _ in range(2):
        await Idempotency(app.state.services.idempotency, "s", None, "h").run(produce)
    assert n == 2


async def test_concurrent_requests_with_one_key_all_get_the_first_answer_and_it_runs_once(app):
    keys = app.state.services.idempotency
    calls = 0
    release = asyncio.Event()

    async def produce(update_id):
        nonlocal calls
        calls += 1
        await release.wait()  # still in flight while the others arrive
        return {"journey_id": "j_1", "n": calls}

    runs = [asyncio.create_task(Idempotency(keys, "s", "k5", "h").run(produce, status_code=201)) for _ in range(5)]
    await eventually(lambda: asyncio.sleep(0, calls), what="the first request running")  # a busy machine is slow
    await asyncio.sleep(0.3)  # the others have arrived meanwhile, and wait
    assert calls == 1 and not any(r.done() for r in runs)
    release.set()
    answers = await asyncio.gather(*runs)
    assert calls == 1
    assert {(a.status_code, a.body) for a in answers} == {(201, b'{"journey_id":"j_1","n":1}')}
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4


async def test_a_request_still_in_flight_past_the_wait_is_answered_in_progress_with_retry_after(app, client):
    keys = app.state.services.idempotency
    assert await keys.reserve("s", "k6", "h") is None  # another request holds the key

    async def produce(_):
        raise AssertionError("must not run while the key is held")

    with pytest.raises(IdempotencyInProgress) as waiting:
        await Idempotency(keys, "s", "k6", "h", wait_seconds=0.2, retry_after=3).run(produce)
    answer = as_api_error(waiting.value)
    assert answer.status == 409 and answer.code == "IDEMPOTENCY_IN_PROGRESS"
    response = error_response(answer)
    assert response.headers["retry-after"] == "3" and b"retry_after" not in response.body


async def test_a_reservation_left_by_a_dead_request_is_taken_over_after_its_lease(app):
    keys = app.state.services.idempotency
    assert await keys.reserve("s", "k7", "h") is None  # its process died before answering
    await asyncio.sleep(0.1)

    async def produce(update_id):
        return {"ran": update_id}

    r = await Idempotency(keys, "s", "k7", "h", wait_seconds=5, lease_seconds=0.05).run(produce)
    assert r.status_code == 200 and b"idem-" in r.body and "idempotent-replayed" not in r.headers
