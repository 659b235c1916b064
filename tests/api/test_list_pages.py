"""`GET /v1/journeys` and `GET /v1/cases` over HTTP: the page is built from the stored JSON text, and
holds the same items, in the same order, with the same cursors, as the documents themselves; a list
beyond the admission queue answers 503 `UNAVAILABLE` with `Retry-After` at once (SQLite and PostgreSQL)."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api import admission
from api.app import create_app
from config import Settings
from domain.contracts import CaseProjection, JourneyProjection
from store.read_model import JourneyFilters
from tests.api.conftest import bearer
from tests.migrated import migrated_sqlite
from tests.store.databases import BACKENDS, PostgresDatabases, postgres_url

T = datetime(2026, 3, 1, 8, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
async def list_settings(request, tmp_path: Path) -> AsyncIterator[Settings]:
    extra = {"temporal_port": 1, "log_format": "json"}
    if request.param == "sqlite":
        yield Settings(database_url=await migrated_sqlite(tmp_path / "api.db"), **extra)
        return
    if postgres_url() is None:
        pytest.skip("PMI_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped")
    databases = PostgresDatabases(postgres_url())
    name = await databases.create()
    try:
        yield Settings(database_url=databases.url_of(name), **extra)
    finally:
        await databases.drop(name)
        await databases.close()


@pytest.fixture
async def list_app(list_settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(list_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def list_client(list_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=list_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
        yield c


def journey(n: int, province: str) -> JourneyProjection:
    jid = f"j_{n:04d}"
    document = {
        "journey_id": jid,
        "status": "active",
        "version": n,
        "worker": {"full_name": f"Ni Made “Ayu” {n} \\ Ñ", "province_code": province},
        "steps": [{"step": "passport", "state": "available", "due_at": None}],
        "flags": [],
    }
    return JourneyProjection(
        journey_id=jid,
        status="active",
        outcome=None,
        phase="pre_departure",
        scheme="G2G",
        province_code=province,
        destination_country="KR",
        p3mi_id=None,
        flags=[],
        available_steps=["passport"],
        version=n,
        started_at=T,
        updated_at=T,
        document=document,
    )


async def pages(client: httpx.AsyncClient, url: str, headers: dict) -> list[dict]:
    out, cursor = [], None
    while True:
        r = await client.get(url, params={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=headers)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        body = r.json()
        assert set(body) == {"items", "next_cursor"}
        out.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return out


async def test_the_journey_list_is_the_stored_documents_page_by_page(list_client, list_app, list_settings):
    model = list_app.state.services.read_model
    for n in range(1, 8):
        await model.upsert(journey(n, "33" if n != 4 else "35"))
    admin = await pages(list_client, "/v1/journeys", bearer(list_settings, "admin", "*"))
    items = [item for page in admin for item in page["items"]]
    assert items == [await model.get(f"j_{n:04d}") for n in range(1, 8)]
    assert [len(p["items"]) for p in admin] == [2, 2, 2, 1]
    officer = await pages(list_client, "/v1/journeys", bearer(list_settings, "officer", "33"))
    assert [i["journey_id"] for p in officer for i in p["items"]] == [f"j_{n:04d}" for n in (1, 2, 3, 5, 6, 7)]
    # The same pages as the read model's own parsed list, cursors included.
    docs, cursor = await model.list(JourneyFilters(), 2)
    assert admin[0] == {"items": docs, "next_cursor": cursor}
    empty = await list_client.get("/v1/journeys?status=ended", headers=bearer(list_settings, "admin", "*"))
    assert empty.json() == {"items": [], "next_cursor": None}
    bad = await list_client.get("/v1/journeys?cursor=!!not-a-cursor", headers=bearer(list_settings, "admin", "*"))
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == ["cursor"]


MASKED = {"personal_data": "masked"}


async def test_the_case_list_is_the_stored_documents_with_overdue(list_client, list_app, list_settings):
    cases = list_app.state.services.cases
    due = datetime.now(UTC) - timedelta(hours=1)
    for n, province in ((1, "33"), (2, "35"), (3, "33")):
        await cases.upsert(
            CaseProjection(
                case_id=f"c_{n:04d}",
                journey_id="j_0001",
                case_type="unpaid_wages",
                status="reported",
                severity="medium",
                province_code=province,
                first_response_due_at=due,
                first_response_at=due if n == 3 else None,
                escalated=False,
                escalated_to=None,
                version=1,
                opened_at=T,
                updated_at=T,
                closed_at=None,
                document={"case_id": f"c_{n:04d}", "case_type": "gaji “tidak dibayar”", "description": "x"},
            )
        )
    r = await list_client.get("/v1/cases", headers=bearer(list_settings, "officer", "33"))
    assert r.status_code == 200
    assert r.json() == {
        "items": [
            # Masked: free text is left out of the list.
            {"case_id": "c_0001", "case_type": "gaji “tidak dibayar”", "description": None, **MASKED, "overdue": True},
            {"case_id": "c_0003", "case_type": "gaji “tidak dibayar”", "description": None, **MASKED, "overdue": False},
        ],
        "next_cursor": None,
    }


async def test_a_list_beyond_the_queue_is_503_unavailable_with_retry_after(list_client, list_app, list_settings):
    model = list_app.state.services.read_model
    await model.upsert(journey(1, "33"))
    full = admission.Admission(running=1, waiting=0, wait_seconds=5)
    full.loop = asyncio.get_running_loop()
    admission._admissions[model] = full
    headers = bearer(list_settings, "admin", "*")
    async with full.turn():  # the one turn is taken, and no one may wait
        refused = await asyncio.wait_for(list_client.get("/v1/journeys", headers=headers), 1.0)
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "UNAVAILABLE"
    assert int(refused.headers["Retry-After"]) >= 1
    again = await list_client.get("/v1/journeys", headers=headers)
    assert again.status_code == 200 and [i["journey_id"] for i in again.json()["items"]] == ["j_0001"]


async def test_the_openapi_document_still_describes_the_list_as_a_page(list_client):
    spec = (await list_client.get("/openapi.json")).json()
    answer = spec["paths"]["/v1/journeys"]["get"]["responses"]
    assert answer["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Page"}
    assert "503" in answer
