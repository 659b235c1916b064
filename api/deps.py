"""Dependencies of the routes as `Annotated` aliases (STYLE 6)."""

import hashlib
import json
from typing import Annotated

from fastapi import Depends, Header, Request

from api.auth import ACTORS, ADMINS, AUDITORS, READERS, REPORTERS, SUPERVISORS, Caller, require_roles
from api.idempotency import Idempotency
from api.services import access
from api.services.container import Services
from config import Settings as _Settings


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_settings(request: Request) -> _Settings:
    return request.app.state.settings


async def get_idempotency(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    caller: Annotated[Caller, Depends(require_roles(*READERS))],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Retrying with the same key and body returns the first response again.",
        ),
    ] = None,
) -> Idempotency:
    """The request's idempotency context: scope = caller + method + path, and the body's hash."""
    raw = await request.body()
    try:
        canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):  # not JSON: the body's own validation answers it
        canonical = raw.decode("utf-8", "replace")
    body_hash = hashlib.sha256(canonical.encode()).hexdigest()
    scope = f"{caller.sub} {request.method} {request.url.path}"
    settings = services.settings

    async def replayed(body: dict) -> None:
        await access.record(services, caller, [body["journey_id"]], "idempotent_replay", access.JOURNEY_FIELDS)

    return Idempotency(
        services.idempotency,
        scope,
        idempotency_key,
        body_hash,
        wait_seconds=settings.idempotency_wait_seconds,
        lease_seconds=settings.idempotency_lease_seconds,
        retry_after=settings.retry_after_seconds,
        sealer=services.journey_keys,
        on_replay=replayed,
    )


ServicesDep = Annotated[Services, Depends(get_services)]
Settings = Annotated[_Settings, Depends(get_settings)]
CurrentUser = Annotated[Caller, Depends(require_roles(*READERS))]
Officer = Annotated[Caller, Depends(require_roles(*ACTORS))]
Supervisor = Annotated[Caller, Depends(require_roles(*SUPERVISORS))]
Admin = Annotated[Caller, Depends(require_roles(*ADMINS))]
AuditReader = Annotated[Caller, Depends(require_roles(*AUDITORS))]
Reporter = Annotated[Caller, Depends(require_roles(*REPORTERS))]
IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
