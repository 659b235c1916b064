"""Liveness and readiness (no token).

Ready means every part a request may need answers: the database, the Temporal server, and a worker
polling the journey task queue (without one, updates and queries wait for nothing). Each check
has its own deadline, and the answer names what is missing.
"""

import asyncio
import time
from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, GetSystemInfoRequest

from api.deps import ServicesDep
from api.schemas.errors import error_responses

router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 3.0


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """The API process's metrics in Prometheus's text format (`metrics.py`): no personal data, no ids."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database(services: Any) -> None:
    async with services.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _temporal(services: Any) -> None:
    client = await services.temporal.client()
    await client.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=timedelta(seconds=CHECK_TIMEOUT))


class NoWorker(Exception):
    """No worker has polled the journey task queue within the window."""


async def _worker(services: Any) -> None:
    """A worker long-polls the task queue, and Temporal records when each poller last came back: one
    seen within `PMI_READY_WORKER_SECONDS` (longer than a long poll, about a minute) is alive."""
    settings = services.settings
    client = await services.temporal.client()
    request = DescribeTaskQueueRequest(
        namespace=settings.temporal_namespace,
        task_queue=TaskQueue(name=settings.task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    answer = await client.workflow_service.describe_task_queue(request, timeout=timedelta(seconds=CHECK_TIMEOUT))
    now = time.time()
    if not any(now - p.last_access_time.ToSeconds() <= settings.ready_worker_seconds for p in answer.pollers):
        raise NoWorker(f"no worker polled task queue {settings.task_queue!r} in {settings.ready_worker_seconds:g} s")


async def _check(check: Any, services: Any) -> str:
    try:
        await asyncio.wait_for(check(services), CHECK_TIMEOUT)
        return "ok"
    except NoWorker as exc:
        return f"unavailable ({exc})"
    except Exception as exc:  # a readiness probe reports, it does not fail
        return f"unavailable ({type(exc).__name__})"


@router.get(
    "/readyz",
    summary="Readiness: the database, Temporal and a worker answer",
    responses=error_responses({503: "UNAVAILABLE with `checks` naming what is down (database, temporal, worker)"}),
)
async def readyz(services: ServicesDep) -> JSONResponse:
    database, temporal = await asyncio.gather(_check(_database, services), _check(_temporal, services))
    # Without Temporal there is nobody to ask about workers.
    worker = await _check(_worker, services) if temporal == "ok" else "unknown (Temporal is unavailable)"
    checks = {"database": database, "temporal": temporal, "worker": worker}
    if all(v == "ok" for v in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    missing = [name for name, v in checks.items() if v != "ok"]
    body = {
        "error": {"code": "UNAVAILABLE", "message": f"Not ready: {', '.join(missing)}", "checks": checks},
    }
    retry = str(services.settings.retry_after_seconds)
    return JSONResponse(body, status_code=503, headers={"Retry-After": retry})
