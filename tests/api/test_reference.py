"""Reference data: admins write, every role reads, duplicates are 409."""

from tests.api.conftest import bearer

P3MI = {
    "p3mi_id": "P3MI-0007",
    "name": "PT Maju",
    "licence_no": "SIP-7",
    "licence_status": "active",
    "province_code": "33",
}
JOB = {
    "job_order_id": "JO-1",
    "scheme": "P3MI",
    "p3mi_id": "P3MI-0007",
    "employer_name": "Chen",
    "destination_country": "TW",
    "occupation": "caregiver",
    "sector": "informal",
    "quota": 2,
}


async def test_p3mi_can_be_created_read_listed_and_patched(client, api_settings):
    admin, reader = bearer(api_settings, "admin", "*"), bearer(api_settings, "auditor", "*")
    r = await client.post("/v1/p3mi", json=P3MI, headers=admin)
    assert r.status_code == 201 and r.json()["licence_status"] == "active"
    r = await client.post("/v1/p3mi", json=P3MI, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ALREADY_EXISTS"
    assert (await client.get("/v1/p3mi/P3MI-0007", headers=reader)).json()["name"] == "PT Maju"
    r = await client.patch("/v1/p3mi/P3MI-0007", json={"name": "PT Maju Jaya"}, headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "PT Maju Jaya"
    # A licence change is stored, then told to the P3MI's journeys through Temporal, which is down
    # here: 503, and the admin repeats it once Temporal is back (the journeys are told then).
    r = await client.patch("/v1/p3mi/P3MI-0007", json={"licence_status": "revoked"}, headers=admin)
    assert r.status_code == 503 and r.json()["error"]["dependency"] == "temporal"
    assert (await client.get("/v1/p3mi/P3MI-0007", headers=reader)).json()["licence_status"] == "revoked"
    r = await client.patch("/v1/p3mi/P3MI-0007", json={"licence_valid_until": "2101-01-01"}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["licence_valid_until"]
    r = await client.patch("/v1/p3mi/P3MI-0007", json={"licence_status": "x"}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["licence_status"]
    assert (await client.patch("/v1/p3mi/P3MI-0007", json={"name": "n"}, headers=reader)).status_code == 403
    assert (await client.get("/v1/p3mi/nope", headers=reader)).status_code == 404
    await client.post("/v1/p3mi", json={**P3MI, "p3mi_id": "P3MI-0008"}, headers=admin)
    page = (await client.get("/v1/p3mi?limit=1", headers=reader)).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = (await client.get(f"/v1/p3mi?limit=1&cursor={page['next_cursor']}", headers=reader)).json()
    assert rest["items"][0]["p3mi_id"] == "P3MI-0008" and rest["next_cursor"] is None


async def test_job_orders_can_be_created_read_listed_and_patched(client, api_settings):
    admin, officer = bearer(api_settings, "admin", "*"), bearer(api_settings, "officer", "33")
    await client.post("/v1/p3mi", json=P3MI, headers=admin)
    r = await client.post("/v1/job-orders", json=JOB, headers=admin)
    assert r.status_code == 201 and r.json()["filled"] == 0 and r.json()["status"] == "open"
    r = await client.post("/v1/job-orders", json=JOB, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ALREADY_EXISTS"
    assert (
        await client.post("/v1/job-orders", json={**JOB, "job_order_id": "JO-2"}, headers=officer)
    ).status_code == 403
    r = await client.post("/v1/job-orders", json={**JOB, "job_order_id": "JO-3", "filled": 5}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["filled"]
    r = await client.post("/v1/job-orders", json={**JOB, "job_order_id": "JO-4", "p3mi_id": "P3MI-X"}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["p3mi_id"]
    r = await client.patch("/v1/job-orders/JO-1", json={"status": "closed", "quota": 5}, headers=admin)
    assert r.status_code == 200 and r.json()["quota"] == 5 and r.json()["status"] == "closed"
    assert (await client.get("/v1/job-orders/JO-1", headers=officer)).json()["employer_name"] == "Chen"
    listed = (await client.get("/v1/job-orders?status=closed", headers=officer)).json()
    assert [j["job_order_id"] for j in listed["items"]] == ["JO-1"]
    assert (await client.get("/v1/job-orders/JO-9", headers=officer)).status_code == 404
    assert (await client.patch("/v1/job-orders/JO-9", json={"quota": 1}, headers=admin)).status_code == 404


async def test_provinces_and_countries_are_listed(client, app, api_settings):
    await app.state.services.reference.seed()
    h = bearer(api_settings, "officer", "33")
    provinces = (await client.get("/v1/provinces", headers=h)).json()
    assert provinces["next_cursor"] is None and provinces["items"]
    assert (await client.get("/v1/countries", headers=h)).json()["items"]
