"""Webhook signatures are checked on the raw body before anything parses it."""

import json
import time

from domain.signatures import sign
from tests.api.conftest import NIK
from tests.api.test_errors import MALFORMED_JSON

URL = "/v1/integrations/clinic/events"


def event(**overrides) -> bytes:
    body = {
        "event_id": "clinic-1",
        "type": "medical.result",
        "nik": NIK,
        "occurred_at": "2026-03-02T09:00:00Z",
        "data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "2026-03-02"},
    }
    body.update(overrides)
    return json.dumps(body).encode()


def headers(secrets: list[str], raw: bytes, at: int | None = None) -> dict:
    t = int(time.time()) if at is None else at
    return {"X-PMI-Signature": sign(secrets, t, raw), "Content-Type": "application/json"}


async def test_a_valid_signature_passes_and_an_unknown_nik_is_not_found(client):
    raw = event()
    r = await client.post(URL, content=raw, headers=headers(["clinic-old"], raw))
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    assert NIK not in r.text


async def test_the_second_secret_of_a_rotation_is_accepted(client):
    raw = event()
    r = await client.post(URL, content=raw, headers=headers(["clinic-new"], raw))
    assert r.status_code == 404
    r = await client.post(URL, content=raw, headers=headers(["some-other", "clinic-new"], raw))
    assert r.status_code == 404


async def test_a_stale_timestamp_is_a_bad_signature(client):
    raw = event()
    r = await client.post(URL, content=raw, headers=headers(["clinic-old"], raw, at=int(time.time()) - 301))
    assert r.status_code == 401 and r.json()["error"]["code"] == "BAD_SIGNATURE"


async def test_garbage_with_a_bad_signature_is_refused_before_parsing(client):
    raw = b"\x00not json at all"
    for h in ({}, {"X-PMI-Signature": "garbage"}, headers(["wrong-secret"], raw), {"X-PMI-Signature": "t=x,v1=ab"}):
        r = await client.post(URL, content=raw, headers=h)
        assert r.status_code == 401 and r.json()["error"]["code"] == "BAD_SIGNATURE"


async def test_a_body_changed_after_signing_is_a_bad_signature(client):
    raw = event()
    h = headers(["clinic-old"], raw)
    r = await client.post(URL, content=raw.replace(b"fit", b"unfit"), headers=h)
    assert r.status_code == 401


async def test_a_signed_but_malformed_body_is_a_validation_error(client):
    for raw in (b"{not json", event(occurred_at="yesterday"), event(nik=None), json.dumps([1]).encode()):
        r = await client.post(URL, content=raw, headers=headers(["clinic-old"], raw))
        assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR", raw
        assert NIK not in r.text


async def test_an_unknown_type_or_a_type_from_the_wrong_source_is_a_validation_error(client):
    for kind in ("medical.unknown", "passport.issued"):
        raw = event(type=kind)
        r = await client.post(URL, content=raw, headers=headers(["clinic-old"], raw))
        assert r.status_code == 422 and r.json()["error"]["fields"] == ["type"]


async def test_an_unknown_source_is_not_found(client):
    raw = event()
    r = await client.post("/v1/integrations/nasa/events", content=raw, headers=headers(["clinic-old"], raw))
    assert r.status_code == 404


async def test_a_source_without_a_configured_secret_refuses_everything(client):
    raw = event(type="bpjs.enrolled")
    r = await client.post("/v1/integrations/bpjs/events", content=raw, headers=headers(["dev-bpjs-secret"], raw))
    assert r.status_code == 401


async def test_a_signed_body_that_is_not_json_gets_the_same_answer_as_any_malformed_json(client):
    for raw in MALFORMED_JSON.values():
        r = await client.post(URL, content=raw, headers=headers(["clinic-old"], raw))
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert (err["code"], err["fields"]) == ("VALIDATION_ERROR", ["body"])
        assert err["message"] == "The body is not valid JSON"
