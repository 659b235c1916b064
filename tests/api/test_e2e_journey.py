"""End to end: a whole P3MI journey driven only through HTTP (officer actions and signed webhooks),
on the real Temporal dev server with the real worker and the simulated government systems."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx

from cli.journey_driver import Journey, Report, drive, to_departure
from domain.contracts import office_channel
from tests.api import conftest
from tests.api.stack import Stack, new_nik, step_is
from tests.polling import eventually

TODAY = date.today()
NOW = datetime.now(UTC).replace(microsecond=0)


async def seed_p3mi(stack: Stack, quota: int = 5, status: str = "active") -> tuple[str, str]:
    """A P3MI and an open job order to TW, created by an admin through the API."""
    admin = stack.auth("admin", "*")
    p3mi_id, job_id = f"P3MI-{uuid.uuid4().hex[:6]}", f"JO-{uuid.uuid4().hex[:6]}"
    p3mi = {
        "p3mi_id": p3mi_id,
        "name": "PT Maju",
        "licence_no": "SIP-1",
        "licence_status": status,
        "province_code": "33",
    }
    assert (await stack.api.post("/v1/p3mi", json=p3mi, headers=admin)).status_code == 201
    job = {
        "job_order_id": job_id,
        "scheme": "P3MI",
        "p3mi_id": p3mi_id,
        "employer_name": "Chen Family",
        "destination_country": "TW",
        "occupation": "caregiver",
        "sector": "informal",
        "quota": quota,
    }
    r = await stack.api.post("/v1/job-orders", json=job, headers=admin)
    assert r.status_code == 201, r.text
    return p3mi_id, job_id


def start_body(nik: str, p3mi_id: str | None, scheme: str = "P3MI", province: str = "33") -> dict:
    """The usual start body, for the P3MI this test seeded (or none)."""
    body = conftest.start_body(nik, scheme, province)
    body.pop("p3mi_id", None)
    return {**body, "p3mi_id": p3mi_id} if p3mi_id else body


async def start(stack: Stack, nik: str, p3mi_id: str | None, scheme: str = "P3MI", **headers) -> dict:
    r = await stack.api.post("/v1/journeys", json=start_body(nik, p3mi_id, scheme), headers={**stack.auth(), **headers})
    assert r.status_code == 201, r.text
    return r.json()


async def act(
    stack: Stack,
    jid: str,
    step: str,
    evidence: dict | None = None,
    action: str = "complete",
    role: str = "officer",
    **extra,
) -> dict:
    body = {"evidence": evidence or {}, **extra} if action == "complete" else extra
    r = await stack.api.post(f"/v1/journeys/{jid}/steps/{step}/{action}", json=body, headers=stack.auth(role))
    assert r.status_code == 200, r.text
    return r.json()


def event(jid: str, kind: str, data: dict, event_id: str | None = None) -> dict:
    return {
        "event_id": event_id or f"{kind}-{uuid.uuid4().hex[:10]}",
        "type": kind,
        "journey_id": jid,
        "occurred_at": NOW.isoformat().replace("+00:00", "Z"),
        "data": data,
    }


async def signal(stack: Stack, source: str, jid: str, kind: str, data: dict) -> None:
    r = await stack.webhook(source, event(jid, kind, data))
    assert r.status_code == 202, r.text
    assert r.json() == {"status": "accepted", "journey_id": jid}


@dataclass(frozen=True)
class HttpTransport:
    """The driver's moves as an officer's requests and signed webhooks, over HTTP only."""

    stack: Stack
    journey_id: str

    async def complete(self, step: str, data: dict) -> dict:
        return await act(self.stack, self.journey_id, step, data)

    async def report(self, report: Report) -> None:
        await signal(self.stack, report.source, self.journey_id, report.type, report.data)

    async def await_step(self, step: str) -> dict:
        return await self.stack.wait_for(self.journey_id, step_is(step, "completed"))


def http_journey(job_id: str | None, contract_months: int = 1) -> Journey:
    """The e2e journeys (`cli.journey_driver`): the clinic, the training centre, the embassy and Imigrasi
    report their steps with signed webhooks; the passport and the BPJS cover come from the simulator,
    answering the worker's own activities. The contract started 90 days ago: one of a month has
    ended by the departure (the dev server cannot skip time), a longer one runs on."""
    return Journey(
        scheme="P3MI",
        now=NOW,
        job_order_id=job_id,
        employer_name="Chen Family",
        village="Sumberejo",
        clinic_id="CLN-3374-01",
        contract_start=TODAY - timedelta(days=90),
        contract_months=contract_months,
        reported=frozenset({"medical_check", "competency_training", "work_visa", "departure", "arrival_report"}),
        registries_answer=True,
    )


async def drive_to_departure(stack: Stack, jid: str, job_id: str, contract_months: int = 1) -> None:
    """Every pre-departure step: officer actions, webhooks, and the simulator's own webhooks."""
    await drive(to_departure(http_journey(job_id, contract_months)), HttpTransport(stack, jid))
    await stack.wait_for(jid, lambda j: j["phase"] != "pre_departure")


