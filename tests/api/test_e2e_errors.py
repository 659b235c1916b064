"""End to end: every error code of API.md's Journeys and Integrations sections, on the real stack."""

import asyncio
import json
import uuid

import httpx
from temporalio.client import WorkflowExecutionStatus

from api.app import create_app
from tests.api.stack import Stack, new_nik, step_is
from tests.api.test_e2e_journey import TODAY, act, event, seed_p3mi, start, start_body
from tests.polling import eventually


def err(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code, body
    return body


async def test_an_unknown_journey_and_one_outside_the_region_are_not_found(stack: Stack):
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    assert (await stack.api.get(f"/v1/journeys/{jid}", headers=stack.auth("officer", "33"))).status_code == 200
    err(await stack.api.get(f"/v1/journeys/{jid}", headers=stack.auth("officer", "35")), 404, "NOT_FOUND")
    err(await stack.api.get(f"/v1/journeys/{jid}/events", headers=stack.auth("officer", "35")), 404, "NOT_FOUND")
    r = await stack.api.post(
        f"/v1/journeys/{jid}/steps/family_consent/complete", json={"evidence": {}}, headers=stack.auth("officer", "35")
    )
    err(r, 404, "NOT_FOUND")
    err(await stack.api.get("/v1/journeys/j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A", headers=stack.auth()), 404, "NOT_FOUND")
    err(await stack.api.get("/v1/journeys/not-a-journey", headers=stack.auth()), 404, "NOT_FOUND")
    assert (await stack.api.get(f"/v1/journeys/{jid}", headers=stack.auth("auditor", "35"))).status_code == 200
    r = await stack.api.post(
        "/v1/journeys", json=start_body(new_nik("35"), None, "G2G", province="35"), headers=stack.auth("officer", "33")
    )
    err(r, 403, "FORBIDDEN")


async def test_step_action_refusals_carry_their_details(stack: Stack):
    j = await start(stack, new_nik(), None, scheme="G2G")
    jid = j["journey_id"]
    j = await stack.wait_for(jid, step_is("registration", "completed"))
    url = f"/v1/journeys/{jid}/steps"
    h = stack.auth()
    err(await stack.api.post(f"{url}/no_such_step/complete", json={}, headers=h), 404, "NOT_FOUND")
    body = err(
        await stack.api.post(f"{url}/family_consent/complete", json={"evidence": {"village": 3}}, headers=h),
        422,
        "VALIDATION_ERROR",
    )
    assert "evidence.consent_ref" in body["fields"]
    r = await stack.api.post(
        f"{url}/departure/complete",
        json={"evidence": {"departed_at": TODAY.isoformat(), "port": "CGK", "flight_no": "X1"}},
        headers=h,
    )
    assert err(r, 409, "INVALID_TRANSITION")["state"] == "locked"
    r = await stack.api.post(
        f"{url}/family_consent/complete",
        headers=h,
        json={"evidence": {"consent_ref": "F", "village": "V"}, "expected_version": 0},
    )
    assert err(r, 409, "VERSION_CONFLICT")["current_version"] == j["version"]
    r = await stack.api.post(
        f"{url}/placement_agreement/complete",
        headers=h,
        json={"evidence": {"agreement_no": "A", "signed_at": TODAY.isoformat()}},
    )
    assert err(r, 409, "INVALID_TRANSITION")["state"] == "not_in_scheme"
    err(await stack.api.post(f"{url}/family_consent/reject", json={}, headers=h), 422, "VALIDATION_ERROR")
    err(await stack.api.post(f"{url}/family_consent/waive", json={"reason": "x"}, headers=h), 403, "FORBIDDEN")
    after = await stack.journey(jid)
    assert after["version"] == j["version"], "a refused action changes nothing"
    waived = await act(stack, jid, "family_consent", action="waive", role="supervisor", reason="village office closed")
    assert waived["version"] == j["version"] + 1


async def test_job_order_quota_is_taken_once(stack: Stack):
    p3mi_id, job_id = await seed_p3mi(stack, quota=1)
    a, b = (
        (await start(stack, new_nik(), p3mi_id))["journey_id"],
        (await start(stack, new_nik(), p3mi_id))["journey_id"],
    )
    for jid in (a, b):
        await stack.wait_for(jid, step_is("registration", "completed"))
    results = await asyncio.gather(
        *[
            stack.api.post(
                f"/v1/journeys/{jid}/steps/job_selection/complete",
                json={"evidence": {"job_order_id": job_id}},
                headers=stack.auth(),
            )
            for jid in (a, b)
        ]
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert err(loser, 409, "RULE_VIOLATION")["rule"] == "job_order_quota_exhausted"
    job = (await stack.api.get(f"/v1/job-orders/{job_id}", headers=stack.auth())).json()
    assert job["filled"] == 1


async def test_a_suspended_p3mi_cannot_place_workers(stack: Stack):
    p3mi_id, _ = await seed_p3mi(stack, status="suspended")
    r = await stack.api.post("/v1/journeys", json=start_body(new_nik(), p3mi_id), headers=stack.auth())
    assert err(r, 409, "RULE_VIOLATION")["rule"] == "p3mi_licence_not_active"


async def test_one_nik_has_one_active_journey_even_when_started_twice_at_once(stack: Stack):
    nik = new_nik()
    results = await asyncio.gather(
        *[stack.api.post("/v1/journeys", json=start_body(nik, None, "G2G"), headers=stack.auth()) for _ in range(2)]
    )
    assert sorted(r.status_code for r in results) == [201, 409]
    winner = next(r for r in results if r.status_code == 201).json()["journey_id"]
    assert err(next(r for r in results if r.status_code == 409), 409, "ACTIVE_JOURNEY_EXISTS")["journey_id"] == winner
    assert nik not in results[0].text + results[1].text


async def test_a_journey_ended_unfit_holds_its_nik_until_its_workflow_closes(stack: Stack):
    nik = new_nik()
    jid = (await start(stack, nik, None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))
    await act(
        stack, jid, "medical_check", {"clinic_id": "CLN-3374-01", "result": "unfit", "examined_at": TODAY.isoformat()}
    )
    await stack.wait_for(jid, lambda j: j.get("status") == "ended" and j.get("version", 0) > 0)
    # A supervisor may still reopen the check: a new journey for the worker is refused.
    r = await stack.api.post("/v1/journeys", json=start_body(nik, None, "G2G"), headers=stack.auth())
    assert err(r, 409, "ACTIVE_JOURNEY_EXISTS")["journey_id"] == jid
    # Once its workflow has closed (here: terminated; normally the 30-day window ends), the NIK is free.
    await stack.client.get_workflow_handle(jid).terminate("test: the reopen window is over")
    by_nik = {**event(jid, "passport.issued", {"passport_no": "C1234567", "expires_at": "2031-01-01"}), "nik": nik}
    del by_nik["journey_id"]
    err(await stack.webhook("imigrasi", by_nik), 404, "NOT_FOUND")  # not kept for a closed journey
    r = await stack.api.post("/v1/journeys", json=start_body(nik, None, "G2G"), headers=stack.auth())
    assert r.status_code == 201, r.text


async def test_an_idempotency_key_replays_the_first_answer(stack: Stack):
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = start_body(new_nik(), None, "G2G")
    first = await stack.api.post("/v1/journeys", json=body, headers={**stack.auth(), **key})
    again = await stack.api.post("/v1/journeys", json=body, headers={**stack.auth(), **key})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = dict(body, occupation="cook")
    err(
        await stack.api.post("/v1/journeys", json=other, headers={**stack.auth(), **key}), 409, "IDEMPOTENCY_KEY_REUSED"
    )
    jid = first.json()["journey_id"]
    # Concurrent first attempts with one key: one journey, and every one of them answers it (201).
    k3 = {**stack.auth(), "Idempotency-Key": uuid.uuid4().hex}
    racing = start_body(new_nik(), None, "G2G")
    all_at_once = await asyncio.gather(*[stack.api.post("/v1/journeys", json=racing, headers=k3) for _ in range(4)])
    assert [r.status_code for r in all_at_once] == [201] * 4, [r.text for r in all_at_once]
    assert len({r.json()["journey_id"] for r in all_at_once}) == 1
    retry = await stack.api.post("/v1/journeys", json=racing, headers=k3)
    assert retry.status_code == 201 and retry.json() == all_at_once[0].json()
    await stack.wait_for(jid, step_is("registration", "completed"))
    consent = {"evidence": {"consent_ref": "F", "village": "V"}}
    url = f"/v1/journeys/{jid}/steps/family_consent/complete"
    k2 = {**stack.auth(), "Idempotency-Key": uuid.uuid4().hex}
    one, two = await stack.api.post(url, json=consent, headers=k2), await stack.api.post(url, json=consent, headers=k2)
    assert one.status_code == two.status_code == 200 and one.json()["version"] == two.json()["version"]
    # The same step action sent three times at once with one key: applied once, one answer for all.
    k4 = {**stack.auth(), "Idempotency-Key": uuid.uuid4().hex}
    medical = f"/v1/journeys/{jid}/steps/medical_check/complete"
    check = {"evidence": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": TODAY.isoformat()}}
    thrice = await asyncio.gather(*[stack.api.post(medical, json=check, headers=k4) for _ in range(3)])
    assert [r.status_code for r in thrice] == [200] * 3
    assert thrice[0].json() == thrice[1].json() == thrice[2].json()
    events = (await stack.api.get(f"/v1/journeys/{jid}/events?limit=500", headers=stack.auth())).json()["items"]
    assert [e["data"].get("step") for e in events if e["type"] == "StepCompleted"].count("medical_check") == 1


async def test_withdraw_and_cancel_end_the_journey(stack: Stack):
    a = (await start(stack, new_nik(), None, scheme="INDEPENDENT"))["journey_id"]
    b = (await start(stack, new_nik(), None, scheme="INDEPENDENT"))["journey_id"]
    r = await stack.api.post(f"/v1/journeys/{a}/withdraw", json={"reason": "family reasons"}, headers=stack.auth())
    assert r.status_code == 200 and r.json()["status"] == "ended" and r.json()["outcome"] == "withdrawn"
    err(await stack.api.post(f"/v1/journeys/{b}/cancel", json={"reason": "x"}, headers=stack.auth()), 403, "FORBIDDEN")
    # Closing as completed waits for the reintegration programme.
    r = await stack.api.post(f"/v1/journeys/{b}/close", json={"reason": "x"}, headers=stack.auth("supervisor"))
    assert err(r, 409, "RULE_VIOLATION")["rule"] == "close_after_reintegration_program"
    r = await stack.api.post(
        f"/v1/journeys/{b}/cancel", json={"reason": "fraud suspected"}, headers=stack.auth("supervisor")
    )
    assert r.status_code == 200 and r.json()["outcome"] == "cancelled"
    r = await stack.api.post(f"/v1/journeys/{b}/cancel", json={"reason": "again"}, headers=stack.auth("supervisor"))
    err(r, 409, "INVALID_TRANSITION")
    # Once the ended journey's workflow has finished, a change is still refused the same way.
    handle = stack.client.get_workflow_handle(b)
    await eventually(handle.describe, lambda d: d.status != WorkflowExecutionStatus.RUNNING, what="workflow closed")
    r = await stack.api.post(f"/v1/journeys/{b}/withdraw", json={"reason": "late"}, headers=stack.auth())
    assert err(r, 409, "INVALID_TRANSITION")["state"] == "ended"
    ended = await stack.journey(b)
    assert ended["status"] == "ended" and ended["outcome"] == "cancelled"


async def test_integration_answers(stack: Stack):
    nik = new_nik()
    jid = (await start(stack, nik, None, scheme="G2G"))["journey_id"]
    medical = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": TODAY.isoformat()}
    e = event(jid, "medical.result", medical)
    r = await stack.webhook("clinic", e)
    assert r.status_code == 202 and r.json() == {"status": "accepted", "journey_id": jid}
    r = await stack.webhook("clinic", {**e, "data": {**medical, "result": "unfit"}})
    assert r.status_code == 200 and r.json() == {"status": "duplicate", "journey_id": jid}
    by_nik = {k: v for k, v in event(jid, "medical.result", medical).items() if k != "journey_id"}
    r = await stack.webhook("clinic", {**by_nik, "nik": nik})
    assert r.status_code == 202 and r.json()["journey_id"] == jid and nik not in r.text
    unknown_nik = {k: v for k, v in event(jid, "medical.result", medical).items() if k != "journey_id"}
    err(await stack.webhook("clinic", {**unknown_nik, "nik": new_nik()}), 404, "NOT_FOUND")
    err(
        await stack.webhook("clinic", event("j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A", "medical.result", medical)),
        404,
        "NOT_FOUND",
    )
    err(await stack.webhook("clinic", event(jid, "medical.resul", medical)), 422, "VALIDATION_ERROR")
    err(await stack.webhook("lsp", event(jid, "medical.result", medical)), 422, "VALIDATION_ERROR")
    r = await stack.webhook("clinic", e, secret_index=0)
    assert r.status_code == 200
    bad = json.dumps(e).encode()
    r = await stack.api.post(
        "/v1/integrations/clinic/events",
        content=bad,
        headers={"X-PMI-Signature": "t=1,v1=00", "Content-Type": "application/json"},
    )
    err(r, 401, "BAD_SIGNATURE")
    complaint = event(jid, "complaint.filed", {"case_type": "unpaid_wages", "description": "no salary"})
    assert (await stack.webhook("hotline", complaint)).status_code == 202
    passport = event(jid, "passport.issued", {"passport_no": "C1234567", "expires_at": "2031-01-01"})
    assert (await stack.webhook("imigrasi", passport)).status_code == 202
    j = await stack.wait_for(jid, step_is("medical_check", "completed"))
    assert "C1234567" not in json.dumps(j)
    events = (await stack.api.get(f"/v1/journeys/{jid}/events?limit=500", headers=stack.auth())).json()["items"]
    assert "C1234567" not in json.dumps(events) and nik not in json.dumps(events)
    err(await stack.api.get(f"/v1/journeys/{jid}/events?cursor=abc", headers=stack.auth()), 422, "VALIDATION_ERROR")


async def test_the_engine_is_ready_when_the_database_temporal_and_a_worker_answer(stack: Stack):
    r = await stack.api.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"] == {"database": "ok", "temporal": "ok", "worker": "ok"}
    assert (await stack.api.get("/healthz")).status_code == 200


async def test_the_engine_is_not_ready_when_no_worker_polls_its_task_queue(stack: Stack):
    settings = stack.settings.model_copy(update={"task_queue": f"nobody-polls-{uuid.uuid4().hex[:8]}"})
    app = create_app(settings, temporal_client=stack.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            r = await client.get("/readyz")
    assert r.status_code == 503 and r.headers["retry-after"], r.text
    body = r.json()["error"]
    assert body["checks"]["database"] == body["checks"]["temporal"] == "ok"
    assert body["checks"]["worker"].startswith("unavailable") and "worker" in body["message"]
