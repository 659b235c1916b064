"""Integration inbox and idempotency keys: first one wins, retries are recognised."""

import asyncio

from store.idempotency import IdempotencyKeys
from store.inbox import IntegrationInbox
from store.timefmt import now_text

BODY = {"event_id": "clinic-7781", "type": "medical.result", "data": {"result": "fit"}}


async def test_an_event_is_new_then_undelivered_until_marked_then_duplicate(engine):
    inbox = IntegrationInbox(engine)
    assert await inbox.receive("clinic", "clinic-7781", "j_1", "medical.result", BODY) == "new"
    assert await inbox.receive("clinic", "clinic-7781", "j_1", "medical.result", BODY) == "undelivered"
    await inbox.mark_delivered("clinic", "clinic-7781")
    assert await inbox.receive("clinic", "clinic-7781", "j_1", "medical.result", {"other": 1}) == "duplicate"
    # The same event id from another source is another event.
    assert await inbox.receive("lsp", "clinic-7781", "j_1", "certification.issued", BODY) == "new"
    stored = await inbox.get("clinic", "clinic-7781")
    assert stored["journey_id"] == "j_1" and stored["body"] == BODY and stored["delivered_at"]
    assert await inbox.get("clinic", "nope") is None


async def test_concurrent_receipts_of_one_event_record_it_once(engine):
    inbox = IntegrationInbox(engine)
    results = await asyncio.gather(
        *(inbox.receive("imigrasi", "imi-1", "j_1", "passport.issued", BODY) for _ in range(4))
    )
    assert sorted(results) == ["new", "undelivered", "undelivered", "undelivered"]


SCOPE = "officer-17 POST /v1/journeys"


async def test_of_concurrent_reservations_of_a_key_exactly_one_takes_it(engine):
    keys = IdempotencyKeys(engine)
    results = await asyncio.gather(*(keys.reserve(SCOPE, "key-1", "a" * 64) for _ in range(5)))
    assert results.count(None) == 1
    others = [r for r in results if r is not None]
    assert all(r.in_flight and r.body_hash == "a" * 64 for r in others)
    assert await keys.get("officer-18 POST /v1/journeys", "key-1") is None


async def test_a_completed_key_keeps_its_first_answer(engine):
    keys = IdempotencyKeys(engine)
    assert await keys.reserve(SCOPE, "key-2", "a" * 64) is None
    await keys.complete(SCOPE, "key-2", 201, {"journey_id": "j_1"})
    await keys.complete(SCOPE, "key-2", 409, {"error": {}})  # a late second answer changes nothing
    stored = await keys.reserve(SCOPE, "key-2", "b" * 64)
    assert stored is not None and not stored.in_flight
    assert (stored.body_hash, stored.status_code, stored.response) == ("a" * 64, 201, {"journey_id": "j_1"})
    await keys.release(SCOPE, "key-2")  # only an in-flight reservation can be released
    assert (await keys.get(SCOPE, "key-2")).status_code == 201


async def test_a_released_key_can_be_reserved_again(engine):
    keys = IdempotencyKeys(engine)
    assert await keys.reserve(SCOPE, "key-3", "a" * 64) is None
    await keys.release(SCOPE, "key-3")
    assert await keys.get(SCOPE, "key-3") is None
    assert await keys.reserve(SCOPE, "key-3", "a" * 64) is None


async def test_only_a_reservation_older_than_the_lease_can_be_taken_over_and_by_one_taker(engine):
    keys = IdempotencyKeys(engine)
    assert await keys.reserve(SCOPE, "key-4", "a" * 64) is None
    taken_at = (await keys.get(SCOPE, "key-4")).created_at
    assert not await keys.take_over(SCOPE, "key-4", taken_before=taken_at)
    await asyncio.sleep(0.01)
    cutoff = now_text()
    await asyncio.sleep(0.01)
    results = await asyncio.gather(*(keys.take_over(SCOPE, "key-4", taken_before=cutoff) for _ in range(3)))
    assert sorted(results) == [False, False, True]
    assert (await keys.get(SCOPE, "key-4")).created_at > cutoff
    await keys.complete(SCOPE, "key-4", 200, {"ok": True})
    assert not await keys.take_over(SCOPE, "key-4", taken_before="9999-12-31T00:00:00.000000Z")
