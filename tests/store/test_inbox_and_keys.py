"""Integration inbox and idempotency keys: first one wins, retries are recognised."""

import asyncio

from store.idempotency import IdempotencyKeys
from store.inbox import IntegrationInbox

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


async def test_the_first_saved_response_of_a_key_wins(engine):
    keys = IdempotencyKeys(engine)
    assert await keys.get("officer-17:POST /v1/journeys", "key-1") is None
    await keys.save("officer-17:POST /v1/journeys", "key-1", "a" * 64, 201, {"journey_id": "j_1"})
    await keys.save("officer-17:POST /v1/journeys", "key-1", "b" * 64, 409, {"error": {}})
    assert await keys.get("officer-17:POST /v1/journeys", "key-1") == ("a" * 64, 201, {"journey_id": "j_1"})
    assert await keys.get("officer-18:POST /v1/journeys", "key-1") is None
