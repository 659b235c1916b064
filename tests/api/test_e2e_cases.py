"""End to end: protection cases over HTTP on the real Temporal dev server, worker and simulator.

The stack here runs a policy where an `unpaid_wages` case's first response is due at once, so a
complaint nobody handles reaches the supervisor's overdue queue on a real clock.
"""

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest
from ulid import ULID

from config import DEV_WEBHOOK_SECRETS
from domain.policy import Policy
from store.read_model import JourneyReadModel
from tests.api.stack import Stack, new_nik
from tests.api.test_e2e_journey import start
from tests.polling import eventually as _eventually

PHONE, NIK = "081234567890", "3374015501950002"  # written by a complainant into a description

# The API stack runs a real dev server, worker and API: give it time.
eventually = partial(_eventually, within=30.0, every=0.2)

CASE_KEYS = {
    "case_id",
    "journey_id",
    "case_type",
    "status",
    "severity",
    "version",
    "first_response_due_at",
    "first_response_at",
    "escalated",
    "escalated_to",
    "actions",
    "opened_at",
    "closed_at",
}


OWN_KEYS = ("P3MI-OWN1", "P3MI-OWN2")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def case_stack(request, dev_env, tmp_path_factory) -> AsyncIterator[Stack]:
    """A running engine whose policy makes `unpaid_wages` first responses due at once."""
    from tests.api.stack import stack_per_database

    hours = {**Policy().case_first_response_hours, "unpaid_wages": 0}
    # Two P3MIs with secrets of their own, besides the shared one.
    own = ",".join(f"p3mi:{p3mi_id}=secret-of-{p3mi_id}" for p3mi_id in OWN_KEYS)
    overrides = {"case_first_response_hours": hours, "webhook_secrets": f"{DEV_WEBHOOK_SECRETS},{own}"}
    async with stack_per_database(request.param, dev_env.client, tmp_path_factory.mktemp("e2e-cases"), overrides) as s:
        yield s


async def new_journey(stack: Stack) -> str:
    return (await start(stack, new_nik(), None, "G2G"))["journey_id"]


async def open_case(stack: Stack, jid: str, case_type: str = "fraud", **headers: str) -> dict[str, Any]:
    body = {"case_type": case_type, "description": "Charged twice the placement fee", "reported_via": "walk_in"}
    r = await stack.api.post(f"/v1/journeys/{jid}/cases", json=body, headers={**stack.auth(), **headers})
    assert r.status_code == 201, r.text
    return r.json()


async def case_act(
    stack: Stack, case_id: str, action: str, role: str = "officer", region: str = "33", **extra: Any
) -> Any:
    return await stack.api.post(
        f"/v1/cases/{case_id}/actions", json={"action": action, **extra}, headers=stack.auth(role, region)
    )


