"""The simulator's protection-case surface: channel posts, BPJS death claims, and complaints
filed by the hotline and embassies as signed `complaint.filed` events."""

import random
from collections import Counter
from typing import get_args

from domain.contracts import CaseType
from simulator.complaints import CASE_TYPE_WEIGHTS, DESCRIPTIONS, draw_case_type


def _key(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_a_channel_post_is_kept_once_per_key_and_listed(sim, key):
    await sim.put("/_config/notify", json={"fail_next": 1})
    body = {"channel": "rrt-test-" + key, "text": "Trafficking case c_1 opened", "case_id": "c_1"}

    answers = [await sim.post("/notify/v1/channel", json=body, headers=_key(key)) for _ in range(3)]

    assert [a.status_code for a in answers] == [503, 200, 200]
    assert answers[1].json() == answers[2].json() and answers[1].json()["message_id"].startswith("CH-")
    assert (await sim.get("/_effects", params={"system": "notify"})).json()["notify"][key] == 1
    posts = (await sim.get("/_channel", params={"channel": body["channel"]})).json()
    assert [(p["message_id"], p["text"], p["case_id"], p["journey_id"]) for p in posts] == [
        (answers[1].json()["message_id"], body["text"], "c_1", None)
    ]


async def test_channel_listing_filters_by_channel(sim, key):
    await sim.post("/notify/v1/channel", json={"channel": "a-" + key, "text": "x"}, headers=_key(key + "a"))
    await sim.post("/notify/v1/channel", json={"channel": "b-" + key, "text": "y"}, headers=_key(key + "b"))

    only_a = (await sim.get("/_channel", params={"channel": "a-" + key})).json()
    everything = {p["channel"] for p in (await sim.get("/_channel")).json()}

    assert [p["text"] for p in only_a] == ["x"] and {"a-" + key, "b-" + key} <= everything


async def test_a_death_claim_is_filed_once_per_key(sim, key):
    await sim.put("/_config/bpjs", json={"fail_next": 1})
    body = {"journey_id": "j_1", "case_id": "c_1"}

    answers = [await sim.post("/bpjs/v1/death-claims", json=body, headers=_key(key)) for _ in range(3)]

    assert [a.status_code for a in answers] == [503, 200, 200]
    assert answers[1].json() == answers[2].json() and answers[1].json()["claim_ref"].startswith("BPJS-DC-")
    assert (await sim.get("/_effects", params={"system": "bpjs"})).json()["bpjs"][key] == 1
    calls = (await sim.get("/_calls", params={"system": "bpjs", "idempotency_key": key})).json()
    assert {c["endpoint"] for c in calls} == {"death-claims"}


async def test_a_death_claim_needs_a_case(sim, key):
    response = await sim.post("/bpjs/v1/death-claims", json={"journey_id": "j_1"}, headers=_key(key))

    assert response.status_code == 422 and response.json()["fields"] == ["body.case_id"]


async def test_a_hotline_complaint_is_a_signed_complaint_filed_event(sim, fake_engine, journey_id):
    filed = await sim.post(
        "/_complaints",
        json={"journey_id": journey_id, "case_type": "unpaid_wages", "description": "3 months unpaid", "wait": True},
    )

    assert filed.status_code == 200
    [event_id] = filed.json()["event_ids"]
    assert filed.json()["case_types"] == ["unpaid_wages"]
    assert filed.json()["deliveries"][0]["status"] == "delivered"
    event = await fake_engine.wait_for(lambda e: e.body.get("event_id") == event_id)
    assert event.signature_valid and event.source == "hotline" and event_id.startswith("hotline-")
    assert event.body["type"] == "complaint.filed" and event.body["journey_id"] == journey_id
    assert event.body["data"] == {"case_type": "unpaid_wages", "description": "3 months unpaid"}


async def test_embassy_complaints_by_nik_get_valid_drawn_case_types(sim, fake_engine):
    nik = "3374015501950002"
    filed = await sim.post("/_complaints", json={"nik": nik, "source": "embassy", "count": 12})

    event_ids, case_types = filed.json()["event_ids"], filed.json()["case_types"]
    assert len(set(event_ids)) == 12 and filed.json()["deliveries"] is None
    for event_id, case_type in zip(event_ids, case_types, strict=True):
        event = await fake_engine.wait_for(lambda e, event_id=event_id: e.body.get("event_id") == event_id)
        assert event.signature_valid and event.source == "embassy"
        assert event.body["nik"] == nik and "journey_id" not in event.body
        assert event.body["data"]["case_type"] == case_type and case_type in get_args(CaseType)
        assert event.body["data"]["description"] == DESCRIPTIONS[case_type]


async def test_a_complaint_needs_exactly_one_target_and_a_known_type_and_source(sim):
    neither = await sim.post("/_complaints", json={})
    both = await sim.post("/_complaints", json={"journey_id": "j_1", "nik": "1"})
    bad_type = await sim.post("/_complaints", json={"journey_id": "j_1", "case_type": "tax"})
    bad_source = await sim.post("/_complaints", json={"journey_id": "j_1", "source": "clinic"})
    too_many = await sim.post("/_complaints", json={"journey_id": "j_1", "count": 0})

    assert {r.status_code for r in (neither, both, bad_type, bad_source, too_many)} == {422}


def test_drawn_case_types_follow_the_weights():
    rng = random.Random(2023)
    drawn = Counter(draw_case_type(rng) for _ in range(60_000))
    total = sum(CASE_TYPE_WEIGHTS.values())

    assert set(drawn) == set(get_args(CaseType))
    for case_type, weight in CASE_TYPE_WEIGHTS.items():
        assert abs(drawn[case_type] / 60_000 - weight / total) < 0.01
    # West Sumatra 2023: stranded-worker repatriations outnumber remains, trafficking and illness.
    assert drawn["repatriation"] > drawn["death"] > drawn["trafficking"] > drawn["illness"]
