"""Liveness and readiness (no token)."""

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from api.deps import ServicesDep

router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 3.0


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database(services: Any) -> None:
    async with services.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _temporal(services: Any) -> None:
    client = await services.temporal.client()
    await client.workflow_service.get_system_info(GetSystemInfoRequest())


@router.get(
    "/readyz",
    summary="Readiness: Temporal and the database reachable",
    responses={503: {"description": "UNAVAILABLE with `checks` naming what is down"}},
)
async def readyz(services: ServicesDep) -> JSONResponse:
    checks: dict[str, str] = {}
    for name, check in (("database", _database), ("temporal", _temporal)):
        try:
            await asyncio.wait_for(check(services), CHECK_TIMEOUT)
            checks[name] = "ok"
        except Exception as exc:  # a readiness probe reports, it does not fail
            checks[name] = f"unavailable ({type(exc).__name__})"
    if all(v == "ok" for v in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    body = {"error": {"code": "UNAVAILABLE", "message": "Not ready", "checks": checks}}
    return JSONResponse(body, status_code=503)
