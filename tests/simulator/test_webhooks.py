"""Signed result webhooks and `/_emit`, received by a stand-in engine that verifies signatures."""

import re
from datetime import UTC, date, datetime, timedelta

from temporalio.testing import ActivityEnvironment

from activities.bpjs import BpjsActivities
from domain.contracts import JourneyCall
from simulator.state import add_years


def _today():
    return datetime.now(UTC).date()


async def test_a_bpjs_enrolment_is_followed_by_a_signed_enrolled_event(sim, fake_engine, key, journey_id):
    await sim.post("/bpjs/v1/enrolments", json={"journey_id": journey_id}, headers={"Idempotency-Key": key})

    event = await fake_engine.wait_for(lambda e: e.body.get("journey_id") == journey_id)

    assert event.signature_valid and event.source == "bpjs"
    assert event.body["type"] == "bpjs.enrolled" and event.body["event_id"].startswith("bpjs-")
    assert re.fullmatch(r"\d{11}", event.body["data"]["membership_no"])
    assert event.body["data"]["covered_until"] == add_years(_today(), 6).isoformat()
    assert datetime.fromisoformat(event.body["occurred_at"]).tzinfo is not None


async def test_a_passport_recommendation_is_followed_by_a_passport_signed_with_every_secret(
    sim, fake_engine, key, journey_id
):
    body = {"journey_id": journey_id, "destination_country": "TW"}
    await sim.post("/imigrasi/v1/passport-recommendations", json=body, headers={"Idempotency-Key": key})

    event = await fake_engine.wait_for(lambda e: e.body.get("journey_id") == journey_id)

    assert event.signature_valid and event.body["type"] == "passport.issued"
    assert re.fullmatch(r"[A-Z]\d{7}", event.body["data"]["passport_no"])
    assert event.body["data"]["expires_at"] == add_years(_today(), 5).isoformat()


async def test_a_repeated_request_sends_no_second_event(sim, fake_engine, key, journey_id):
    for _ in range(3):
        await sim.post("/bpjs/v1/enrolments", json={"journey_id": journey_id}, headers={"Idempotency-Key": key})
    await fake_engine.wait_for(lambda e: e.body.get("journey_id") == journey_id)
    # Give a wrongly scheduled second delivery the time to arrive.
    await sim.post("/_emit", json={"source": "clinic", "type": "noop", "journey_id": "j_x", "wait": True})

    assert [e.body.get("journey_id") for e in fake_engine.events].count(journey_id) == 1


async def test_delivery_is_retried_while_the_engine_answers_503(sim, fake_engine, journey_id):
    fake_engine.fail_next = 2

    emitted = await sim.post(
        "/_emit",
        json={
            "source": "clinic",
            "type": "medical.result",
            "journey_id": journey_id,
            "wait": True,
            "data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "2026-03-02"},
        },
    )

    delivery = emitted.json()["delivery"]
    assert (delivery["status"], delivery["status_code"], delivery["attempts"]) == ("delivered", 202, 3)
    event = await fake_engine.wait_for(lambda e: e.body.get("journey_id") == journey_id)
    assert event.signature_valid and event.body["event_id"] == emitted.json()["event_id"]


async def test_emit_sends_an_event_by_nik_in_the_background(sim, fake_engine):
    emitted = await sim.post(
        "/_emit",
        json={
            "source": "clinic",
            "type": "medical.result",
            "nik": "3374015501950002",
            "event_id": "clinic-7781",
            "data": {"result": "fit"},
        },
    )

    assert emitted.status_code == 200 and emitted.json()["event_id"] == "clinic-7781"
    event = await fake_engine.wait_for(lambda e: e.body.get("event_id") == "clinic-7781")
    assert event.signature_valid and event.body["nik"] == "3374015501950002" and "journey_id" not in event.body
    deliveries = (await sim.get("/_webhooks")).json()
    assert any(d["event_id"] == "clinic-7781" and "nik" not in d for d in deliveries)


async def test_emit_needs_exactly_one_target(sim):
    neither = await sim.post("/_emit", json={"source": "hotline", "type": "complaint.filed"})
    both = await sim.post("/_emit", json={"source": "hotline", "type": "x", "journey_id": "j", "nik": "1"})

    assert neither.status_code == both.status_code == 422


async def test_a_source_without_a_secret_is_not_sent(sim):
    emitted = await sim.post("/_emit", json={"source": "lsp", "type": "x", "journey_id": "j_1", "wait": True})

    assert emitted.json()["delivery"]["status"] == "failed"


async def test_with_webhooks_off_no_event_follows(sim, fake_engine, key, journey_id):
    await sim.put("/_config/webhooks", json={"enabled": False})
    await sim.post("/bpjs/v1/enrolments", json={"journey_id": journey_id}, headers={"Idempotency-Key": key})
    await sim.post("/_emit", json={"source": "clinic", "type": "noop", "journey_id": "j_x", "wait": True})

    assert all(e.body.get("journey_id") != journey_id for e in fake_engine.events)


async def test_the_engines_enrolment_request_carries_the_contract_end_and_the_cover_is_sized_to_it(
    sim, fake_engine, key, journey_id
):
    call = JourneyCall(journey_id=journey_id, idempotency_key=key, contract_end=date(2029, 3, 1))
    ack = await ActivityEnvironment().run(BpjsActivities(sim).request_enrolment, call)

    event = await fake_engine.wait_for(lambda e: e.body.get("journey_id") == journey_id)
    assert ack.reference.startswith("BPJS-ENR-")
    # The cover runs past the contract's end by the return journey's month: the engine's
    # social_security rule (cover until the contract end) is met by what BPJS sends back.
    assert event.body["data"]["covered_until"] == (date(2029, 3, 1) + timedelta(days=31)).isoformat()