async def test_unhandled_complaint_reaches_the_supervisors_overdue_queue(case_stack: Stack):
    stack = case_stack
    jid = await new_journey(stack)
    complaint = {
        "event_id": f"hotline-{uuid.uuid4().hex[:10]}",
        "type": "complaint.filed",
        "journey_id": jid,
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"case_type": "unpaid_wages", "description": f"Three months unpaid; her sister: {PHONE}, NIK {NIK}"},
    }
    r = await stack.webhook("hotline", complaint)
    assert r.status_code == 202, r.text
    journey = await stack.wait_for(jid, lambda j: any(c["case_type"] == "unpaid_wages" for c in j["open_cases"]))
    case_id = next(c["case_id"] for c in journey["open_cases"] if c["case_type"] == "unpaid_wages")

    supervisor = stack.auth("supervisor", "33")

    async def queue() -> list[str]:
        r = await stack.api.get("/v1/cases", params={"overdue": "true", "journey_id": jid}, headers=supervisor)
        assert r.status_code == 200, r.text
        return [c["case_id"] for c in r.json()["items"]]

    await eventually(queue, lambda ids: case_id in ids)
    case = await eventually(
        lambda: stack.api.get(f"/v1/cases/{case_id}", headers=supervisor),
        lambda r: r.status_code == 200 and r.json()["escalated"],
    )
    case = case.json()
    assert CASE_KEYS <= set(case)
    assert case["reported_via"] == "hotline" and case["status"] == "reported"
    # What the hotline wrote is kept, the identifiers in it masked; the events keep it sealed (free text
    # may name anyone), and the case list not at all.
    assert case["description"] == "Three months unpaid; her sister: 0812*****890, NIK 3374********0002"
    events = await stack.api.get(f"/v1/journeys/{jid}/events?limit=500", headers=stack.auth("auditor", "*"))
    assert "Three months unpaid" not in events.text and PHONE not in events.text and NIK not in events.text
    assert "$sealed" in events.text
    assert case["escalated_to"] == "supervisor" and case["first_response_at"] is None
    # Not in the queue of another region, nor when asking for what is not overdue.
    r = await stack.api.get("/v1/cases", params={"overdue": "true"}, headers=stack.auth("supervisor", "34"))
    assert case_id not in [c["case_id"] for c in r.json()["items"]]
    r = await stack.api.get("/v1/cases", params={"overdue": "false", "journey_id": jid}, headers=supervisor)
    assert case_id not in [c["case_id"] for c in r.json()["items"]]
    # The list filters and pagination.
    r = await stack.api.get(
        "/v1/cases", params={"case_type": "unpaid_wages", "status": "reported", "limit": 1}, headers=supervisor
    )
    assert r.status_code == 200 and len(r.json()["items"]) == 1 and "next_cursor" in r.json()
    r = await stack.api.get("/v1/cases", params={"case_type": "bogus"}, headers=supervisor)
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["case_type"]
    # A first response takes it out of the queue.
    assert (await case_act(stack, case_id, "verify")).status_code == 200
    await eventually(queue, lambda ids: case_id not in ids)


