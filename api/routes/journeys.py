"""`/v1/journeys`: start, read, list, act on steps, withdraw, cancel, employment events, events."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from api.deps import CurrentUser, IdempotencyDep, Officer, ServicesDep, Supervisor
from api.schemas.errors import error_responses
from api.schemas.journeys import (
    EmploymentEventIn,
    EndJourneyIn,
    FollowUpIn,
    Page,
    PersonalDataOut,
    SearchIn,
    StartJourneyIn,
    StepActionIn,
    WaiverIn,
)
from api.services import journey_actions, journeys
from domain.steps import STEP_IDS
from domain.view import JourneyView

router = APIRouter(prefix="/v1/journeys", tags=["journeys"])

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500)")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")]

_ERRORS = error_responses(
    {
        401: "UNAUTHENTICATED",
        403: "FORBIDDEN (role)",
        404: "NOT_FOUND (unknown journey, outside your region, or unknown step)",
        422: "VALIDATION_ERROR with `fields`",
        503: "UNAVAILABLE (Temporal unreachable)",
    }
)
_CHANGE_ERRORS = {
    **_ERRORS,
    **error_responses(
        {
            409: "INVALID_TRANSITION (with `state`), VERSION_CONFLICT (with `current_version`), "
            "RULE_VIOLATION (with `rule`), IDEMPOTENCY_KEY_REUSED (same Idempotency-Key, different body)"
        }
    ),
}
# The answer of a start, a read and every change: the journey.
_JOURNEY = {"description": "The journey", "model": JourneyView}
# A list or the events, read from the store: every role may read.
_READ_ERRORS = {
    **{status: _ERRORS[status] for status in (401, 404, 422)},
    **error_responses({503: "UNAVAILABLE with `Retry-After` (the database is down, slow or too busy)"}),
}


@router.post(
    "",
    status_code=201,
    summary="Start a journey (officer)",
    response_model=JourneyView,
    responses={
        201: _JOURNEY,
        **_ERRORS,
        **error_responses(
            {
                403: "FORBIDDEN: role, or the worker's province is outside your region",
                409: "ACTIVE_JOURNEY_EXISTS (with `journey_id`); "
                "RULE_VIOLATION `p3mi_licence_not_active`; IDEMPOTENCY_KEY_REUSED",
                422: "VALIDATION_ERROR with `fields`; also for an unknown `p3mi_id` or `job_order_id`",
            }
        ),
    },
)
async def start_journey(
    body: StartJourneyIn, caller: Officer, services: ServicesDep, idem: IdempotencyDep
) -> JSONResponse:
    return await idem.run(
        lambda request_id: journeys.start_journey(services, caller, body, request_id), status_code=201
    )


@router.get(
    "",
    summary="List journeys (read model, your region)",
    response_model=Page,
    responses={status: _READ_ERRORS[status] for status in (401, 422, 503)},
)
async def list_journeys(
    caller: CurrentUser,
    services: ServicesDep,
    status: Literal["active", "ended"] | None = None,
    phase: Literal["pre_departure", "placement", "reintegration"] | None = None,
    step: Annotated[str | None, Query(max_length=64, description="journeys where this step is available")] = None,
    scheme: Literal["G2G", "P3MI", "INDEPENDENT"] | None = None,
    province_code: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    destination_country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    p3mi_id: Annotated[str | None, Query(max_length=64)] = None,
    flag: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    filters = {
        "status": status,
        "phase": phase,
        "step": step,
        "scheme": scheme,
        "province_code": province_code,
        "destination_country": destination_country,
        "p3mi_id": p3mi_id,
        "flag": flag,
    }
    return await journeys.list_journeys(services, caller, filters, limit, cursor)


@router.post(
    "/search",
    summary="Find a worker's journeys by NIK, newest first (your region); the NIK never goes in a URL",
    response_model=Page,
    responses={401: _ERRORS[401], 422: _ERRORS[422], 503: _ERRORS[503]},
)
async def search_journeys(body: SearchIn, caller: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await journeys.search(services, caller, body.nik)


@router.get(
    "/{journey_id}/personal-data",
    summary="The worker's NIK, name, birth date, phones and passport number in the clear (supervisor, admin)",
    response_model=PersonalDataOut,
    responses={**_ERRORS, **error_responses({403: "FORBIDDEN: only supervisors and admins"})},
)
async def personal_data(journey_id: str, caller: Supervisor, services: ServicesDep) -> dict[str, Any]:
    return await journeys.personal_data(services, caller, journey_id)


@router.get(
    "/{journey_id}",
    summary="The journey, read from the workflow (never stale)",
    response_model=JourneyView,
    responses={200: _JOURNEY, **_ERRORS},
)
async def get_journey(journey_id: str, caller: CurrentUser, services: ServicesDep) -> JourneyView:
    return await journeys.get_journey(services, caller, journey_id)


@router.get(
    "/{journey_id}/events",
    summary="The journey's domain events, oldest first",
    response_model=Page,
    responses=_READ_ERRORS,
)
async def list_events(
    journey_id: str, caller: CurrentUser, services: ServicesDep, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    return await journeys.list_events(services, caller, journey_id, limit, cursor)


# The step ids are listed for clients; an unknown one is 404 NOT_FOUND (API.md), so the path is not
# validated against them.
StepId = Annotated[str, Path(description="A step of DOMAIN.md", json_schema_extra={"enum": list(STEP_IDS)})]


def _step_route(action: Literal["complete", "reject", "waive", "reopen"], who: str) -> None:
    supervisor_only = action in ("waive", "reopen")

    async def act(
        journey_id: str,
        step: StepId,
        body: StepActionIn,
        caller: Supervisor if supervisor_only else Officer,  # type: ignore[valid-type]
        services: ServicesDep,
        idem: IdempotencyDep,
    ) -> JSONResponse:
        return await idem.run(
            lambda update_id: journey_actions.step_action(services, caller, journey_id, step, action, body, update_id)
        )

    act.__name__ = f"{action}_step"
    router.add_api_route(
        "/{journey_id}/steps/{step}/" + action,
        act,
        methods=["POST"],
        summary=f"{action.capitalize()} a step ({who})",
        response_model=JourneyView,
        responses={200: _JOURNEY, **_CHANGE_ERRORS},
    )


for _action, _who in (
    ("complete", "officer"),
    ("reject", "officer"),
    ("waive", "supervisor"),
    ("reopen", "supervisor"),
):
    _step_route(_action, _who)  # type: ignore[arg-type]


def _end_route(kind: str, supervisor_only: bool, summary: str) -> None:
    """`POST /v1/journeys/{id}/<kind>`: withdraw, cancel or close (the `EndJourney` updates)."""

    async def end(
        journey_id: str,
        body: EndJourneyIn,
        caller: Supervisor if supervisor_only else Officer,  # type: ignore[valid-type]
        services: ServicesDep,
        idem: IdempotencyDep,
    ) -> JSONResponse:
        return await idem.run(
            lambda update_id: journey_actions.end_journey(services, caller, journey_id, kind, body, update_id)
        )

    end.__name__ = kind
    responses = {200: _JOURNEY, **_CHANGE_ERRORS}
    router.add_api_route(
        f"/{{journey_id}}/{kind}",
        end,
        methods=["POST"],
        summary=summary,
        response_model=JourneyView,
        responses=responses,
    )


for _kind, _supervisor_only, _summary in (
    ("withdraw", False, "Withdraw, before departure (officer)"),
    ("cancel", True, "Cancel a journey (supervisor)"),
    ("close", True, "Extension: close as completed once the reintegration programme is done (supervisor)"),
):
    _end_route(_kind, _supervisor_only, _summary)


@router.post(
    "/{journey_id}/follow-ups/{number}",
    summary="Extension: record a reintegration follow-up that is due (officer)",
    response_model=JourneyView,
    responses={200: _JOURNEY, **_CHANGE_ERRORS},
)
async def record_follow_up(
    journey_id: str,
    number: Annotated[int, Path(ge=1, le=100)],
    body: FollowUpIn,
    caller: Officer,
    services: ServicesDep,
    idem: IdempotencyDep,
) -> JSONResponse:
    return await idem.run(
        lambda update_id: journey_actions.record_follow_up(services, caller, journey_id, number, body, update_id)
    )


@router.post(
    "/{journey_id}/waivers",
    summary="Extension: waive a rule that blocks the journey, e.g. a destination closed after it started (supervisor)",
    response_model=JourneyView,
    responses={200: _JOURNEY, **_CHANGE_ERRORS},
)
async def waive_rule(
    journey_id: str, body: WaiverIn, caller: Supervisor, services: ServicesDep, idem: IdempotencyDep
) -> JSONResponse:
    return await idem.run(lambda update_id: journey_actions.waive_rule(services, caller, journey_id, body, update_id))


@router.post(
    "/{journey_id}/employment-events",
    summary="Record an employment-period event (officer; extension of API.md)",
    response_model=JourneyView,
    responses={200: _JOURNEY, **_CHANGE_ERRORS},
)
async def record_employment_event(
    journey_id: str, body: EmploymentEventIn, caller: Officer, services: ServicesDep, idem: IdempotencyDep
) -> JSONResponse:
    return await idem.run(
        lambda update_id: journey_actions.record_employment_event(services, caller, journey_id, body, update_id)
    )
