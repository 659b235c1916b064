"""An admin's change of a P3MI's licence or a destination's status, through HTTP, reaching the
journeys already running (issue 9, items 1 and 3), on the real dev server, worker and simulator."""

from datetime import date, timedelta

from tests.api.stack import Stack, new_nik, step_is
from tests.api.test_e2e_journey import act, seed_p3mi, start, start_body


def has_flag(flag: str):
    return lambda j: flag in j["flags"]


def lacks_flag(flag: str):
    return lambda j: flag not in j["flags"]


async def test_a_licence_suspended_after_the_start_blocks_job_selection_until_it_is_reinstated(stack: Stack):
    admin = stack.auth("admin", "*")
    p3mi_id, job_id = await seed_p3mi(stack)
    jid = (await start(stack, new_nik(), p3mi_id))["journey_id"]
    await stack.wait_for(jid, step_is("registration", "completed"))
    r = await stack.api.patch(f"/v1/p3mi/{p3mi_id}", json={"licence_status": "suspended"}, headers=admin)
    assert r.status_code == 200, r.text
    await stack.wait_for(jid, has_flag("p3mi_licence_not_active"))
    r = await stack.api.post(
        f"/v1/journeys/{jid}/steps/job_selection/complete",
        json={"evidence": {"job_order_id": job_id}},
        headers=stack.auth(),
    )
    assert r.status_code == 409 and r.json()["error"]["rule"] == "p3mi_licence_not_active", r.text
    r = await stack.api.patch(f"/v1/p3mi/{p3mi_id}", json={"licence_status": "active"}, headers=admin)
    assert r.status_code == 200
    await stack.wait_for(jid, lacks_flag("p3mi_licence_not_active"))
    await act(stack, jid, "job_selection", {"job_order_id": job_id})


async def test_an_expired_licence_refuses_new_journeys(stack: Stack):
    admin = stack.auth("admin", "*")
    p3mi_id, _ = await seed_p3mi(stack)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    r = await stack.api.patch(f"/v1/p3mi/{p3mi_id}", json={"licence_valid_until": yesterday}, headers=admin)
    assert r.status_code == 200 and r.json()["licence_valid_until"] == yesterday
    r = await stack.api.post("/v1/journeys", json=start_body(new_nik(), p3mi_id), headers=stack.auth())
    assert r.status_code == 409 and r.json()["error"]["rule"] == "p3mi_licence_not_active"
    r = await stack.api.patch(f"/v1/p3mi/{p3mi_id}", json={"licence_valid_until": None}, headers=admin)
    assert r.status_code == 200 and r.json()["licence_valid_until"] is None
    r = await stack.api.post("/v1/journeys", json=start_body(new_nik(), p3mi_id), headers=stack.auth())
    assert r.status_code == 201, r.text


async def test_a_job_order_of_another_p3mi_is_refused_at_the_start(stack: Stack):
    p3mi_id, _ = await seed_p3mi(stack)
    _, other_job = await seed_p3mi(stack)
    body = {**start_body(new_nik(), p3mi_id), "job_order_id": other_job}
    r = await stack.api.post("/v1/journeys", json=body, headers=stack.auth())
    assert r.status_code == 409 and r.json()["error"]["rule"] == "job_order_not_of_p3mi", r.text


async def test_a_closed_destination_flags_its_journeys_and_a_supervisor_waives_it_for_one(stack: Stack):
    admin = stack.auth("admin", "*")
    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]  # G2G to TW
    await stack.wait_for(jid, step_is("registration", "completed"))
    try:
        r = await stack.api.patch("/v1/countries/TW", json={"status": "closed"}, headers=admin)
        assert r.status_code == 200
        journey = await stack.wait_for(jid, has_flag("destination_closed"))
        waiver = {"rule": "destination_closed", "reason": "visa issued, ministry consent"}
        url = f"/v1/journeys/{jid}/waivers"
        assert (await stack.api.post(url, json=waiver, headers=stack.auth())).status_code == 403
        bad = await stack.api.post(url, json={**waiver, "rule": "medical_check"}, headers=stack.auth("supervisor"))
        assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["rule"]
        stale = {**waiver, "expected_version": journey["version"] - 1}
        r = await stack.api.post(url, json=stale, headers=stack.auth("supervisor"))
        assert r.status_code == 409 and r.json()["error"]["code"] == "VERSION_CONFLICT"
        r = await stack.api.post(url, json=waiver, headers=stack.auth("supervisor"))
        assert r.status_code == 200, r.text
        assert "destination_closed" not in r.json()["flags"]
        again = await stack.api.post(url, json=waiver, headers=stack.auth("supervisor"))
        assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_TRANSITION"
    finally:
        r = await stack.api.patch("/v1/countries/TW", json={"status": "open"}, headers=admin)
        assert r.status_code == 200
