"""A dependency that is down answers 503 UNAVAILABLE with Retry-After, on every kind of endpoint, never 500."""

import json
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import exc as sa_exc
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from api.errors import as_api_error
from config import Settings
from domain.signatures import sign
from tests.api.conftest import bearer, start_body

JOURNEY = "j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A"


def _database_urls(tmp_path: Path) -> list[str]:
    # SQLite: a directory where the file should be ("unable to open database file");
    # PostgreSQL: a closed port (connection refused).
    return [f"sqlite+aiosqlite:///{tmp_path}", "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"]


@pytest.fixture(params=["sqlite", "postgresql"])
async def down(request, tmp_path: Path):
    """The API with its database unreachable (and Temporal too: nothing answers)."""
    url = _database_urls(tmp_path)[0 if request.param == "sqlite" else 1]
    settings = Settings(
        database_url=url,
        temporal_port=1,
        log_format="json",
        database_timeout_seconds=2,
        webhook_secrets="clinic=clinic-secret",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield settings, client


def _unavailable(r: httpx.Response) -> dict:
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) >= 1
    body = r.json()["error"]
    assert body["code"] == "UNAVAILABLE" and body["request_id"]
    return body


async def test_a_database_outage_is_unavailable_on_lists_events_starts_actions_webhooks_and_reference_data(down):
    settings, client = down
    auth = bearer(settings)
    keyed = {**auth, "Idempotency-Key": "k-1"}
    started = time.monotonic()
    answers = [
        await client.get("/v1/journeys", headers=auth),
        await client.get("/v1/cases", headers=auth),
        await client.get(f"/v1/journeys/{JOURNEY}/events", headers=auth),
        await client.get(f"/v1/journeys/{JOURNEY}/state?seq=1", headers=auth),
        await client.get("/v1/p3mi", headers=auth),
        await client.post("/v1/journeys", json=start_body(scheme="P3MI"), headers=keyed),
        await client.post(
            f"/v1/journeys/{JOURNEY}/steps/family_consent/complete",
            json={"evidence": {"consent_ref": "FC-1", "village": "Sumberejo"}},
            headers=keyed,
        ),
    ]
    raw = json.dumps({"event_id": "e-1", "type": "medical.result", "journey_id": JOURNEY, "data": {}}).encode()
    signature = sign(["clinic-secret"], int(time.time()), raw)
    answers.append(
        await client.post(
            "/v1/integrations/clinic/events",
            content=raw,
            headers={"X-PMI-Signature": signature, "Content-Type": "application/json"},
        )
    )
    for r in answers:
        _unavailable(r)
    # Every answer came within the database deadline (a refused connection is answered at once).
    assert time.monotonic() - started < settings.database_timeout_seconds * len(answers)


async def test_readiness_names_every_part_that_is_down(down):
    _, client = down
    r = await client.get("/readyz")
    assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
    body = r.json()["error"]
    assert body["code"] == "UNAVAILABLE"
    checks = body["checks"]
    assert checks["database"].startswith("unavailable") and checks["temporal"].startswith("unavailable")
    assert checks["worker"].startswith("unknown")
    assert "database" in body["message"] and "temporal" in body["message"]


@pytest.mark.parametrize(
    "status", [s for s in RPCStatusCode if s not in (RPCStatusCode.OK, RPCStatusCode.NOT_FOUND)], ids=lambda s: s.name
)
def test_every_temporal_rpc_failure_but_not_found_is_unavailable(status):
    err = as_api_error(RPCError("boom", status, b""))
    assert err is not None and (err.status, err.code) == (503, "UNAVAILABLE")


@pytest.mark.parametrize(
    "exc",
    [
        RPCTimeoutOrCancelledError(),
        WorkflowUpdateRPCTimeoutOrCancelledError(),
        TimeoutError(),
        ConnectionRefusedError(111, "refused"),
        sa_exc.OperationalError("SELECT 1", {}, Exception("database is locked")),
        sa_exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")),
        sa_exc.DBAPIError("SELECT 1", {}, Exception("server closed the connection")),
        sa_exc.TimeoutError("QueuePool limit reached"),
        sa_exc.DisconnectionError("lost"),
    ],
    ids=type,
)
def test_client_timeouts_and_database_failures_are_unavailable(exc):
    err = as_api_error(exc)
    assert err is not None and (err.status, err.code) == (503, "UNAVAILABLE")


@pytest.mark.parametrize(
    "exc",
    [
        sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
        sa_exc.ProgrammingError("SELEC", {}, Exception("syntax error")),
        sa_exc.DataError("INSERT", {}, Exception("value out of range")),
    ],
    ids=type,
)
def test_a_database_error_that_is_a_bug_stays_an_internal_error(exc):
    assert as_api_error(exc) is None
