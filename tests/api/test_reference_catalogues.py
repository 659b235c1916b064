"""Clinics, training centres and missions (admin writes, every role reads) and open/closed countries
(API.md, Reference data)."""

import pytest

from store.db import create_engine
from store.reference import ReferenceData
from tests.api.conftest import bearer, start_body

CATALOGUES = [
    ("clinics", "clinic_id", {"clinic_id": "CLN-3374-09", "name": "Klinik Sehat", "province_code": "33"}),
    (
        "training-centres",
        "institution_id",
        {"institution_id": "LPK-3374-09", "name": "LPK Semarang", "province_code": "33"},
    ),
    ("missions", "mission", {"mission": "KJRI-KHH", "name": "KJRI Kaohsiung", "country": "TW"}),
]


@pytest.fixture
async def seeded(api_settings):
    engine = create_engine(api_settings.db_url)
    await ReferenceData(engine).seed()
    await engine.dispose()


@pytest.mark.parametrize(("collection", "key", "entry"), CATALOGUES, ids=[c[0] for c in CATALOGUES])
async def test_a_catalogue_entry_is_created_read_listed_and_patched_by_admins_only(
    client, api_settings, collection, key, entry
):
    admin, officer = bearer(api_settings, "admin", "*"), bearer(api_settings)
    assert (await client.post(f"/v1/{collection}", json=entry, headers=officer)).status_code == 403
    r = await client.post(f"/v1/{collection}", json=entry, headers=admin)
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in entry} == entry
    again = await client.post(f"/v1/{collection}", json=entry, headers=admin)
    assert again.status_code == 409 and again.json()["error"][key] == entry[key]
    one = f"/v1/{collection}/{entry[key]}"
    assert (await client.get(one, headers=officer)).json()["name"] == entry["name"]
    listed = (await client.get(f"/v1/{collection}", headers=officer)).json()
    assert entry[key] in [item[key] for item in listed["items"]]
    assert (await client.patch(one, json={"name": "Renamed"}, headers=officer)).status_code == 403
    r = await client.patch(one, json={"name": "Renamed"}, headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    bad = await client.patch(one, json={"name": None}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["name"]
    assert (await client.get(f"/v1/{collection}/NOPE-1", headers=officer)).status_code == 404
    assert (await client.patch(f"/v1/{collection}/NOPE-1", json={"name": "x"}, headers=admin)).status_code == 404


async def test_a_closed_destination_refuses_new_journeys_until_it_reopens(client, api_settings, seeded):
    admin, officer = bearer(api_settings, "admin", "*"), bearer(api_settings)
    assert (await client.patch("/v1/countries/TW", json={"status": "closed"}, headers=officer)).status_code == 403
    # Stored, then told to the journeys bound there through Temporal, which is down in these tests: 503.
    r = await client.patch("/v1/countries/TW", json={"status": "closed"}, headers=admin)
    assert r.status_code == 503 and r.json()["error"]["dependency"] == "temporal"
    r = await client.post("/v1/journeys", json=start_body(), headers=officer)
    assert r.status_code == 409 and r.json()["error"]["rule"] == "destination_closed"
    listed = {c["code"]: c["status"] for c in (await client.get("/v1/countries", headers=officer)).json()["items"]}
    assert listed["TW"] == "closed"
    r = await client.patch("/v1/countries/TW", json={"status": "open"}, headers=admin)
    assert r.status_code == 503
    # Open again: the start goes past the rule (and on to Temporal, which is down in these tests).
    assert (await client.post("/v1/journeys", json=start_body(), headers=officer)).status_code == 503
    assert (await client.patch("/v1/countries/XX", json={"status": "open"}, headers=admin)).status_code == 404
    bad = await client.patch("/v1/countries/TW", json={"status": "shut"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["status"]


async def test_an_event_naming_an_unknown_clinic_is_422_naming_the_field(stack):
    from tests.api.stack import new_nik
    from tests.api.test_e2e_journey import start

    nik = new_nik()
    jid = (await start(stack, nik, None, scheme="G2G"))["journey_id"]
    data = {"clinic_id": "CLN-0000-00", "result": "fit", "examined_at": "2026-03-02"}
    body = {"event_id": f"clinic-{jid}", "type": "medical.result", "nik": nik, "occurred_at": "2026-03-02T09:00:00Z"}
    r = await stack.webhook("clinic", {**body, "data": data})
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["data.clinic_id"]
    # Refused, so not received: the same event id with a known clinic is the first delivery.
    r = await stack.webhook("clinic", {**body, "data": {**data, "clinic_id": "CLN-3374-01"}})
    assert r.status_code == 202, r.text


async def test_a_step_completed_with_an_unknown_training_centre_is_422_and_not_completed(stack):
    from tests.api.stack import new_nik, step_states
    from tests.api.test_e2e_journey import start

    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    evidence = {"certificate_no": "CERT-1", "institution_id": "LPK-0000-00", "issued_at": "2026-03-02T09:00:00Z"}
    r = await stack.api.post(
        f"/v1/journeys/{jid}/steps/competency_training/complete", json={"evidence": evidence}, headers=stack.auth()
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"] == ["evidence.institution_id"]
    assert step_states(await stack.journey(jid))["competency_training"] != "completed"
