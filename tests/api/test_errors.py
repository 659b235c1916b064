"""Error shapes: validation never echoes personal data, 404/405/413/500/503 in the one error shape."""

import httpx
import pytest

from tests.api.conftest import NIK, bearer, start_body


def assert_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and isinstance(err["message"], str)
    return err


async def test_a_validation_error_names_the_fields_but_never_echoes_the_nik(client, api_settings):
    body = start_body()
    body["worker"]["gender"] = "X"
    body["worker"]["birth_date"] = "not a date"
    r = await client.post("/v1/journeys", json=body, headers=bearer(api_settings))
    err = assert_error(r, 422, "VALIDATION_ERROR")
    assert set(err["fields"]) == {"worker.gender", "worker.birth_date"}
    assert NIK not in r.text and "not a date" not in r.text


async def test_a_malformed_nik_is_not_echoed(client, api_settings):
    bad = NIK + "9"
    r = await client.post("/v1/journeys", json=start_body(nik=bad), headers=bearer(api_settings))
    err = assert_error(r, 422, "VALIDATION_ERROR")
    assert err["fields"] == ["worker.nik"] and bad not in r.text and NIK not in r.text


async def test_p3mi_id_is_required_for_p3mi_and_forbidden_otherwise(client, api_settings):
    body = start_body(scheme="P3MI")
    del body["p3mi_id"]
    r = await client.post("/v1/journeys", json=body, headers=bearer(api_settings))
    assert assert_error(r, 422, "VALIDATION_ERROR")["fields"] == ["p3mi_id"]
    r = await client.post("/v1/journeys", json=start_body(p3mi_id="P3MI-1"), headers=bearer(api_settings))
    assert assert_error(r, 422, "VALIDATION_ERROR")["fields"] == ["p3mi_id"]


async def test_a_p3mi_without_an_active_licence_is_a_rule_violation(client, api_settings):
    p3mi = {
        "p3mi_id": "P3MI-0007",
        "name": "PT A",
        "licence_no": "L7",
        "licence_status": "suspended",
        "province_code": "33",
    }
    assert (await client.post("/v1/p3mi", json=p3mi, headers=bearer(api_settings, "admin", "*"))).status_code == 201
    r = await client.post("/v1/journeys", json=start_body(scheme="P3MI"), headers=bearer(api_settings))
    assert assert_error(r, 409, "RULE_VIOLATION")["rule"] == "p3mi_licence_not_active"


MALFORMED_JSON = {
    "cut_short": b'{"worker": {"nik": "3374015501950002"',
    "trailing_bytes": b'{"reason": "x"} 3374015501950002',
    "not_utf8": b'{"reason": "\xff\xfe 3374015501950002"}',
    "single_quotes": b"{'reason': 'x'}",
}


@pytest.mark.parametrize("body", MALFORMED_JSON.values(), ids=MALFORMED_JSON.keys())
@pytest.mark.parametrize(
    "path", ["/v1/journeys", "/v1/journeys/j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A/steps/family_consent/reject"]
)
async def test_every_kind_of_malformed_json_gets_the_same_answer(client, api_settings, path, body):
    h = {**bearer(api_settings), "Content-Type": "application/json", "Idempotency-Key": "k-malformed"}
    r = await client.post(path, content=body, headers=h)
    err = assert_error(r, 422, "VALIDATION_ERROR")
    assert err["fields"] == ["body"] and err["message"] == "The body is not valid JSON"
    assert NIK not in r.text


async def test_a_limit_over_500_is_a_validation_error(client, api_settings):
    r = await client.get("/v1/journeys?limit=501", headers=bearer(api_settings))
    assert assert_error(r, 422, "VALIDATION_ERROR")["fields"] == ["limit"]


async def test_unknown_routes_and_methods_answer_in_the_error_shape(client, api_settings):
    assert_error(await client.get("/nowhere"), 404, "NOT_FOUND")
    assert_error(await client.delete("/v1/journeys", headers=bearer(api_settings)), 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/journeys", "GET, POST"),
        ("OPTIONS", "/v1/p3mi/P3MI-0007", "GET, PATCH"),
        ("OPTIONS", "/v1/journeys/search", "POST"),
        ("TRACE", "/codec/session", "GET, POST, DELETE"),
    ],
)
async def test_a_method_a_path_does_not_take_is_answered_with_every_method_it_does(
    client, api_settings, method, path, allow
):
    """RFC 9110: a 405 lists in `Allow` the methods of the path (`/v1/p3mi/{id}` has a route per method;
    `/v1/journeys/search` is not the journey `search`)."""
    r = await client.request(method, path, headers=bearer(api_settings))
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["Allow"] == allow


async def test_a_body_over_one_mebibyte_is_refused(client, api_settings):
    big = b"x" * (1024 * 1024 + 1)
    h = {**bearer(api_settings), "Content-Type": "application/json"}
    assert_error(await client.post("/v1/journeys", content=big, headers=h), 413, "PAYLOAD_TOO_LARGE")

    async def chunks():
        for _ in range(17):
            yield b"y" * 65536

    # Streamed without Content-Length: the bytes are counted.
    r = await client.post("/v1/integrations/clinic/events", content=chunks(), headers=h)
    assert "content-length" not in r.request.headers
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")


async def test_temporal_unreachable_is_unavailable(client, api_settings):
    r = await client.post("/v1/journeys", json=start_body(), headers=bearer(api_settings))
    assert_error(r, 503, "UNAVAILABLE")
    r = await client.get("/readyz")
    err = assert_error(r, 503, "UNAVAILABLE")
    assert err["checks"]["database"] == "ok" and err["checks"]["temporal"] != "ok"


async def test_an_unexpected_exception_is_internal_with_a_request_id_and_no_detail(app, client):
    async def boom() -> None:
        raise RuntimeError(f"secret detail {NIK}")

    app.add_api_route("/boom", boom)
    r = await client.get("/boom", headers={"X-Request-ID": "req-123"})
    err = assert_error(r, 500, "INTERNAL")
    assert err["request_id"] == "req-123" and "secret" not in r.text and NIK not in r.text


@pytest.mark.parametrize("cursor", ["²", "３", "٣", "1e3", "-1", "9" * 19])
async def test_an_event_cursor_that_is_not_a_few_ascii_digits_is_a_validation_error(client, api_settings, cursor):
    # 422 naming the cursor, never a 500 from int() or from a bigint the database refuses.
    from api.errors import as_api_error
    from api.services.journeys import parse_cursor
    from domain.errors import EvidenceInvalid

    with pytest.raises(EvidenceInvalid) as refused:
        parse_cursor(cursor)
    answer = as_api_error(refused.value)
    assert answer.status == 422 and answer.extra["fields"] == ["cursor"]
