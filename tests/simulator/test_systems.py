"""The simulated systems over HTTP: answers, idempotency, fault injection and the call ledger."""

import time

import pytest

NIK_CHECK = {"nik": "3374015501950002", "full_name": "Siti Rahayu", "birth_date": "1995-01-15"}


def _key(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_a_known_nik_matches(sim, key):
    response = await sim.post("/dukcapil/v1/nik/verify", json=NIK_CHECK, headers=_key(key))

    assert response.status_code == 200 and response.json() == {"match": True}


@pytest.mark.parametrize("nik", ["3374015501959999", "3374015501950003"])
async def test_niks_ending_in_9999_or_configured_do_not_match(sim, key, nik):
    response = await sim.post("/dukcapil/v1/nik/verify", json={**NIK_CHECK, "nik": nik}, headers=_key(key))

    assert response.status_code == 200
    assert response.json() == {"match": False, "reason": "NIK not found in civil registry"}


async def test_a_malformed_nik_is_refused_without_being_echoed(sim, key):
    response = await sim.post("/dukcapil/v1/nik/verify", json={**NIK_CHECK, "nik": "33740155"}, headers=_key(key))

    assert response.status_code == 422 and "33740155" not in response.text
    assert response.json()["fields"] == ["body.nik"]
    [call] = (await sim.get("/_calls", params={"idempotency_key": key})).json()
    assert (call["system"], call["status_code"], call["effect"]) == ("dukcapil", 422, False)


async def test_a_call_without_an_idempotency_key_is_refused(sim):
    response = await sim.post("/siskop2mi/v1/epmi", json={"journey_id": "j_1"})

    assert response.status_code == 400


async def test_a_repeated_key_gets_the_first_answer_and_no_second_effect(sim, key):
    body = {"journey_id": "j_1", "province_code": "33", "scheme": "P3MI"}
    first = await sim.post("/siskop2mi/v1/registrations", json=body, headers=_key(key))
    second = await sim.post("/siskop2mi/v1/registrations", json=body, headers=_key(key))

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and first.json()["registration_no"].startswith("SISKO-33-")
    assert (await sim.get("/_effects", params={"system": "siskop2mi"})).json()["siskop2mi"][key] == 1
    calls = (await sim.get("/_calls", params={"system": "siskop2mi", "idempotency_key": key})).json()
    assert [c["effect"] for c in calls] == [True, False]


async def test_every_system_answers_with_its_reference(sim, key):
    answers = [
        await sim.post("/siskop2mi/v1/epmi", json={"journey_id": "j_1"}, headers=_key(key + "e")),
        await sim.post("/notify/v1/sms", json={"to": "+6281234567890", "template": "t"}, headers=_key(key + "s")),
        await sim.post(
            "/imigrasi/v1/passport-recommendations",
            json={"journey_id": "j_1", "destination_country": "TW"},
            headers=_key(key + "i"),
        ),
    ]

    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [next(iter(r.json())) for r in answers] == ["epmi_id", "message_id", "recommendation_no"]


async def test_fail_next_answers_503_before_any_effect(sim, key):
    await sim.put("/_config/bpjs", json={"fail_next": 1})

    failed = await sim.post("/bpjs/v1/enrolments", json={"journey_id": "j_1"}, headers=_key(key))
    succeeded = await sim.post("/bpjs/v1/enrolments", json={"journey_id": "j_1"}, headers=_key(key))

    assert failed.status_code == 503 and failed.json() == {"error": "simulated outage"}
    assert succeeded.status_code == 200
    assert (await sim.get("/_effects", params={"system": "bpjs"})).json()["bpjs"][key] == 1


async def test_a_failure_rate_of_one_fails_every_call(sim, key):
    await sim.put("/_config/notify", json={"failure_rate": 1.0})
    body = {"to": "+6281234567890", "template": "t"}

    statuses = [(await sim.post("/notify/v1/sms", json=body, headers=_key(key))).status_code for _ in range(3)]

    assert statuses == [503, 503, 503]
    assert key not in (await sim.get("/_effects", params={"system": "notify"})).json().get("notify", {})


async def test_configured_latency_delays_the_answer(sim, key):
    changed = await sim.put("/_config/siskop2mi", json={"latency_ms": 250})
    started = time.perf_counter()
    await sim.post("/siskop2mi/v1/epmi", json={"journey_id": "j_1"}, headers=_key(key))

    assert time.perf_counter() - started >= 0.25
    assert changed.json() == {"latency_ms": 250, "failure_rate": 0.0, "fail_next": 0}
    assert (await sim.get("/_config")).json()["systems"]["siskop2mi"]["latency_ms"] == 250


async def test_config_of_an_unknown_system_is_not_found(sim):
    assert (await sim.put("/_config/pajak", json={"latency_ms": 1})).status_code == 404
    assert (await sim.put("/_config/bpjs", json={"failure_rate": 2})).status_code == 422


async def test_the_ledger_can_be_reset(sim, key):
    await sim.post("/siskop2mi/v1/epmi", json={"journey_id": "j_1"}, headers=_key(key))

    assert (await sim.delete("/_calls")).status_code == 204

    assert (await sim.get("/_calls")).json() == []
    assert (await sim.get("/_effects")).json() == {}


async def test_health(sim):
    assert (await sim.get("/healthz")).json() == {"status": "ok"}
