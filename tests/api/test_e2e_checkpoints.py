"""End to end: a journey that ends and a case that closes get signed checkpoints of their chain heads,
published with the keys that check them, across a key rotation, and only to those who may see them."""

import asyncio
from argparse import Namespace

from cli.audit_keys import rotate_key
from domain.audit_signing import checkpoint_valid
from tests.api.stack import Stack, new_nik, step_is
from tests.api.test_e2e_audit import settled_events
from tests.api.test_e2e_cases import case_act, open_case
from tests.api.test_e2e_journey import start
from tests.polling import eventually


async def ended_journey(stack: Stack) -> str:
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))
    body = {"reason": "Found work at home"}
    r = await stack.api.post(f"/v1/journeys/{jid}/withdraw", json=body, headers=stack.auth())
    assert r.status_code == 200, r.text
    await stack.wait_for(jid, lambda j: j["status"] == "ended")
    return jid


async def checkpoints(stack: Stack, stream_id: str | None, role: str = "auditor", region: str = "*", **params) -> dict:
    if stream_id is not None:
        params["stream_id"] = stream_id
    r = await stack.api.get("/v1/audit/checkpoints", params=params, headers=stack.auth(role, region))
    assert r.status_code == 200, r.text
    return r.json()


async def head_checkpoint(stack: Stack, stream_id: str, head: dict) -> dict:
    """The stream's latest checkpoint, once it covers `head` (the signing follows the last append)."""
    page = await eventually(
        lambda: checkpoints(stack, stream_id, limit=500),
        lambda p: p["items"] and p["items"][-1]["seq"] == head["seq"],
        within=30,
        what=f"a checkpoint of {stream_id} at seq {head['seq']}",
    )
    return page["items"][-1]


async def published_keys(stack: Stack, role: str = "officer", region: str = "33") -> dict[str, str]:
    r = await stack.api.get("/v1/audit/keys", headers=stack.auth(role, region))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None and all(k["algorithm"] == "Ed25519" for k in body["items"])
    return {k["key_id"]: k["public_key"] for k in body["items"]}


async def test_a_journey_that_ends_gets_a_signed_checkpoint_of_its_head(stack: Stack):
    jid = await ended_journey(stack)
    events = await settled_events(stack, jid, (await stack.journey(jid))["version"])

    checkpoint = await head_checkpoint(stack, jid, events[-1])

    assert set(checkpoint) == {"stream_id", "seq", "head_hash", "signed_at", "key_id", "signature"}
    assert (checkpoint["stream_id"], checkpoint["head_hash"]) == (jid, events[-1]["hash"])
    keys = await published_keys(stack)
    assert checkpoint["key_id"] in keys and checkpoint_valid(checkpoint, keys)
    # The officer and the supervisor of the journey's region see it too.
    for role in ("officer", "supervisor"):
        assert (await checkpoints(stack, jid, role, "33"))["items"][-1] == checkpoint


async def test_a_case_that_closes_gets_a_signed_checkpoint_of_its_own_chain(stack: Stack):
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))
    case_id = (await open_case(stack, jid))["case_id"]
    r = await case_act(stack, case_id, "close", role="supervisor", note="Settled with the agency")
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text

    async def case_events() -> list[dict]:
        r = await stack.api.get(f"/v1/cases/{case_id}/events", params={"limit": 500}, headers=stack.auth())
        assert r.status_code == 200, r.text
        return r.json()["items"]

    events = await eventually(case_events, lambda es: es and es[-1]["type"] == "CaseClosed", within=30)
    checkpoint = await head_checkpoint(stack, case_id, events[-1])

    assert checkpoint["head_hash"] == events[-1]["hash"]
    assert checkpoint_valid(checkpoint, await published_keys(stack))
    assert (await checkpoints(stack, case_id, "officer", "33"))["items"][-1] == checkpoint
    r = await stack.api.get("/v1/audit/checkpoints", params={"stream_id": case_id}, headers=stack.auth("officer", "31"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"


async def test_checkpoints_are_refused_outside_the_callers_region(stack: Stack):
    jid = await ended_journey(stack)
    listing = "/v1/audit/checkpoints"

    for role in ("officer", "supervisor"):
        r = await stack.api.get(listing, params={"stream_id": jid}, headers=stack.auth(role, "31"))
        assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND", r.text
        # Every stream at once is for auditors and admins.
        r = await stack.api.get(listing, headers=stack.auth(role, "33"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN", r.text
    r = await stack.api.get(listing, params={"stream_id": "j_0NOSUCHJOURNEY"}, headers=stack.auth("officer", "33"))
    assert r.status_code == 404
    for role in ("auditor", "admin"):
        r = await stack.api.get(listing, params={"limit": 1}, headers=stack.auth(role, "*"))
        assert r.status_code == 200 and len(r.json()["items"]) == 1, r.text
    for params in ({"stream_id": "x_1"}, {"cursor": "not-a-cursor"}, {"limit": 0}):
        r = await stack.api.get(listing, params=params, headers=stack.auth("auditor", "*"))
        assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR", params
    r = await stack.api.get("/v1/audit/keys")
    assert r.status_code == 401


async def test_after_a_rotation_both_keys_are_published_and_old_checkpoints_still_check(stack: Stack):
    before = await ended_journey(stack)
    old = await head_checkpoint(stack, before, (await settled_events(stack, before, 1))[-1])

    assert await asyncio.to_thread(rotate_key, Namespace(), stack.settings) == 0
    after = await ended_journey(stack)
    new = await head_checkpoint(stack, after, (await settled_events(stack, after, 1))[-1])

    keys = await published_keys(stack, "auditor", "*")
    assert new["key_id"] != old["key_id"] and {old["key_id"], new["key_id"]} <= set(keys)
    assert checkpoint_valid(old, keys) and checkpoint_valid(new, keys)
    assert await published_keys(stack) == keys  # public: the same for an officer
    # The whole list, page by page, holds both.
    seen, cursor = [], None
    while True:
        page = await checkpoints(stack, None, limit=50, **({"cursor": cursor} if cursor else {}))
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert old in seen and new in seen
