"""Reference data: the P3MI registry, job orders, provinces and countries."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from api.schemas.reference import CountryPatch, JobOrderIn, JobOrderPatch, P3miIn, P3miPatch
from api.services.container import Services
from api.services.errors import Duplicate, invalid, not_found
from domain.contracts import StandingSweep
from domain.errors import RuleViolation
from store.catalogues import CLINICS, HOLIDAYS, MISSIONS, P3MI, TRAINING_CENTRES, Catalogue
from store.errors import AlreadyExists
from workflows.standing import broadcast_id


def _page(result: Any) -> dict[str, Any]:
    items, next_cursor = result
    return {"items": list(items), "next_cursor": next_cursor}


async def list_p3mi(services: Services, limit: int, cursor: str | None) -> dict[str, Any]:
    return await list_catalogue(services, P3MI, limit, cursor)


async def get_p3mi(services: Services, p3mi_id: str) -> dict[str, Any]:
    found = await services.reference.get_p3mi(p3mi_id)
    if found is None:
        raise not_found("P3MI not found")
    return found


async def create_p3mi(services: Services, body: P3miIn) -> dict[str, Any]:
    try:
        return await services.reference.create_p3mi(body.model_dump(mode="json"))
    except ValueError as exc:
        raise invalid([], "The P3MI is not valid") from exc
    except AlreadyExists as exc:
        raise Duplicate("A P3MI with this id exists", p3mi_id=body.p3mi_id) from exc


async def patch_p3mi(services: Services, p3mi_id: str, body: P3miPatch) -> dict[str, Any]:
    changes = body.model_dump(mode="json", exclude_unset=True)
    try:
        found = await services.reference.patch_p3mi(p3mi_id, changes)
    except ValueError as exc:
        raise invalid(sorted(changes), "The change is not valid") from exc
    if found is None:
        raise not_found("P3MI not found")
    if {"licence_status", "licence_valid_until"} & set(changes):
        await _tell_journeys(services, "p3mi_licence", p3mi_id)
    return found


async def _tell_journeys(services: Services, kind: str, key: str) -> None:
    """Start the broadcast that tells the journeys not yet departed (`workflows.standing`). Started for
    every change that names the licence or the status, changed or not: an admin who repeats a change
    after a 503 (Temporal unreachable) gets the journeys told."""
    client = await services.temporal.client()
    await client.start_workflow(
        "StandingBroadcastWorkflow",
        StandingSweep(kind=kind, key=key),
        id=broadcast_id(kind, key),
        task_queue=services.settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )


async def list_job_orders(
    services: Services, limit: int, cursor: str | None, filters: dict[str, Any]
) -> dict[str, Any]:
    present = {k: v for k, v in filters.items() if v is not None}
    try:
        return _page(await services.reference.list_job_orders(limit, cursor, **present))
    except ValueError as exc:
        raise invalid(["cursor"], "The cursor is not valid") from exc


async def get_job_order(services: Services, job_order_id: str) -> dict[str, Any]:
    found = await services.reference.get_job_order(job_order_id)
    if found is None:
        raise not_found("Job order not found")
    return found


async def create_job_order(services: Services, body: JobOrderIn) -> dict[str, Any]:
    if body.scheme == "P3MI":
        if not body.p3mi_id:
            raise invalid(["p3mi_id"], "p3mi_id is required for a P3MI job order")
        if await services.reference.get_p3mi(body.p3mi_id) is None:
            raise invalid(["p3mi_id"], "Unknown P3MI")
    elif body.p3mi_id:
        raise invalid(["p3mi_id"], "p3mi_id is not allowed for a G2G job order")
    try:
        return await services.reference.create_job_order(body.model_dump())
    except ValueError as exc:
        raise invalid([], "The job order is not valid") from exc
    except AlreadyExists as exc:
        raise Duplicate("A job order with this id exists", job_order_id=body.job_order_id) from exc


async def patch_job_order(services: Services, job_order_id: str, body: JobOrderPatch) -> dict[str, Any]:
    changes = body.model_dump(mode="json", exclude_unset=True)
    try:
        found = await services.reference.patch_job_order(job_order_id, changes)
    except ValueError as exc:
        if "quota" in changes:
            raise RuleViolation("quota_below_filled", "The quota cannot go below the units filled") from exc
        raise invalid(sorted(changes), "The change is not valid") from exc
    if found is None:
        raise not_found("Job order not found")
    return found


async def list_provinces(services: Services) -> dict[str, Any]:
    return {"items": list(await services.reference.list_provinces()), "next_cursor": None}


async def list_countries(services: Services) -> dict[str, Any]:
    return {"items": list(await services.reference.list_countries()), "next_cursor": None}


async def list_catalogue(services: Services, cat: Catalogue, limit: int, cursor: str | None) -> dict[str, Any]:
    try:
        return _page(await services.reference.catalogues.list(cat, limit, cursor))
    except ValueError as exc:
        raise invalid(["cursor"], "The cursor is not valid") from exc


async def get_catalogue_entry(services: Services, cat: Catalogue, code: str) -> dict[str, Any]:
    found = await services.reference.catalogues.get(cat, code)
    if found is None:
        raise not_found(f"{cat.kind.capitalize()} not found")
    return found


async def create_catalogue_entry(services: Services, cat: Catalogue, body: BaseModel) -> dict[str, Any]:
    item = body.model_dump(mode="json")
    try:
        return await services.reference.catalogues.create(cat, item)
    except ValueError as exc:
        raise invalid([], f"The {cat.kind} is not valid") from exc
    except AlreadyExists as exc:
        raise Duplicate(f"A {cat.kind} with this id exists", **{cat.key: item[cat.key]}) from exc


async def patch_catalogue_entry(services: Services, cat: Catalogue, code: str, body: BaseModel) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    try:
        found = await services.reference.catalogues.patch(cat, code, changes)
    except ValueError as exc:
        raise invalid(sorted(changes), "The change is not valid") from exc
    if found is None:
        raise not_found(f"{cat.kind.capitalize()} not found")
    return found


async def set_country_status(services: Services, code: str, body: CountryPatch) -> dict[str, Any]:
    found = await services.reference.set_country_status(code, body.status)
    if found is None:
        raise not_found("Country not found")
    await _tell_journeys(services, "destination", code)
    return found


# The evidence and event fields that name an entry of a catalogue: an unknown code is 422 (API.md).
CODE_FIELDS: dict[str, Catalogue] = {"clinic_id": CLINICS, "institution_id": TRAINING_CENTRES, "mission": MISSIONS}


async def check_codes(services: Services, data: dict[str, Any], prefix: str) -> None:
    """422 naming each field of `data` (`<prefix>.clinic_id`, ...) whose code no catalogue holds."""
    unknown = [
        f"{prefix}.{name}"
        for name, cat in CODE_FIELDS.items()
        if isinstance(data.get(name), str) and not await services.reference.catalogues.exists(cat, data[name])
    ]
    if unknown:
        raise invalid(unknown, "Unknown reference code")


async def delete_holiday(services: Services, day: str) -> None:
    if not await services.reference.catalogues.delete(HOLIDAYS, day):
        raise not_found("Public holiday not found")


async def holidays_ahead(services: Services, days: int) -> list[date]:
    """The public holidays from yesterday (a province east of UTC may already be on today's date) to
    well past `days` working days from now: what a deadline counted in working days may meet."""
    today = datetime.now(UTC).date()
    return await services.reference.catalogues.holidays_between(
        today - timedelta(days=1), today + timedelta(days=2 * days + 60)
    )
