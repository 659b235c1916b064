"""Public holidays as reference data (issue 9, item 9): seeded for 2026-2027, managed by admins."""

import pytest

from store.db import create_engine
from store.reference import ReferenceData
from tests.api.conftest import bearer


@pytest.fixture
async def seeded(api_settings):
    engine = create_engine(api_settings.db_url)
    await ReferenceData(engine).seed()
    await engine.dispose()


async def test_holidays_are_seeded_listed_and_managed_by_admins_only(client, api_settings, seeded):
    admin, officer = bearer(api_settings, "admin", "*"), bearer(api_settings)
    r = await client.get("/v1/holidays/2026-03-20", headers=officer)
    assert r.status_code == 200 and r.json() == {"date": "2026-03-20", "name": "Hari Raya Idul Fitri 1447 H"}
    page = (await client.get("/v1/holidays", params={"limit": 500}, headers=officer)).json()
    days = [h["date"] for h in page["items"]]
    assert days == sorted(days) and "2027-03-10" in days and page["next_cursor"] is None
    cuti = {"date": "2026-03-23", "name": "Cuti bersama Idul Fitri"}
    assert (await client.post("/v1/holidays", json=cuti, headers=officer)).status_code == 403
    r = await client.post("/v1/holidays", json=cuti, headers=admin)
    assert r.status_code == 201 and r.json() == cuti
    assert (await client.post("/v1/holidays", json=cuti, headers=admin)).status_code == 409
    bad = await client.post("/v1/holidays", json={"date": "2026-02-30", "name": "x"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["date"]
    r = await client.patch("/v1/holidays/2026-03-23", json={"name": "Cuti bersama"}, headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "Cuti bersama"
    assert (await client.delete("/v1/holidays/2026-03-23", headers=officer)).status_code == 403
    assert (await client.delete("/v1/holidays/2026-03-23", headers=admin)).status_code == 204
    assert (await client.get("/v1/holidays/2026-03-23", headers=officer)).status_code == 404
    assert (await client.delete("/v1/holidays/2026-03-23", headers=admin)).status_code == 404
