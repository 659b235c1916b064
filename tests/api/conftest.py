"""API tests: the app over `httpx.ASGITransport`, against a real migrated SQLite store.

Temporal is pointed at a closed port here, so whatever needs it answers 503; the
end-to-end tests (`test_e2e_*.py`) run the real dev server, worker and simulator.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.auth import create_token
from config import Settings
from tests.migrated import migrated_sqlite

NIK = "3374015501950002"


def bearer(settings: Settings, role: str = "officer", region: str = "33", sub: str | None = None) -> dict:
    token = create_token(settings.jwt_secret, sub or f"{role}-1", role, region, ttl=600)
    return {"Authorization": f"Bearer {token}"}


def start_body(nik: str = NIK, scheme: str = "G2G", province: str = "33", **overrides) -> dict:
    body = {
        "worker": {
            "nik": nik,
            "full_name": "Siti Rahayu",
            "birth_date": "1995-01-15",
            "gender": "F",
            "phone": "+6281234567890",
            "province_code": province,
            "regency_code": province + "74",
        },
        "scheme": scheme,
        "destination_country": "TW",
        "occupation": "caregiver",
        "sector": "informal",
    }
    if scheme == "P3MI":
        body["p3mi_id"] = "P3MI-0007"
    body.update(overrides)
    return body


@pytest.fixture
async def api_settings(tmp_path: Path) -> Settings:
    url = await migrated_sqlite(tmp_path / "api.db")
    return Settings(
        database_url=url,
        temporal_port=1,  # closed: Temporal is "down" in these tests
        log_format="json",
        webhook_secrets="clinic=clinic-old,clinic=clinic-new,imigrasi=imi-secret,hotline=hot-secret",
    )


@pytest.fixture
async def app(api_settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
        yield c


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def stack(request, dev_env, tmp_path_factory) -> AsyncIterator["object"]:
    """One running engine per session and database (PostgreSQL only when PMI_TEST_POSTGRES_URL is set)."""
    from tests.api.stack import stack_per_database

    async with stack_per_database(request.param, dev_env.client, tmp_path_factory.mktemp("e2e")) as s:
        yield s
