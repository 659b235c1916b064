"""End to end: who reads a worker's personal data is accountable, and the Web UI's codec server decodes
for auditors and admins only.

- `POST /v1/journeys/search` finds a worker's journeys by NIK (in the body), within the caller's region;
- `GET /v1/journeys/{id}/personal-data` serves the identifiers in the clear to supervisors and admins;
- every response with personal fields in the clear, and every decode, is in `GET /v1/audit/access-log`;
- `/codec/decode` opens the payloads Temporal holds, by bearer token or session cookie, with CORS for
  the Web UI's origin only.
"""

import base64

from tests.api.stack import Stack, new_nik
from tests.api.test_e2e_journey import start_body
from tests.polling import eventually
from workflows.codec import ENCODING


async def _started(stack: Stack) -> tuple[str, dict]:
    body = start_body(new_nik(), None, scheme="G2G")
    r = await stack.api.post("/v1/journeys", json=body, headers=stack.auth())
    assert r.status_code == 201, r.text
    return r.json()["journey_id"], body["worker"]


async def _access_log(stack: Stack, **params: str) -> list[dict]:
    r = await stack.api.get("/v1/audit/access-log", params=params, headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_search_personal_data_and_the_access_log(stack: Stack):
    jid, worker = await _started(stack)
    await stack.wait_for(jid, lambda j: j["version"] >= 1)

    # Served from the read model, where the journey shows within a second (API.md).
    found = await eventually(
        lambda: stack.api.post("/v1/journeys/search", json={"nik": worker["nik"]}, headers=stack.auth()),
        lambda r: r.status_code != 200 or r.json()["items"],
    )
    assert found.status_code == 200, found.text
    [item] = found.json()["items"]
    assert item["journey_id"] == jid and item["personal_data"] == "masked"
    assert worker["nik"] not in found.text and worker["full_name"] not in found.text
    elsewhere = await stack.api.post(
        "/v1/journeys/search", json={"nik": worker["nik"]}, headers=stack.auth("officer", "34")
    )
    assert elsewhere.json()["items"] == []
    bad = await stack.api.post("/v1/journeys/search", json={"nik": "12345"}, headers=stack.auth())
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["nik"] and "12345" not in bad.text

    path = f"/v1/journeys/{jid}/personal-data"
    assert (await stack.api.get(path)).status_code == 401
    for role, region in (("officer", "33"), ("auditor", "*")):
        r = await stack.api.get(path, headers=stack.auth(role, region))
        assert r.status_code == 403, (role, r.text)
    assert (await stack.api.get(path, headers=stack.auth("supervisor", "34"))).status_code == 404
    r = await stack.api.get(path, headers=stack.auth("supervisor", "33"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "nik": worker["nik"],
        "full_name": worker["full_name"],
        "birth_date": worker["birth_date"],
        "phone": worker["phone"],
        "family_phone": None,
        "passport_no": None,
    }
    assert (await stack.api.get(f"/v1/journeys/{jid}", headers=stack.auth())).status_code == 200

    entries = await _access_log(stack, journey_id=jid)
    # Newest first: the journey read, the personal data, the search; the start's answer first of all
    # (the test's own polling reads it as an admin in between).
    assert ("admin-*", "journey") in [(e["sub"], e["through"]) for e in entries]
    entries = [e for e in entries if e["sub"] != "admin-*"]
    reads = [(e["sub"], e["through"]) for e in entries]
    assert reads == [
        ("officer-33", "journey"),
        ("supervisor-33", "personal_data"),
        ("officer-33", "journey_search"),
        ("officer-33", "journey_start"),
    ], reads
    assert set(entries[1]["fields"]) == {"nik", "full_name", "birth_date", "phone", "family_phone", "passport_no"}
    assert all(e["request_id"] for e in entries)
    assert [e["through"] for e in await _access_log(stack, journey_id=jid, sub="supervisor-33")] == ["personal_data"]
    assert await _access_log(stack, journey_id=jid, until="2001-01-01T00:00:00Z") == []
    assert len(await _access_log(stack, journey_id=jid, since=entries[1]["accessed_at"])) == 2

    for role, region in (("officer", "33"), ("supervisor", "33")):
        r = await stack.api.get("/v1/audit/access-log", headers=stack.auth(role, region))
        assert r.status_code == 403, role
    assert (await stack.api.get("/v1/audit/access-log")).status_code == 401
    r = await stack.api.get("/v1/audit/access-log", params={"cursor": "!!"}, headers=stack.auth("auditor", "*"))
    assert r.status_code == 422


async def _an_encrypted_payload(stack: Stack, jid: str) -> dict:
    """The journey's start input as Temporal holds it, in the codec server's JSON."""
    client = stack.client
    from temporalio.client import Client

    plain = await Client.connect(client.service_client.config.target_host, namespace=client.namespace)
    history = await plain.get_workflow_handle(jid).fetch_history()
    [payload] = history.events[0].workflow_execution_started_event_attributes.input.payloads
    assert payload.metadata["encoding"] == ENCODING
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def test_the_codec_server_decodes_for_auditors_and_admins_only(stack: Stack):
    jid, worker = await _started(stack)
    body = {"payloads": [await _an_encrypted_payload(stack, jid)]}

    assert (await stack.api.post("/codec/decode", json=body)).status_code == 401
    for role, region in (("officer", "33"), ("supervisor", "*")):
        r = await stack.api.post("/codec/decode", json=body, headers=stack.auth(role, region))
        assert r.status_code == 403, role
    r = await stack.api.post("/codec/decode", json=body, headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    [clear] = r.json()["payloads"]
    assert base64.b64decode(clear["metadata"]["encoding"]) == b"json/plain"
    assert worker["full_name"] in base64.b64decode(clear["data"]).decode()
    [entry] = (await _access_log(stack, sub="auditor-*"))[:1]
    assert (entry["through"], entry["journey_id"], entry["fields"]) == ("codec_decode", None, ["temporal_payloads"])

    # Encoding is the inverse: what encode gives, decode opens again.
    sealed = await stack.api.post("/codec/encode", json={"payloads": [clear]}, headers=stack.auth("admin", "*"))
    assert sealed.status_code == 200
    assert base64.b64decode(sealed.json()["payloads"][0]["metadata"]["encoding"]) == ENCODING
    again = await stack.api.post("/codec/decode", json=sealed.json(), headers=stack.auth("admin", "*"))
    assert again.json() == {"payloads": [clear]}
    not_b64 = {"payloads": [{"metadata": {"encoding": "???"}, "data": ""}]}
    r = await stack.api.post("/codec/decode", json=not_b64, headers=stack.auth("admin", "*"))
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["payloads.0.metadata.encoding"]
    # A payload under a key the keyring lacks comes back as it was sent.
    foreign = {**body["payloads"][0], "metadata": {**body["payloads"][0]["metadata"]}}
    foreign["metadata"]["encryption-key-id"] = base64.b64encode(b"aes256-0000000000000000").decode()
    r = await stack.api.post("/codec/decode", json={"payloads": [foreign]}, headers=stack.auth("admin", "*"))
    assert r.json() == {"payloads": [foreign]}


async def test_the_web_ui_decodes_with_a_session_cookie_from_its_own_origin_only(stack: Stack):
    jid, worker = await _started(stack)
    body = {"payloads": [await _an_encrypted_payload(stack, jid)]}
    ui = f"http://127.0.0.1:{stack.settings.temporal_ui_port}"

    page = await stack.api.get("/codec/session")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    refused = await stack.api.post("/codec/session", headers=stack.auth("officer", "33"))
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    opened = await stack.api.post("/codec/session", headers=stack.auth("auditor", "*"))
    assert opened.status_code == 204
    cookie = opened.headers["set-cookie"]
    for attribute in ("pmi_codec_session=", "HttpOnly", "SameSite=strict", "Path=/codec", "Max-Age="):
        assert attribute.lower() in cookie.lower(), cookie
    session = stack.api.cookies.get("pmi_codec_session")
    assert session
    try:
        # The UI's fetch: its origin, the cookie, no bearer token.
        r = await stack.api.post("/codec/decode", json=body, headers={"Origin": ui})
        assert r.status_code == 200, r.text
        assert worker["full_name"] in base64.b64decode(r.json()["payloads"][0]["data"]).decode()
        assert r.headers["access-control-allow-origin"] == ui
        assert r.headers["access-control-allow-credentials"] == "true"

        preflight = {
            "Origin": ui,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        }
        r = await stack.api.options("/codec/decode", headers=preflight)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ui
        r = await stack.api.options("/codec/decode", headers={**preflight, "Origin": "http://evil.example"})
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
        r = await stack.api.post("/codec/decode", json=body, headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in r.headers
        # CORS is the codec server's alone.
        r = await stack.api.get("/v1/journeys", headers={**stack.auth(), "Origin": ui})
        assert "access-control-allow-origin" not in r.headers

        closed = await stack.api.delete("/codec/session")
        assert closed.status_code == 204
        assert stack.api.cookies.get("pmi_codec_session") is None
        assert (await stack.api.post("/codec/decode", json=body)).status_code == 401
    finally:
        stack.api.cookies.clear()


async def test_a_cases_free_text_is_read_on_the_record(stack: Stack):
    """A case holds what people wrote (which may name anyone): opening, reading and acting on it, and
    reading its events, are each in the access log with the case's journey."""
    jid, _ = await _started(stack)
    await stack.wait_for(jid, lambda j: j["version"] >= 1)
    body = {"case_type": "unpaid_wages", "description": "Wages unpaid since March", "reported_via": "officer"}
    r = await stack.api.post(f"/v1/journeys/{jid}/cases", json=body, headers=stack.auth())
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    assert (await stack.api.get(f"/v1/cases/{case_id}", headers=stack.auth())).status_code == 200
    action = {"action": "verify", "note": "called the worker"}
    r = await stack.api.post(f"/v1/cases/{case_id}/actions", json=action, headers=stack.auth())
    assert r.status_code == 200, r.text
    r = await eventually(
        lambda: stack.api.get(f"/v1/cases/{case_id}/events", headers=stack.auth()),
        lambda r: r.status_code == 200,
    )
    assert r.status_code == 200, r.text

    entries = [e for e in await _access_log(stack, journey_id=jid) if e["sub"] == "officer-33"]
    assert [e["through"] for e in entries][:4] == ["case_events", "case_action", "case", "case_open"]
    assert all(e["fields"] == ["free_text"] for e in entries[:4])
