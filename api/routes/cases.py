"""Protection cases: open one on a journey, list, read, act, and read its events (API.md, Protection cases)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from api.deps import CurrentUser, IdempotencyDep, Officer, ServicesDep
from api.schemas.cases import CaseActionIn, CaseStatus, OpenCaseIn
from api.schemas.errors import error_responses
from api.schemas.journeys import Page
from api.services import cases
from domain.case_rules import CaseView
from domain.contracts import CaseType

router = APIRouter(tags=["cases"])

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500)")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")]

_ERRORS = error_responses(
    {
        401: "UNAUTHENTICATED",
        403: "FORBIDDEN (role)",
        404: "NOT_FOUND (unknown, or outside your region)",
        422: "VALIDATION_ERROR with `fields`",
        503: "UNAVAILABLE (Temporal unreachable)",
    }
)
_CHANGE_ERRORS = {
    **_ERRORS,
    **error_responses(
        {
            409: "INVALID_TRANSITION (with `state`), VERSION_CONFLICT (with `current_version`), "
            "IDEMPOTENCY_KEY_REUSED (same Idempotency-Key, different body)"
        }
    ),
}
# The answer of opening, reading and acting on a case: the case.
_CASE = {"description": "The case", "model": CaseView}
# A list or a case's events, read from the store: every role may read.
_READ_ERRORS = {
    **{status: _ERRORS[status] for status in (401, 404, 422)},
    **error_responses({503: "UNAVAILABLE with `Retry-After` (the database is down, slow or too busy)"}),
}


@router.post(
    "/v1/journeys/{journey_id}/cases",
    status_code=201,
    summary="Open a protection case on a journey (officer)",
    response_model=CaseView,
    responses={
        201: _CASE,
        **_CHANGE_ERRORS,
        **error_responses({409: "INVALID_TRANSITION (`state` `ended`): the journey has ended"}),
    },
)
async def open_case(
    journey_id: str, body: OpenCaseIn, caller: Officer, services: ServicesDep, idem: IdempotencyDep
) -> JSONResponse:
    return await idem.run(
        lambda update_id: cases.open_case(services, caller, journey_id, body, update_id), status_code=201
    )


@router.get(
    "/v1/cases",
    summary="List cases (read model, your region)",
    response_model=Page,
    responses={status: _READ_ERRORS[status] for status in (401, 422, 503)},
)
async def list_cases(
    caller: CurrentUser,
    services: ServicesDep,
    status: CaseStatus | None = None,
    case_type: CaseType | None = None,
    province_code: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    overdue: Annotated[
        bool | None, Query(description="true: the supervisor's queue (no first response, deadline passed)")
    ] = None,
    journey_id: Annotated[str | None, Query(max_length=70)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    filters = {
        "status": status,
        "case_type": case_type,
        "province_code": province_code,
        "overdue": overdue,
        "journey_id": journey_id,
    }
    return await cases.list_cases(services, caller, filters, limit, cursor)


@router.get(
    "/v1/cases/{case_id}",
    summary="The case, read from its workflow (never stale)",
    response_model=CaseView,
    responses={200: _CASE, **_ERRORS},
)
async def get_case(case_id: str, caller: CurrentUser, services: ServicesDep) -> CaseView:
    return await cases.get_case(services, caller, case_id)


@router.post(
    "/v1/cases/{case_id}/actions",
    summary="Act on a case (officer; `escalate` and `close` supervisor)",
    response_model=CaseView,
    responses={200: _CASE, **_CHANGE_ERRORS},
)
async def case_action(
    case_id: str, body: CaseActionIn, caller: Officer, services: ServicesDep, idem: IdempotencyDep
) -> JSONResponse:
    return await idem.run(lambda update_id: cases.case_action(services, caller, case_id, body, update_id))


@router.get(
    "/v1/cases/{case_id}/events",
    summary="The case's domain events, oldest first (extension of API.md)",
    response_model=Page,
    responses=_READ_ERRORS,
)
async def list_case_events(
    case_id: str, caller: CurrentUser, services: ServicesDep, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    return await cases.list_case_events(services, caller, case_id, limit, cursor)
