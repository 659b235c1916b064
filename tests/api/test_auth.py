"""Tokens, roles and regions."""

import time

import jwt

from tests.api.conftest import bearer, start_body


async def test_health_needs_no_token(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_a_missing_token_is_unauthenticated(client):
    r = await client.get("/v1/journeys")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_a_token_signed_with_another_secret_is_unauthenticated(client):
    token = jwt.encode({"sub": "x", "role": "admin", "region": "*", "exp": time.time() + 60}, "other" * 8)
    r = await client.get("/v1/journeys", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_an_expired_token_is_unauthenticated(client, api_settings):
    claims = {"sub": "x", "role": "admin", "region": "*", "exp": int(time.time()) - 10}
    token = jwt.encode(claims, api_settings.jwt_secret, algorithm="HS256")
    r = await client.get("/v1/journeys", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_a_token_without_region_or_with_an_unknown_role_is_unauthenticated(client, api_settings):
    for claims in (
        {"sub": "x", "role": "admin", "exp": int(time.time()) + 60},
        {"sub": "x", "role": "king", "region": "*", "exp": int(time.time()) + 60},
        {"sub": "x", "role": "admin", "region": "*"},
    ):
        token = jwt.encode(claims, api_settings.jwt_secret, algorithm="HS256")
        r = await client.get("/v1/journeys", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, claims


async def test_garbage_in_the_authorization_header_is_unauthenticated(client):
    r = await client.get("/v1/journeys", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401


async def test_an_auditor_may_not_start_a_journey(client, api_settings):
    r = await client.post("/v1/journeys", json=start_body(), headers=bearer(api_settings, "auditor", "*"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"


async def test_an_officer_may_not_waive_cancel_or_close(client, api_settings):
    h = bearer(api_settings, "officer")
    jid = "j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A"
    r = await client.post(f"/v1/journeys/{jid}/steps/registration/waive", json={"reason": "x"}, headers=h)
    assert r.status_code == 403
    for kind in ("cancel", "close"):
        r = await client.post(f"/v1/journeys/{jid}/{kind}", json={"reason": "x"}, headers=h)
        assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"


async def test_an_officer_may_not_write_reference_data(client, api_settings):
    body = {"p3mi_id": "P3MI-1", "name": "PT A", "licence_no": "L1", "province_code": "33"}
    r = await client.post("/v1/p3mi", json=body, headers=bearer(api_settings, "officer"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"


async def test_starting_a_journey_outside_the_callers_region_is_forbidden(client, api_settings):
    r = await client.post("/v1/journeys", json=start_body(province="35"), headers=bearer(api_settings, region="33"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"


async def test_the_journey_list_is_limited_to_the_callers_region(client, app, api_settings):
    from datetime import UTC, datetime

    from domain.contracts import JourneyProjection

    now = datetime.now(UTC)
    for jid, province in (("j_A1", "33"), ("j_B2", "35")):
        doc = {"journey_id": jid, "worker": {"province_code": province}}
        await app.state.services.read_model.upsert(
            JourneyProjection(
                journey_id=jid,
                status="active",
                outcome=None,
                phase="pre_departure",
                scheme="G2G",
                province_code=province,
                destination_country="TW",
                p3mi_id=None,
                flags=[],
                available_steps=["registration"],
                version=1,
                started_at=now,
                updated_at=now,
                document=doc,
            )
        )
    officer = await client.get("/v1/journeys", headers=bearer(api_settings, "officer", "33"))
    assert [j["journey_id"] for j in officer.json()["items"]] == ["j_A1"]
    auditor = await client.get("/v1/journeys", headers=bearer(api_settings, "auditor", "33"))
    assert {j["journey_id"] for j in auditor.json()["items"]} == {"j_A1", "j_B2"}
    other = await client.get("/v1/journeys?province_code=35", headers=bearer(api_settings, "supervisor", "33"))
    assert other.json()["items"] == []
    step = await client.get("/v1/journeys?step=registration", headers=bearer(api_settings, "admin", "*"))
    assert len(step.json()["items"]) == 2
    page = await client.get("/v1/journeys?limit=1", headers=bearer(api_settings, "admin", "*"))
    assert len(page.json()["items"]) == 1 and page.json()["next_cursor"]
