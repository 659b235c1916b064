"""Strict JSON bodies: duplicate keys, NaN/Infinity and nesting deeper than 64
levels are 422 `VALIDATION_ERROR` (never a value echoed); the 1 MiB limit holds for chunked bodies too."""

import json

import pytest

from tests.api.conftest import bearer, start_body
from tests.api.test_webhooks import headers

START = json.dumps(start_body())


def nested(depth: int) -> str:
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


REFUSED = {
    "a key twice": START[:-1] + ', "scheme": "P3MI"}',
    "a key twice, nested": START.replace('"gender": "F"', '"gender": "F", "gender": "M"'),
    "NaN": START[:-1] + ', "x": NaN}',
    "Infinity": START[:-1] + ', "x": -Infinity}',
    "65 levels": nested(65),
    "thousands of levels": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("what", sorted(REFUSED))
async def test_a_body_json_does_not_mean_one_way_is_refused(client, api_settings, what):
    r = await client.post(
        "/v1/journeys", content=REFUSED[what], headers={**bearer(api_settings), "Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR" and r.json()["error"]["fields"] == ["body"]
    assert "Siti" not in r.text and "3374015501950002" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_sixty_four_levels_are_json_the_route_then_judges(client, api_settings):
    r = await client.post(
        "/v1/journeys", content=nested(64), headers={**bearer(api_settings), "Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"]["fields"] != ["body"]  # the schema's answer, not strictness


async def test_a_chunked_body_over_one_mib_is_413(client, api_settings):
    async def chunks():
        for _ in range(17):
            yield b" " * 65536  # no Content-Length: the middleware counts what arrives

    r = await client.post(
        "/v1/journeys", content=chunks(), headers={**bearer(api_settings), "Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "content-length" not in r.request.headers


async def test_a_signed_webhook_is_checked_strictly_after_its_signature(client):
    raw = b'{"event_id": "clinic-9", "event_id": "clinic-10", "type": "medical.result"}'
    unsigned = await client.post("/v1/integrations/clinic/events", content=raw)
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "BAD_SIGNATURE"
    r = await client.post("/v1/integrations/clinic/events", content=raw, headers=headers(["clinic-new"], raw))
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["body"], r.text
