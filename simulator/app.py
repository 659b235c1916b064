"""The simulator's FastAPI app: `create_app(config)`.

Validation errors are answered here, once, without echoing submitted values (a simulated
Dukcapil must not print back the NIK it was sent), and are entered in the ledger like
any other call so `/_calls` really lists every call.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from simulator import control, systems
from simulator.config import SYSTEMS, SimulatorConfig
from simulator.state import Simulator
from simulator.webhooks import WebhookSender


def create_app(config: SimulatorConfig) -> FastAPI:
    """Build the simulator. Webhook delivery tasks live as long as the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=httpx.Timeout(config.webhook_timeout_seconds)) as client:
            sender = WebhookSender(
                client,
                config.resolved_engine_url(),
                config.resolved_webhook_secrets(),
                max_attempts=config.webhook_max_attempts,
                backoff_seconds=config.webhook_backoff_seconds,
                backoff_max_seconds=config.webhook_backoff_max_seconds,
            )
            app.state.simulator = Simulator(config, sender)
            try:
                yield
            finally:
                await sender.aclose()

    app = FastAPI(
        title="PMI external-systems simulator",
        description=(
            "Dukcapil, SISKOP2MI, Imigrasi, BPJS TK and a notification gateway (SMS, channels), "
            "simulated over HTTP; the hotline and embassies file complaints through `/_complaints`."
        ),
        lifespan=lifespan,
    )
    app.include_router(systems.router)
    app.include_router(control.router)

    @app.exception_handler(RequestValidationError)
    async def validation_failed(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [".".join(str(p) for p in err.get("loc", ())) for err in exc.errors()]
        parts = request.url.path.strip("/").split("/")
        if parts and parts[0] in SYSTEMS:
            sim: Simulator = request.app.state.simulator
            endpoint = "/".join(parts[2:])
            sim.ledger.record(parts[0], endpoint, request.headers.get("Idempotency-Key"), 422, effect=False)
        return JSONResponse({"error": "invalid request", "fields": fields}, status_code=422)

    return app
