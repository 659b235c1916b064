"""Rate limits (API.md Conventions, api.rate_limits): failed authentication per client address and
signed events per integration source get 429 `RATE_LIMITED` with `Retry-After`."""

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError

from api.app import create_app
from config import Settings
from tests.api.conftest import bearer
from tests.api.test_webhooks import headers

BAD = {"Authorization": "Bearer not-a-token"}


def event(event_id: str = "clinic-1") -> bytes:
    body = {
        "event_id": event_id,
        "type": "medical.result",
        "nik": "3374015501950002",
        "occurred_at": "2026-03-02T09:00:00Z",
        "data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "2026-03-02"},
    }
    return json.dumps(body).encode()


@pytest.fixture
async def limited(api_settings: Settings) -> AsyncIterator[tuple[Settings, dict[str, httpx.AsyncClient]]]:
    """The app with small limits, and clients calling it from two addresses."""
    settings = api_settings.model_copy(update={"auth_failure_rate": "3/minute", "integration_rate": "2/minute"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        clients = {}
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=("10.0.0.1", 4000)), base_url="http://api"
            ) as one,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=("10.0.0.2", 4000)), base_url="http://api"
            ) as other,
        ):
            clients = {"one": one, "other": other}
            yield settings, clients


def assert_limited(r: httpx.Response, window: int = 60) -> None:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(r.headers["retry-after"]) <= window


async def test_an_address_that_failed_authentication_too_often_is_refused_even_with_a_good_token(limited):
    settings, clients = limited
    for _ in range(3):
        assert (await clients["one"].get("/v1/p3mi", headers=BAD)).status_code == 401
    assert_limited(await clients["one"].get("/v1/p3mi", headers=BAD))
    # A valid token from that address is refused as well: its answer must not tell a guesser it was good.
    assert_limited(await clients["one"].get("/v1/p3mi", headers=bearer(settings)))
    # Another address is not affected.
    assert (await clients["other"].get("/v1/p3mi", headers=bearer(settings))).status_code == 200


async def test_requests_without_credentials_are_not_counted(limited):
    """The Web UI without a codec session sends a decode per payload: that must not lock the address."""
    settings, clients = limited
    for _ in range(10):
        assert (await clients["one"].get("/v1/p3mi")).status_code == 401
        assert (await clients["one"].post("/codec/decode", json={"payloads": []})).status_code == 401
        r = await clients["one"].post("/v1/integrations/clinic/events", content=event())
        assert r.json()["error"]["code"] == "BAD_SIGNATURE"
    assert (await clients["one"].get("/v1/p3mi", headers=bearer(settings))).status_code == 200


async def test_successful_sign_ins_do_not_count(limited):
    settings, clients = limited
    for _ in range(10):
        assert (await clients["one"].get("/v1/p3mi", headers=bearer(settings))).status_code == 200
    assert (await clients["one"].get("/v1/p3mi", headers=BAD)).status_code == 401


async def test_the_codec_and_bad_webhook_signatures_count_as_failed_authentication(limited):
    settings, clients = limited
    body = {"payloads": []}
    assert (await clients["one"].post("/codec/decode", json=body, headers=BAD)).status_code == 401
    raw = event()
    forged = headers(["not-the-secret"], raw)
    for _ in range(2):
        r = await clients["one"].post("/v1/integrations/clinic/events", content=raw, headers=forged)
        assert r.json()["error"]["code"] == "BAD_SIGNATURE"
    assert_limited(await clients["one"].post("/v1/integrations/clinic/events", content=raw, headers=forged))
    assert_limited(await clients["one"].post("/codec/decode", json=body, headers=bearer(settings, "auditor", "*")))
    # The forged deliveries did not use up the source's own rate: it still delivers from elsewhere.
    signed = headers(["clinic-old"], raw)
    assert (
        await clients["other"].post("/v1/integrations/clinic/events", content=raw, headers=signed)
    ).status_code == 404


async def test_a_source_over_its_rate_is_refused_and_others_are_not(limited):
    _, clients = limited
    for n in range(2):
        raw = event(f"clinic-{n}")
        r = await clients["one"].post(
            "/v1/integrations/clinic/events", content=raw, headers=headers(["clinic-old"], raw)
        )
        assert r.status_code == 404  # signed and counted: no journey for this NIK
    raw = event("clinic-3")
    r = await clients["other"].post("/v1/integrations/clinic/events", content=raw, headers=headers(["clinic-old"], raw))
    assert_limited(r)  # per source, from whichever address
    hotline = json.dumps(
        {
            "event_id": "h-1",
            "type": "complaint.filed",
            "nik": "3374015501950002",
            "occurred_at": "2026-03-02T09:00:00Z",
            "data": {"case_type": "unpaid_wages", "description": "no pay"},
        }
    ).encode()
    r = await clients["one"].post(
        "/v1/integrations/hotline/events", content=hotline, headers=headers(["hot-secret"], hotline)
    )
    assert r.status_code == 404


async def test_the_window_lets_an_address_in_again(api_settings):
    settings = api_settings.model_copy(update={"auth_failure_rate": "1/second"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.0.0.3", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
            assert (await c.get("/v1/p3mi", headers=BAD)).status_code == 401
            assert_limited(await c.get("/v1/p3mi", headers=bearer(settings)), window=1)
            await asyncio.sleep(1.1)
            assert (await c.get("/v1/p3mi", headers=bearer(settings))).status_code == 200


def test_a_rate_that_is_not_one_is_refused_with_the_settings():
    with pytest.raises(ValidationError, match="30/minute"):
        Settings(auth_failure_rate="thirty a minute")


def test_the_openapi_document_names_the_429_answer(app):
    schema = app.openapi()
    assert "429" in schema["paths"]["/v1/journeys"]["post"]["responses"]
    assert "429" in schema["paths"]["/v1/integrations/{source}/events"]["post"]["responses"]
    assert "429" not in schema["paths"]["/healthz"]["get"]["responses"]