async def test_a_contract_extension_past_the_cover_is_a_flag_and_a_task_until_the_cover_is_extended(stack: Stack):
    p3mi_id, job_id = await seed_p3mi(stack)
    jid = (await start(stack, new_nik(), p3mi_id))["journey_id"]
    await drive_to_departure(stack, jid, job_id, contract_months=24)
    journey = await stack.journey(jid)
    end = date.fromisoformat(journey["contract_end"])
    # The enrolment request said when the contract ends: BPJS's cover runs a month past it.
    [social] = [s for s in journey["steps"] if s["step"] == "social_security"]
    assert social["evidence"]["covered_until"] == (end + timedelta(days=31)).isoformat()

    url = f"/v1/journeys/{jid}/employment-events"
    new_end = end + timedelta(days=365)
    data = {"new_end_date": new_end.isoformat(), "family_consent_ref": "FC-2"}
    extension = {"kind": "contract_extended", "data": data}
    r = await stack.api.post(url, json=extension, headers=stack.auth())
    assert r.status_code == 200, r.text
    extended = r.json()
    assert extended["contract_end"] == new_end.isoformat() and "coverage_gap" in extended["flags"]
    assert [(t["task"], t["status"]) for t in extended["tasks"]] == [("extend_social_security", "open")]

    async def office_notices() -> list[dict]:
        async with httpx.AsyncClient(base_url=stack.simulator_url) as sim:
            posts = (await sim.get("/_channel", params={"channel": office_channel("33")})).json()
        return [p for p in posts if jid in p["text"] and "coverage_gap" in p["text"]]

    [notice] = await eventually(office_notices)
    assert "BPJS cover" in notice["text"]

    cover = {"kind": "social_security_extended", "data": {"covered_until": (new_end + timedelta(days=31)).isoformat()}}
    r = await stack.api.post(url, json=cover, headers=stack.auth())
    assert r.status_code == 200, r.text
    assert "coverage_gap" not in r.json()["flags"] and r.json()["tasks"][0]["status"] == "done"

    change = {"kind": "employer_changed", "data": {"employer_name": "Lin Family", "reason": "transfer"}}
    r = await stack.api.post(url, json=change, headers=stack.auth())
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["data.contract_ref"]
    change["data"]["contract_ref"] = "CT-2027-118"
    r = await stack.api.post(url, json=change, headers=stack.auth())
    assert r.status_code == 200, r.text
    [employment] = [s for s in r.json()["steps"] if s["step"] == "employment"]
    assert employment["evidence"] == {"employer_name": "Lin Family", "contract_ref": "CT-2027-118"}


