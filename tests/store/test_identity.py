"""One active journey per NIK, by its keyed hash."""

import asyncio

from store.identity import ActiveJourneys, nik_hash

NIK = "3374015501950002"


def test_nik_hash_is_keyed_and_stable():
    assert nik_hash(NIK, "k1") == nik_hash(NIK, "k1")
    assert nik_hash(NIK, "k1") != nik_hash(NIK, "k2")
    assert len(nik_hash(NIK, "k1")) == 64 and NIK not in nik_hash(NIK, "k1")


async def test_two_concurrent_claims_for_one_nik_one_wins(engine):
    active = ActiveJourneys(engine)
    key = nik_hash(NIK, "k")
    results = await asyncio.gather(*(active.claim(key, f"j_{i}") for i in range(4)))
    winners = [f"j_{i}" for i, r in enumerate(results) if r is None]
    assert len(winners) == 1
    assert {r for r in results if r is not None} == set(winners)
    assert await active.find(key) == winners[0]


async def test_a_released_nik_can_start_a_new_journey(engine):
    active = ActiveJourneys(engine)
    key = nik_hash(NIK, "k")
    assert await active.claim(key, "j_first") is None
    assert await active.claim(key, "j_first") is None  # a retried start is not a second journey
    assert await active.claim(key, "j_second") == "j_first"
    await active.release("j_first")
    await active.release("j_first")
    assert await active.find(key) is None
    assert await active.claim(key, "j_second") is None
