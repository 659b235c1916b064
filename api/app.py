"""The FastAPI application factory: `uvicorn api.app:create_app --factory`."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from temporalio.client import Client

from api import errors, openapi_links, rate_limits
from api.console import routes as console_routes
from api.console import web as console_web
from api.middleware import BodyLimitMiddleware, CodecCorsMiddleware, RequestIdMiddleware, SecurityHeadersMiddleware
from api.routes import audit, audit_record, cases, codec, health, integrations, journeys, reference, reports
from api.services.container import build_services
from api.services.temporal import TemporalGateway
from config import Settings, get_settings
from logs import configure_logging
from store.db import create_engine
from tracing import configure_tracing, instrument_app

DESCRIPTION = """Indonesian migrant workers' journeys (PMI), version 1.

Every `/v1` endpoint except integrations needs `Authorization: Bearer <JWT>` (HS256; claims `sub`, `role`,
`region`, `exp`). Errors: `{"error": {"code", "message", ...}}`.

Extensions beyond the contract: `POST /v1/journeys/{id}/employment-events`, `GET /v1/provinces`,
`GET /v1/countries`, 409 `IDEMPOTENCY_KEY_REUSED` (an `Idempotency-Key` reused with another body),
503 `UNAVAILABLE` while Temporal cannot be reached, 405 `METHOD_NOT_ALLOWED`.
"""


def create_app(settings: Settings | None = None, *, temporal_client: Client | None = None) -> FastAPI:
    """Build the app. `temporal_client` lets tests pass a connected client; otherwise one is connected
    lazily (and retried in the background) so the API starts while Temporal is still booting."""
    settings = settings or get_settings()
    configure_logging(settings, "api")
    configure_tracing(settings, "api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.db_url, timeout_seconds=settings.database_timeout_seconds)
        temporal = TemporalGateway(settings, client=temporal_client)
        temporal.connect_in_background()
        app.state.services = build_services(settings, engine, temporal)
        try:
            yield
        finally:
            app.state.services.close()
            await temporal.close()
            await engine.dispose()

    app = FastAPI(
        title="PMI journey engine",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.rate_limits = rate_limits.RateLimits(settings)
    errors.install(app)
    _document(app)
    for module in (health, journeys, audit, audit_record, cases, integrations, reference, reports, codec):
        app.include_router(module.router)
    app.include_router(console_routes.router)
    app.state.error_pages = console_web.error_page  # the console's errors are pages, not JSON
    app.mount("/console/static", console_routes.static, name="console-static")
    # Added last = outermost: the request id exists before the body limit can answer.
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(CodecCorsMiddleware, origins=settings.codec_origins)
    app.add_middleware(RequestIdMiddleware)
    # Outermost: every answer carries them, the body limit's and the request id's own included.
    app.add_middleware(SecurityHeadersMiddleware)
    instrument_app(app)
    return app


def _document(app: FastAPI) -> None:
    """`/openapi.json` is FastAPI's document with the links (api.openapi_links) and the 429 answers
    (api.rate_limits) added; built once, as FastAPI's own is."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = rate_limits.document(openapi_links.add_links(build()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