async def test_roles_and_regions_on_case_actions(case_stack: Stack):
    stack = case_stack
    jid = await new_journey(stack)
    case = await open_case(stack, jid)
    case_id = case["case_id"]
    assert case_id.startswith("c_") and str(ULID.from_str(case_id[2:]))
    assert CASE_KEYS <= set(case)
    assert case["journey_id"] == jid and case["status"] == "reported" and case["escalated"] is False

    for action in ("escalate", "close"):
        r = await case_act(stack, case_id, action)
        assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN", r.text
    r = await stack.api.get(f"/v1/cases/{case_id}", headers=stack.auth("officer", "34"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    for action in ("verify", "escalate"):
        r = await case_act(stack, case_id, action, region="34")
        assert r.status_code == 404, r.text
    r = await stack.api.get(f"/v1/cases/{case_id}/events", headers=stack.auth("officer", "34"))
    assert r.status_code == 404
    r = await stack.api.get("/v1/cases", params={"journey_id": jid}, headers=stack.auth("officer", "34"))
    assert r.json()["items"] == []
    r = await case_act(stack, case_id, "verify", role="auditor", region="*")
    assert r.status_code == 403
    r = await stack.api.get(f"/v1/cases/{case_id}", headers=stack.auth("auditor", "*"))
    assert r.status_code == 200 and r.json()["version"] == case["version"]

    # 409s and 422s like step actions; a refused action changes nothing.
    r = await case_act(stack, case_id, "resolve", resolution="paid")
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_TRANSITION"
    assert r.json()["error"]["state"] == "reported"
    r = await case_act(stack, case_id, "verify", expected_version=case["version"] + 5)
    assert r.status_code == 409 and r.json()["error"]["code"] == "VERSION_CONFLICT"
    assert r.json()["error"]["current_version"] == case["version"]
    r = await case_act(stack, case_id, "verify", expected_version=case["version"])
    assert r.status_code == 200 and r.json()["status"] == "verified"
    r = await case_act(stack, case_id, "refer")
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["to"]
    r = await case_act(stack, case_id, "refer", to="the_moon")
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["to"] and "the_moon" not in r.text

    r = await case_act(stack, case_id, "escalate", role="supervisor", note="P3MI does not answer")
    assert r.status_code == 200, r.text
    assert r.json()["escalated"] is True and r.json()["escalated_to"] == "supervisor"
    r = await case_act(stack, case_id, "close", role="supervisor", note="Settled out of court")
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["closed_at"]
    r = await case_act(stack, case_id, "verify")
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_TRANSITION"
    r = await stack.api.get(f"/v1/cases/{case_id}", headers=stack.auth())
    assert r.status_code == 200 and r.json()["status"] == "closed"


async def test_open_case_validation_and_idempotency(case_stack: Stack):
    stack = case_stack
    jid = await new_journey(stack)
    bad = {"case_type": "alien_abduction", "description": "x", "reported_via": "carrier_pigeon"}
    r = await stack.api.post(f"/v1/journeys/{jid}/cases", json=bad, headers=stack.auth())
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert sorted(r.json()["error"]["fields"]) == ["case_type", "reported_via"]
    assert "alien_abduction" not in r.text and "carrier_pigeon" not in r.text
    r = await stack.api.post(f"/v1/journeys/j_{ULID()}/cases", json={"case_type": "fraud"}, headers=stack.auth())
    assert r.status_code == 404
    r = await stack.api.post(
        f"/v1/journeys/{jid}/cases", json={"case_type": "fraud"}, headers=stack.auth("officer", "34")
    )
    assert r.status_code == 404
    r = await stack.api.post(
        f"/v1/journeys/{jid}/cases", json={"case_type": "fraud"}, headers=stack.auth("auditor", "*")
    )
    assert r.status_code == 403

    key = {"Idempotency-Key": f"open-{uuid.uuid4().hex}"}
    first = await open_case(stack, jid, **key)
    again = await stack.api.post(
        f"/v1/journeys/{jid}/cases",
        json={"case_type": "fraud", "description": "Charged twice the placement fee", "reported_via": "walk_in"},
        headers={**stack.auth(), **key},
    )
    assert again.status_code == 201 and again.json()["case_id"] == first["case_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    journey = await stack.journey(jid)
    assert [c["case_id"] for c in journey["open_cases"]] == [first["case_id"]]

    action_key = {"Idempotency-Key": f"act-{uuid.uuid4().hex}"}
    replies = [
        await stack.api.post(
            f"/v1/cases/{first['case_id']}/actions", json={"action": "verify"}, headers={**stack.auth(), **action_key}
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in replies] == [200, 200] and replies[0].json() == replies[1].json()


async def test_a_case_opens_on_a_journey_that_has_ended(case_stack: Stack):
    """Unpaid wages claimed after the return, a BPJS claim: DOMAIN.md lets a case open on any journey."""
    stack = case_stack
    jid = await new_journey(stack)
    r = await stack.api.post(f"/v1/journeys/{jid}/withdraw", json={"reason": "family reasons"}, headers=stack.auth())
    assert r.status_code == 200, r.text
    key = {"Idempotency-Key": f"case-after-end-{uuid.uuid4().hex}"}
    case = await open_case(stack, jid, "unpaid_wages", **key)
    assert case["journey_id"] == jid and case["status"] == "reported"
    assert (await case_act(stack, case["case_id"], "verify")).status_code == 200
    again = await open_case(stack, jid, "unpaid_wages", **key)  # a retry with its key: the same case
    assert again["case_id"] == case["case_id"]

    async def listed() -> list[str]:
        r = await stack.api.get("/v1/cases", params={"journey_id": jid}, headers=stack.auth())
        return [c["case_id"] for c in r.json()["items"]]

    assert await eventually(listed) == [case["case_id"]]
    # The journey itself is not reopened by it.
    assert (await stack.journey(jid))["status"] == "ended"


async def test_a_complaint_about_a_journey_that_has_ended_opens_its_case(case_stack: Stack):
    stack = case_stack
    jid = await new_journey(stack)
    r = await stack.api.post(f"/v1/journeys/{jid}/withdraw", json={"reason": "went home"}, headers=stack.auth())
    assert r.status_code == 200

    async def closed() -> bool:
        described = await stack.client.get_workflow_handle(jid).describe()
        return described.status is not None and described.status.name != "RUNNING"

    await eventually(closed)
    complaint = {
        "event_id": f"hotline-{uuid.uuid4().hex[:10]}",
        "type": "complaint.filed",
        "journey_id": jid,
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"case_type": "unpaid_wages", "description": "wages of her last three months never paid"},
    }
    r = await stack.webhook("hotline", complaint)
    assert r.status_code == 202, r.text

    async def cases() -> list[dict]:
        r = await stack.api.get("/v1/cases", params={"journey_id": jid}, headers=stack.auth())
        return r.json()["items"]

    [case] = await eventually(cases)
    assert case["case_type"] == "unpaid_wages"
    r = await stack.api.get(f"/v1/cases/{case['case_id']}", headers=stack.auth())
    assert r.status_code == 200 and r.json()["reported_via"] == "hotline"
    again = await stack.webhook("hotline", complaint)  # a redelivery opens no second case
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert len(await cases()) == 1


async def test_a_clarification_asked_through_the_api_skips_the_public_holidays_an_admin_declares(case_stack: Stack):
    from datetime import timedelta

    from domain.case_rules import add_working_days
    from domain.regions import WIB

    stack = case_stack
    admin = stack.auth("admin", "*")
    # A holiday on each of the next two weekdays (in Central Java), declared by an admin.
    today = datetime.now(WIB).date()
    declared = [d for d in (today + timedelta(days=n) for n in range(1, 6)) if d.weekday() < 5][:2]
    created = []
    for day in declared:
        r = await stack.api.post("/v1/holidays", json={"date": day.isoformat(), "name": "Test holiday"}, headers=admin)
        assert r.status_code in (201, 409), r.text  # 409: a holiday already
        created += [day] if r.status_code == 201 else []
    try:
        jid = await new_journey(stack)
        case = await open_case(stack, jid)
        assert (await case_act(stack, case["case_id"], "verify")).status_code == 200
        asked = datetime.now(UTC)
        r = await case_act(stack, case["case_id"], "request_clarification", note="P3MI asked to explain fees")
        assert r.status_code == 200, r.text
        page = (await stack.api.get("/v1/holidays", params={"limit": 500}, headers=admin)).json()["items"]
        holidays = {date.fromisoformat(h["date"]) for h in page}
        waiting = datetime.fromisoformat(r.json()["waiting_for"]["clarification"])
        expected = add_working_days(asked, 15, WIB, holidays)
        assert abs(waiting - expected) < timedelta(seconds=30)
        assert waiting - add_working_days(asked, 15, WIB) >= timedelta(days=2)  # the two declared ones
    finally:
        for day in created:
            await stack.api.delete(f"/v1/holidays/{day.isoformat()}", headers=admin)


async def test_the_p3mi_is_named_asked_on_its_channel_and_its_signed_answer_stops_the_wait(case_stack: Stack):
    import httpx

    from tests.api.test_e2e_journey import seed_p3mi

    stack = case_stack
    p3mi_id, _ = await seed_p3mi(stack)
    jid = (await start(stack, new_nik(), p3mi_id))["journey_id"]
    case = await open_case(stack, jid, "unpaid_wages")
    assert case["p3mi_id"] == p3mi_id
    assert (await case_act(stack, case["case_id"], "verify")).status_code == 200
    r = await case_act(stack, case["case_id"], "request_clarification", note="Why are wages unpaid?")
    assert r.status_code == 200 and "clarification" in r.json()["waiting_for"]

    async def notices() -> list[dict]:
        async with httpx.AsyncClient(base_url=stack.simulator_url) as sim:
            return (await sim.get("/_channel", params={"channel": f"p3mi-{p3mi_id}"})).json()

    [notice] = await eventually(notices)
    assert case["case_id"] in notice["text"] and "p3mi.clarification" in notice["text"]
    answer = {
        "event_id": f"p3mi-{uuid.uuid4().hex[:10]}",
        "type": "p3mi.clarification",
        "journey_id": jid,
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"case_id": case["case_id"], "note": "Employer paid the arrears on 1 December"},
    }
    other = await stack.webhook("p3mi", {**answer, "event_id": "p3mi-x", "data": {"case_id": "c_" + "0" * 26}})
    assert other.status_code == 404  # not a case of this journey
    bad = await stack.webhook("p3mi", {**answer, "event_id": "p3mi-y", "data": {"note": "no case"}})
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["data.case_id"]
    assert (await stack.webhook("hotline", answer)).status_code == 422  # only a P3MI answers
    r = await stack.webhook("p3mi", answer)
    assert r.status_code == 202, r.text
    r = await stack.api.get(f"/v1/cases/{case['case_id']}", headers=stack.auth())
    body = r.json()
    assert "clarification" not in body["waiting_for"]
    assert body["actions"][-1]["action"] == "clarification_received" and body["actions"][-1]["by"] == "p3mi"
    again = await stack.webhook("p3mi", answer)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"


async def test_a_p3mi_signing_with_its_own_secret_answers_only_for_its_own_workers(case_stack: Stack):
    stack = case_stack
    admin = stack.auth("admin", "*")
    for p3mi_id in OWN_KEYS:  # the stack is the session's: created by the first of its tests to ask
        p3mi = {"p3mi_id": p3mi_id, "name": p3mi_id, "licence_no": "SIP-9", "licence_status": "active"}
        r = await stack.api.post("/v1/p3mi", json={**p3mi, "province_code": "33"}, headers=admin)
        assert r.status_code in (201, 409), r.text
    mine, theirs = OWN_KEYS
    jid = (await start(stack, new_nik(), mine))["journey_id"]
    case = await open_case(stack, jid, "unpaid_wages")
    assert (await case_act(stack, case["case_id"], "verify")).status_code == 200
    r = await case_act(stack, case["case_id"], "request_clarification", note="Why are wages unpaid?")
    assert r.status_code == 200, r.text
    answer = {
        "event_id": f"p3mi-{uuid.uuid4().hex[:10]}",
        "type": "p3mi.clarification",
        "journey_id": jid,
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"case_id": case["case_id"], "note": "Arrears paid"},
    }
    # Another P3MI's key: not a case it answers for.
    assert (await stack.webhook("p3mi", answer, signer=f"p3mi:{theirs}")).status_code == 404
    assert (
        "clarification"
        in (await stack.api.get(f"/v1/cases/{case['case_id']}", headers=stack.auth())).json()["waiting_for"]
    )
    r = await stack.webhook("p3mi", answer, signer=f"p3mi:{mine}")
    assert r.status_code == 202, r.text
    done = (await stack.api.get(f"/v1/cases/{case['case_id']}", headers=stack.auth())).json()
    assert "clarification" not in done["waiting_for"]


async def test_trafficking_case_full_flow_with_its_own_event_stream(case_stack: Stack):
    stack = case_stack
    jid = await new_journey(stack)
    case = await open_case(stack, jid, "trafficking")
    case_id = case["case_id"]
    assert case["escalated"] is True and case["escalated_to"] == "rapid_response_team"
    journey = await stack.journey(jid)
    assert case_id in [c["case_id"] for c in journey["open_cases"]]
    assert "protection_emergency" in journey["flags"]

    r = await case_act(stack, case_id, "verify", note="Called the worker")
    assert r.status_code == 200 and r.json()["status"] == "verified" and r.json()["first_response_at"]
    r = await case_act(stack, case_id, "refer", to="police", note="Report filed", expected_version=r.json()["version"])
    assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
    r = await case_act(stack, case_id, "resolve", resolution="Worker rescued and home")
    assert r.status_code == 200 and r.json()["status"] == "resolved", r.text
    r = await case_act(stack, case_id, "close", role="supervisor")
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text
    taken = [a["action"] for a in r.json()["actions"]]
    assert taken[0] == "escalate"  # trafficking goes to the rapid response team at once
    assert [a for a in taken if a in ("verify", "refer", "resolve")] == ["verify", "refer", "resolve"]

    async def events() -> list[dict]:
        r = await stack.api.get(f"/v1/cases/{case_id}/events", params={"limit": 2}, headers=stack.auth())
        assert r.status_code == 200, r.text
        page, items = r.json(), r.json()["items"]
        while page["next_cursor"]:
            r = await stack.api.get(
                f"/v1/cases/{case_id}/events",
                params={"limit": 2, "cursor": page["next_cursor"]},
                headers=stack.auth(),
            )
            page = r.json()
            items += page["items"]
        return items

    items = await eventually(events, lambda es: any(e["type"] == "CaseClosed" for e in es))
    assert [e["seq"] for e in items] == list(range(1, len(items) + 1))
    prev = "0" * 64
    for e in items:
        assert {"seq", "type", "occurred_at", "recorded_at", "actor", "data", "prev_hash", "hash"} <= set(e)
        assert e["prev_hash"] == prev
        hashed = {k: v for k, v in e.items() if k not in ("hash", "recorded_at")}
        canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert e["hash"] == hashlib.sha256((prev + canonical).encode()).hexdigest()
        prev = e["hash"]

    journey = await stack.wait_for(jid, lambda j: case_id not in [c["case_id"] for c in j["open_cases"]])
    assert "protection_emergency" not in journey["flags"]
    assert await eventually(
        lambda: stack.api.get("/v1/cases", params={"journey_id": jid, "status": "closed"}, headers=stack.auth()),
        lambda r: [c["case_id"] for c in r.json()["items"]] == [case_id],
    )
    # The journey's verify checks the case's chain too, and the checkpoint signed when the case closed
    # (just after its last append commits).
    r = await eventually(
        lambda: stack.api.post(f"/v1/journeys/{jid}/verify", headers=stack.auth("auditor", "*")),
        lambda r: r.status_code != 200 or r.json()["cases"][0].get("checkpoint") != "none",
    )
    assert r.status_code == 200, r.text
    assert r.json()["cases"] == [{"case_id": case_id, "hash_chain": "ok", "broken_at_seq": None, "checkpoint": "ok"}]


async def test_journey_gone_from_temporal_is_read_from_the_read_model(case_stack: Stack):
    stack = case_stack
    jid = await new_journey(stack)
    journey = await stack.journey(jid)
    # A journey whose workflow retention has passed: only its read-model row remains.
    gone = f"j_{ULID()}"
    rows = JourneyReadModel(stack.engine)
    from domain.contracts import JourneyProjection

    now = datetime.now(UTC)
    document = {**journey, "journey_id": gone, "status": "ended", "outcome": "withdrawn"}
    await rows.upsert(
        JourneyProjection(
            journey_id=gone,
            status="ended",
            outcome="withdrawn",
            phase=journey["phase"],
            scheme=journey["scheme"],
            province_code="33",
            destination_country=journey["destination_country"],
            p3mi_id=None,
            flags=[],
            available_steps=[],
            version=journey["version"],
            started_at=now,
            updated_at=now,
            document=document,
        )
    )
    r = await stack.api.get(f"/v1/journeys/{gone}", headers=stack.auth())
    assert r.status_code == 200 and r.json()["journey_id"] == gone and r.json()["status"] == "ended"
    assert (await stack.api.get(f"/v1/journeys/{gone}", headers=stack.auth("officer", "34"))).status_code == 404
    # A case still opens on it (its own workflow), but the journey takes no change.
    r = await stack.api.post(f"/v1/journeys/{gone}/cases", json={"case_type": "fraud"}, headers=stack.auth())
    assert r.status_code == 201 and r.json()["journey_id"] == gone, r.text
    r = await stack.api.post(f"/v1/journeys/{gone}/withdraw", json={"reason": "again"}, headers=stack.auth())
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_TRANSITION"
