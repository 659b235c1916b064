"""Reference data (admin writes; every role reads)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from api.deps import Admin, CurrentUser, ServicesDep
from api.schemas.errors import error_responses
from api.schemas.journeys import Page
from api.schemas.reference import (
    ClinicIn,
    ClinicPatch,
    CountryPatch,
    HolidayIn,
    HolidayPatch,
    JobOrderIn,
    JobOrderPatch,
    MissionIn,
    MissionPatch,
    P3miIn,
    P3miPatch,
    TrainingCentreIn,
    TrainingCentrePatch,
)
from api.services import reference
from store.catalogues import CLINICS, HOLIDAYS, MISSIONS, TRAINING_CENTRES, Catalogue

router = APIRouter(prefix="/v1", tags=["reference data"])

Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=200)]
_READ = error_responses(
    {
        401: "UNAUTHENTICATED",
        422: "VALIDATION_ERROR with `fields`",
        503: "UNAVAILABLE with `Retry-After` (the database is down, slow or too busy)",
    }
)
_ONE = {**_READ, **error_responses({404: "NOT_FOUND"})}
_CREATE = {**_READ, **error_responses({403: "FORBIDDEN (admin only)", 409: "ALREADY_EXISTS"})}
_PATCH = {**_ONE, **error_responses({403: "FORBIDDEN (admin only)", 409: "RULE_VIOLATION (with `rule`)"})}
_UNPARAMETERISED = {status: _READ[status] for status in (401, 503)}


@router.get("/p3mi", response_model=Page, responses=_READ, summary="List P3MI companies")
async def list_p3mi(caller: CurrentUser, services: ServicesDep, limit: Limit = 50, cursor: Cursor = None) -> Any:
    return await reference.list_p3mi(services, limit, cursor)


@router.post("/p3mi", status_code=201, responses=_CREATE, summary="Register a P3MI (admin)")
async def create_p3mi(body: P3miIn, caller: Admin, services: ServicesDep) -> dict[str, Any]:
    return await reference.create_p3mi(services, body)


@router.get("/p3mi/{p3mi_id}", responses=_ONE, summary="One P3MI")
async def get_p3mi(p3mi_id: str, caller: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await reference.get_p3mi(services, p3mi_id)


@router.patch("/p3mi/{p3mi_id}", responses=_PATCH, summary="Change a P3MI, e.g. its licence status (admin)")
async def patch_p3mi(p3mi_id: str, body: P3miPatch, caller: Admin, services: ServicesDep) -> dict[str, Any]:
    return await reference.patch_p3mi(services, p3mi_id, body)


@router.get("/job-orders", response_model=Page, responses=_READ, summary="List job orders")
async def list_job_orders(
    caller: CurrentUser,
    services: ServicesDep,
    scheme: Literal["P3MI", "G2G"] | None = None,
    p3mi_id: Annotated[str | None, Query(max_length=64)] = None,
    destination_country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    status: Literal["open", "closed"] | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    filters = {
        "scheme": scheme,
        "p3mi_id": p3mi_id,
        "destination_country": destination_country,
        "status": status,
    }
    return await reference.list_job_orders(services, limit, cursor, filters)


@router.post("/job-orders", status_code=201, responses=_CREATE, summary="Create a job order (admin)")
async def create_job_order(body: JobOrderIn, caller: Admin, services: ServicesDep) -> dict[str, Any]:
    return await reference.create_job_order(services, body)


@router.get("/job-orders/{job_order_id}", responses=_ONE, summary="One job order")
async def get_job_order(job_order_id: str, caller: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await reference.get_job_order(services, job_order_id)


@router.patch("/job-orders/{job_order_id}", responses=_PATCH, summary="Change a job order (admin)")
async def patch_job_order(
    job_order_id: str, body: JobOrderPatch, caller: Admin, services: ServicesDep
) -> dict[str, Any]:
    return await reference.patch_job_order(services, job_order_id, body)


@router.get("/provinces", response_model=Page, responses=_UNPARAMETERISED, summary="Provinces (extension)")
async def list_provinces(caller: CurrentUser, services: ServicesDep) -> Any:
    return await reference.list_provinces(services)


@router.get("/countries", response_model=Page, responses=_UNPARAMETERISED, summary="Destination countries (extension)")
async def list_countries(caller: CurrentUser, services: ServicesDep) -> Any:
    return await reference.list_countries(services)


@router.patch(
    "/countries/{code}",
    responses={**_ONE, **error_responses({403: "FORBIDDEN (admin only)"})},
    summary="Open or close a destination country (admin); a closed one refuses new journeys",
)
async def patch_country(
    code: Annotated[str, Path(pattern=r"^[A-Z]{2}$", examples=["SA"])],
    body: CountryPatch,
    caller: Admin,
    services: ServicesDep,
) -> dict[str, Any]:
    return await reference.set_country_status(services, code, body)


# An entry of each catalogue the seed holds: the documented example of its id names something real.
SEEDED_EXAMPLES = {
    "clinics": "CLN-3374-01",
    "training-centres": "LPK-3374-01",
    "missions": "KDEI-TPE",
    "holidays": "2026-03-20",
}


def _catalogue_routes(path: str, cat: Catalogue, created: type[BaseModel], patch: type[BaseModel]) -> None:
    """GET/POST `/v1/<path>` and GET/PATCH `/v1/<path>/{<id>}` for one catalogue (API.md, Reference
    data): every role reads, admins write. The path parameter is named as API.md names the id."""
    one = f"/{path}/{{{cat.key}}}"
    code_param = Annotated[str, Path(alias=cat.key, max_length=64, examples=[SEEDED_EXAMPLES[path]])]
    plural = path.replace("-", " ")

    async def list_entries(caller: CurrentUser, services: ServicesDep, limit: Limit = 50, cursor: Cursor = None) -> Any:
        return await reference.list_catalogue(services, cat, limit, cursor)

    async def create_entry(body: created, caller: Admin, services: ServicesDep) -> dict[str, Any]:  # type: ignore[valid-type]
        return await reference.create_catalogue_entry(services, cat, body)

    async def get_entry(code: code_param, caller: CurrentUser, services: ServicesDep) -> dict[str, Any]:
        return await reference.get_catalogue_entry(services, cat, code)

    async def patch_entry(code: code_param, body: patch, caller: Admin, services: ServicesDep) -> dict[str, Any]:  # type: ignore[valid-type]
        return await reference.patch_catalogue_entry(services, cat, code, body)

    name = path.replace("-", "_")
    router.add_api_route(
        f"/{path}",
        list_entries,
        methods=["GET"],
        response_model=Page,
        responses=_READ,
        summary=f"List {plural}",
        operation_id=f"list_{name}",
    )
    router.add_api_route(
        f"/{path}",
        create_entry,
        methods=["POST"],
        status_code=201,
        responses=_CREATE,
        summary=f"Register a {cat.kind} (admin)",
        operation_id=f"create_{name}",
    )
    router.add_api_route(
        one,
        get_entry,
        methods=["GET"],
        responses=_ONE,
        summary=f"One {cat.kind}",
        operation_id=f"get_{name}",
    )
    router.add_api_route(
        one,
        patch_entry,
        methods=["PATCH"],
        responses=_PATCH,
        summary=f"Change a {cat.kind} (admin)",
        operation_id=f"patch_{name}",
    )


_catalogue_routes("clinics", CLINICS, ClinicIn, ClinicPatch)
_catalogue_routes("training-centres", TRAINING_CENTRES, TrainingCentreIn, TrainingCentrePatch)
_catalogue_routes("missions", MISSIONS, MissionIn, MissionPatch)
_catalogue_routes("holidays", HOLIDAYS, HolidayIn, HolidayPatch)


@router.delete(
    "/holidays/{date}",
    status_code=204,
    responses={**_ONE, 204: {"description": "Removed"}, **error_responses({403: "FORBIDDEN (admin only)"})},
    summary="Remove a public holiday, e.g. one the government moved (admin; extension)",
)
async def delete_holiday(
    # Not a seeded holiday: an example of a removal leaves the seeded ones for the reads.
    day: Annotated[str, Path(alias="date", pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", examples=["2026-12-24"])],
    caller: Admin,
    services: ServicesDep,
) -> Response:
    await reference.delete_holiday(services, day)
    return Response(status_code=204)
