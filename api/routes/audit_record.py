"""The published audit record (API.md, Audit): signed checkpoints of chain heads, and the public keys."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CurrentUser, ServicesDep
from api.schemas.audit_record import AuditKeyList, CheckpointPage
from api.services import audit_record

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

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "UNAUTHENTICATED"},
    403: {"description": "FORBIDDEN (an officer or supervisor without `stream_id`)"},
    404: {"description": "NOT_FOUND (the stream is unknown, or outside your region)"},
    422: {"description": "VALIDATION_ERROR with `fields`"},
}


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
    "/keys",
    summary="The public keys that check the checkpoints and exports, retired ones included",
    response_model=AuditKeyList,
    responses={401: _ERRORS[401]},
)
async def list_keys(caller: CurrentUser, services: ServicesDep) -> AuditKeyList:
    return await audit_record.list_keys(services)