async def placements(stack: Stack) -> int:
    """The P3MI placements of Central Java, as the ministry's report counts them."""
    params = {"group_by": "scheme", "province_code": "33"}
    r = await stack.api.get("/v1/reports/placements", params=params, headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    return sum(item["count"] for item in r.json()["items"] if item["scheme"] == "P3MI")


def check_chain(events: list[dict]) -> None:
    prev = "0" * 64
    for n, e in enumerate(events, start=1):
        assert e["seq"] == n and e["prev_hash"] == prev
        hashed = {k: v for k, v in e.items() if k not in ("hash", "recorded_at")}
        canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256((prev + canonical).encode()).hexdigest() == e["hash"], n
        prev = e["hash"]


async def all_events(stack: Stack, jid: str, limit: int = 7) -> list[dict]:
    items, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await stack.api.get(f"/v1/journeys/{jid}/events", params=params, headers=stack.auth("auditor", "*"))
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_a_p3mi_journey_runs_from_start_to_completed_over_http(stack: Stack):
    p3mi_id, job_id = await seed_p3mi(stack)
    nik = new_nik()
    journey = await start(stack, nik, p3mi_id)
    jid = journey["journey_id"]
    assert jid.startswith("j_") and journey["status"] == "active" and journey["scheme"] == "P3MI"
    assert nik not in json.dumps(journey)

    placed_before = await placements(stack)
    await drive_to_departure(stack, jid, job_id)
    # The report counts the departure once the read model has it (the journey's own events say P3MI, 33).
    await eventually(lambda: placements(stack), lambda placed: placed == placed_before + 1, what="the placement")
    r = await stack.api.post(f"/v1/journeys/{jid}/withdraw", json={"reason": "changed mind"}, headers=stack.auth())
    assert r.status_code == 409 and r.json()["error"]["rule"] == "withdraw_only_before_departure"
    r = await stack.api.post(
        f"/v1/journeys/{jid}/employment-events",
        json={"kind": "welfare_check", "data": {"outcome": "ok"}},
        headers=stack.auth(),
    )
    assert r.status_code in (200, 409), r.text

    await signal(stack, "embassy", jid, "arrival.reported", {"reported_at": NOW.isoformat(), "mission": "KDEI-TPE"})
    await stack.wait_for(jid, step_is("return", "available"))
    await signal(
        stack,
        "imigrasi",
        jid,
        "return.recorded",
        {"arrived_at": NOW.isoformat(), "port": "CGK", "reason": "contract_end"},
    )
    await stack.wait_for(jid, step_is("reintegration_assessment", "available"))
    await act(stack, jid, "reintegration_assessment", {"needs": ["entrepreneurship", "kur_loan"]})
    await act(stack, jid, "reintegration_program", {"programs": ["desmigratif"]})
    # The stack's policy has one follow-up, due at the return: the officer's task, recorded over HTTP.
    due = await stack.wait_for(jid, lambda j: [f["status"] for f in j.get("follow_ups", [])] == ["due"])
    assert due["status"] == "active"
    url = f"/v1/journeys/{jid}/follow-ups"
    outcome = {"reached": True, "employed": False, "business_running": True, "needs_help": False, "note": "Warung"}
    assert (await stack.api.post(f"{url}/2", json=outcome, headers=stack.auth())).status_code == 404
    bad = await stack.api.post(f"{url}/1", json={**outcome, "reached": "yes"}, headers=stack.auth())
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["reached"]
    r = await stack.api.post(f"{url}/1", json=outcome, headers=stack.auth())
    assert r.status_code == 200, r.text
    assert r.json()["follow_ups"][0]["outcome"]["business_running"] is True
    done = await stack.wait_for(jid, lambda j: j["status"] == "ended")
    assert done["outcome"] == "completed" and done["phase"] == "reintegration"

    events = await all_events(stack, jid)
    check_chain(events)
    assert nik not in json.dumps(events) and "+6281234567890" not in json.dumps(events)
    assert events[0]["type"] == "JourneyStarted" and len(events) == done["version"]
    listed = await stack.api.get("/v1/journeys", params={"status": "ended", "p3mi_id": p3mi_id}, headers=stack.auth())
    assert [j["journey_id"] for j in listed.json()["items"]] == [jid]
    # The NIK is free again once the journey's workflow has closed: the worker may start a new journey.
    await stack.client.get_workflow_handle(jid).result()
    assert (await start(stack, nik, None, scheme="INDEPENDENT"))["journey_id"] != jid
