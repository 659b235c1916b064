"""Idempotency keys: the first answer is replayed; a reused key with another body is refused."""

import pytest

from api.errors import ApiError
from api.services.idempotency import Idempotency


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
    with pytest.raises(ApiError) as refused:
        await Idempotency(keys, "s", "k2", "h2").run(produce)
    assert refused.value.status == 409 and refused.value.code == "IDEMPOTENCY_KEY_REUSED"


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
