"""Audit (auditor, admin; officers and supervisors for their region): state as of, verify, export."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import Admin, CurrentUser, ServicesDep
from api.schemas import MAX_INT32, RecentInstant
from api.schemas.errors import error_responses
from api.services import audit, erasure
from domain.audit_signing import canonical_bytes
from domain.view import JourneyView

router = APIRouter(prefix="/v1/journeys", tags=["audit"])

_ERRORS = error_responses(
    {
        401: "UNAUTHENTICATED",
        404: "NOT_FOUND (unknown journey, outside your region, or no events then)",
        422: "VALIDATION_ERROR with `fields`",
        503: "UNAVAILABLE (Temporal or the database)",
    }
)


@router.get(
    "/{journey_id}/state",
    summary="The journey as it stood at a time or after an event",
    response_model=JourneyView,
    responses={200: {"description": "The journey as it stood then", "model": JourneyView}, **_ERRORS},
)
async def state_as_of(
    journey_id: str,
    caller: CurrentUser,
    services: ServicesDep,
    as_of: Annotated[RecentInstant | None, Query(description="ISO 8601 time with zone, within 50 years")] = None,
    seq: Annotated[int | None, Query(ge=1, le=MAX_INT32, description="the journey after event `seq`")] = None,
) -> JourneyView:
    return await audit.state_at(services, caller, journey_id, as_of, seq)


@router.post(
    "/{journey_id}/verify",
    summary="Check the hash chain, replay every recorded workflow run, compare the fold with the live state",
    responses={
        **_ERRORS,
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "hash_chain": "ok",
                        "broken_at_seq": None,
                        "replay": "ok",
                        "runs_replayed": 2,
                        "state_matches": True,
                        "cases": [
                            {"case_id": "c_01JQ8Z5V7Q3M0X2N4R6T8W0Y2B", "hash_chain": "ok", "broken_at_seq": None}
                        ],
                    }
                }
            }
        },
    },
)
async def verify(journey_id: str, caller: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await audit.verify(services, caller, journey_id)


@router.get(
    "/{journey_id}/export",
    summary="The signed export bundle: the journey, its events, cases, workflow histories and checkpoints",
    description="Canonical JSON (sorted keys, no spaces), signed with the engine's Ed25519 key: save the body as "
    "it is and check it offline with `pmi audit check-export FILE --public-key KEY` (docs/audit.md).",
    responses={**_ERRORS, 200: {"content": {"application/json": {}}}},
    response_class=Response,
)
async def export(journey_id: str, caller: CurrentUser, services: ServicesDep) -> Response:
    bundle = await audit.export(services, caller, journey_id)
    return Response(canonical_bytes(bundle), media_type="application/json")


@router.post(
    "/{journey_id}/erase",
    summary="Erase an ended journey's personal data by destroying its keys; its chain still verifies (admin)",
    responses={
        **_ERRORS,
        **error_responses(
            {
                403: "FORBIDDEN (only admins)",
                409: "INVALID_TRANSITION (the journey has not ended); RULE_VIOLATION `workflows_still_open`",
                503: "UNAVAILABLE (Temporal or the database); ask again to finish the erasure",
            }
        ),
    },
)
async def erase(journey_id: str, caller: Admin, services: ServicesDep) -> dict[str, Any]:
    return await erasure.erase(services, caller, journey_id)
