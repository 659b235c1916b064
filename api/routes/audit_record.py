"""The published audit record (API.md, Audit): signed checkpoints of chain heads, and the public keys."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AuditReader, CurrentUser, ServicesDep
from api.schemas import RecentInstant
from api.schemas.access_log import AccessLogPage
from api.schemas.audit_record import AuditKeyList, CheckpointPage
from api.schemas.errors import error_responses
from api.services import access, audit_record

router = APIRouter(prefix="/v1/audit", tags=["audit"])

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500)")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")]
StreamId = Annotated[
    str | None,
    Query(
        pattern=r"^[jc]_[0-9A-Za-z]{1,64}$",
        description="A journey id (`j_...`) or a case id (`c_...`); officers and supervisors must give one",
    ),
]

_ERRORS = error_responses(
    {
        401: "UNAUTHENTICATED",
        403: "FORBIDDEN (an officer or supervisor without `stream_id`)",
        404: "NOT_FOUND (the stream is unknown, or outside your region)",
        422: "VALIDATION_ERROR with `fields`",
        503: "UNAVAILABLE with `Retry-After` (the database is down, slow or too busy)",
    }
)


@router.get(
    "/checkpoints",
    summary="Signed chain heads, oldest first (auditor, admin; officers for a stream of their region)",
    response_model=CheckpointPage,
    responses=_ERRORS,
)
async def list_checkpoints(
    caller: CurrentUser, services: ServicesDep, stream_id: StreamId = None, limit: Limit = 50, cursor: Cursor = None
) -> CheckpointPage:
    return await audit_record.list_checkpoints(services, caller, stream_id, limit, cursor)


@router.get(
    "/access-log",
    summary="Who read or decoded whose personal data, when and through what, newest first (auditor, admin)",
    response_model=AccessLogPage,
    responses={**_ERRORS, **error_responses({403: "FORBIDDEN (only auditors and admins)"})},
)
async def list_access_log(
    caller: AuditReader,
    services: ServicesDep,
    journey_id: Annotated[str | None, Query(pattern=r"^j_[0-9A-Za-z]{1,64}$")] = None,
    sub: Annotated[str | None, Query(min_length=1, max_length=200, description="the reader (JWT `sub`)")] = None,
    since: Annotated[RecentInstant | None, Query(description="ISO 8601 time with zone (inclusive)")] = None,
    until: Annotated[RecentInstant | None, Query(description="ISO 8601 time with zone (inclusive)")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AccessLogPage:
    return await access.list_access_log(services, journey_id, sub, since, until, limit, cursor)


@router.get(
    "/keys",
    summary="The public keys that check the checkpoints and exports, retired ones included",
    response_model=AuditKeyList,
    responses={401: _ERRORS[401], 503: _ERRORS[503]},
)
async def list_keys(caller: CurrentUser, services: ServicesDep) -> AuditKeyList:
    return await audit_record.list_keys(services)
