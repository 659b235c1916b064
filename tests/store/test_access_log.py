"""The access log's store: append-only, newest first, filtered by journey, person and time, paged."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from store.access_log import AccessFilters, AccessLog


async def test_entries_are_newest_first_filtered_and_paged(engine):
    log = AccessLog(engine)
    await log.record("sup-1", "supervisor", ["j_A"], "personal_data", ["nik", "full_name"], "req-1")
    await log.record("off-1", "officer", ["j_A", "j_B", "j_A"], "journey_list", ["full_name"])
    await log.record("aud-1", "auditor", [None], "codec_decode", ["temporal_payloads"])
    await log.record("off-1", "officer", [], "journey_list", ["full_name"])  # an empty page: nothing read

    every, more = await log.list(AccessFilters(), None, 50)
    assert more is None
    assert [(e["sub"], e["journey_id"], e["through"]) for e in every] == [
        ("aud-1", None, "codec_decode"),
        ("off-1", "j_B", "journey_list"),
        ("off-1", "j_A", "journey_list"),
        ("sup-1", "j_A", "personal_data"),
    ]
    assert every[-1]["fields"] == ["full_name", "nik"] and every[-1]["request_id"] == "req-1"

    of_a, _ = await log.list(AccessFilters(journey_id="j_A"), None, 50)
    assert [e["sub"] for e in of_a] == ["off-1", "sup-1"]
    by_officer, _ = await log.list(AccessFilters(sub="off-1"), None, 50)
    assert {e["journey_id"] for e in by_officer} == {"j_A", "j_B"}
    first_at = every[-1]["accessed_at"]
    assert [e["sub"] for e in (await log.list(AccessFilters(until=first_at), None, 50))[0]] == ["sup-1"]
    assert len((await log.list(AccessFilters(since=every[0]["accessed_at"]), None, 50))[0]) >= 1
    assert (await log.list(AccessFilters(since="2999-01-01T00:00:00.000000Z"), None, 50))[0] == []

    page, before = await log.list(AccessFilters(), None, 3)
    assert len(page) == 3 and before == page[-1]["access_id"]
    rest, end = await log.list(AccessFilters(), before, 3)
    assert [e["access_id"] for e in rest] == [every[-1]["access_id"]] and end is None


async def test_the_access_log_cannot_be_changed_or_deleted(engine):
    log = AccessLog(engine)
    await log.record("sup-1", "supervisor", ["j_frozen"], "personal_data", ["nik"])
    for statement in (
        "UPDATE access_log SET sub = 'someone-else' WHERE journey_id = 'j_frozen'",
        "DELETE FROM access_log WHERE journey_id = 'j_frozen'",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
    [entry], _ = await log.list(AccessFilters(journey_id="j_frozen"), None, 10)
    assert entry["sub"] == "sup-1"
