"""Starting journeys and reading them (API.md, Journeys)."""

import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import structlog
from fastapi import Response
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.service import RPCError
from ulid import ULID

from api.admission import list_admission
from api.auth import Caller
from api.schemas.journeys import StartJourneyIn
from api.services import access
from api.services.container import Services
from api.services.errors import ActiveJourneyExists, invalid, not_found
from api.services.journey_access import (
    describe_or_none,
    find_in_store,
    find_journey,
    province_of,
    query_state,
    release_if_left_behind,
)
from api.services.temporal import within_deadline
from domain import decide, timeline
from domain.commit import commit
from domain.contracts import StartJourney, WorkerProfile
from domain.decide import Emitted
from domain.errors import RuleViolation
from domain.evolve import evolve
from domain.job_orders import job_order_refusal
from domain.pii import mask_nik, mask_phone
from domain.rules import CURRENT
from domain.standing import DESTINATION_CLOSED, LICENCE_NOT_ACTIVE, licence_problem
from domain.state import JourneyState
from domain.view import JourneyView, journey_view
from store.identity import nik_hash
from store.pii import WorkerPii
from store.read_model import JourneyFilters
from workflows import search_attributes as sa

log = structlog.get_logger(__name__)
WORKFLOW = "JourneyWorkflow"
_CURSOR = re.compile(r"[0-9]{1,18}")


async def _check_placement(services: Services, body: StartJourneyIn) -> date | None:
    """Scheme rules the API can check before anything is stored; the last valid day of the P3MI's
    licence, which the journey keeps (an expired licence counts as not active)."""
    valid_until: date | None = None
    if body.scheme == "P3MI" and not body.p3mi_id:
        raise invalid(["p3mi_id"], "p3mi_id is required for the P3MI scheme")
    if body.scheme != "P3MI" and body.p3mi_id:
        raise invalid(["p3mi_id"], f"p3mi_id is not allowed for the {body.scheme} scheme")
    if body.p3mi_id:
        p3mi = await services.reference.get_p3mi(body.p3mi_id)
        if p3mi is None:
            raise invalid(["p3mi_id"], "Unknown P3MI")
        valid_until = date.fromisoformat(p3mi["licence_valid_until"]) if p3mi.get("licence_valid_until") else None
        if licence_problem(body.p3mi_id, p3mi.get("licence_status"), valid_until, datetime.now(UTC)):
            raise RuleViolation(LICENCE_NOT_ACTIVE, "The P3MI's licence is not active")
    if body.job_order_id:
        job_order = await services.reference.get_job_order(body.job_order_id)
        if job_order is None:
            raise invalid(["job_order_id"], "Unknown job order")
        refused = job_order_refusal(job_order, body.scheme, body.p3mi_id, body.destination_country)
        if refused:
            raise RuleViolation(refused[0], refused[1])
    country = await services.reference.get_country(body.destination_country)
    if country is not None and country["status"] == "closed":
        raise RuleViolation(DESTINATION_CLOSED, "The destination country is closed")
    return valid_until


def _start_input(
    services: Services, caller: Caller, journey_id: str, body: StartJourneyIn, licence_valid_until: date | None
) -> StartJourney:
    w = body.worker
    profile = WorkerProfile(
        nik_masked=mask_nik(w.nik),
        full_name=w.full_name,
        birth_date=w.birth_date,
        gender=w.gender,
        phone_masked=mask_phone(w.phone) if w.phone else None,
        province_code=w.province_code,
        regency_code=w.regency_code,
    )
    return StartJourney(
        journey_id=journey_id,
        scheme=body.scheme,
        worker=profile,
        p3mi_id=body.p3mi_id,
        job_order_id=body.job_order_id,
        destination_country=body.destination_country,
        occupation=body.occupation,
        sector=body.sector,
        actor=caller.actor,
        policy=services.settings.policy(),
        continue_as_new_after=services.settings.journey_continue_as_new_after,
        p3mi_licence_valid_until=licence_valid_until,
        requested_at=datetime.now(UTC),
    )


def _initial_search_attributes(body: StartJourneyIn) -> TypedSearchAttributes:
    # Set at start so the region check (`describe`) works before any worker has run the journey.
    pairs: list[SearchAttributePair] = [
        SearchAttributePair(sa.JOURNEY_STATUS, "active"),
        SearchAttributePair(sa.JOURNEY_PHASE, "pre_departure"),
        SearchAttributePair(sa.JOURNEY_SCHEME, body.scheme),
        SearchAttributePair(sa.PROVINCE, body.worker.province_code),
        SearchAttributePair(sa.DESTINATION, body.destination_country),
    ]
    if body.p3mi_id:
        pairs.append(SearchAttributePair(sa.P3MI, body.p3mi_id))
    return TypedSearchAttributes(pairs)


async def start_journey(
    services: Services, caller: Caller, body: StartJourneyIn, request_id: str | None = None
) -> JourneyView:
    """Claim the NIK, put the personal data in the vault, start the workflow; 201 with the journey.

    `request_id` (from the `Idempotency-Key`) is kept in the workflow's memo: a retry of a start that
    did start a journey, but whose answer was lost to a timeout, answers that journey, not a 409."""
    caller.check_province_for_write(body.worker.province_code)
    licence_valid_until = await _check_placement(services, body)
    settings = services.settings
    client = await services.temporal.client()
    journey_id = f"j_{ULID()}"
    # The claim is atomic in the store: of two concurrent starts for one NIK exactly one wins.
    hashed = nik_hash(body.worker.nik, settings.nik_hash_key)
    existing = await services.identity.claim(hashed, journey_id)
    if existing and await release_if_left_behind(services, existing):
        existing = await services.identity.claim(hashed, journey_id)
    if existing and request_id and await _started_by(client, existing, request_id):
        return await get_journey(services, caller, existing)
    if existing:
        raise ActiveJourneyExists("This NIK has an active journey", journey_id=existing)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    try:
        w = body.worker
        pii = WorkerPii(
            nik=w.nik, full_name=w.full_name, birth_date=w.birth_date, phone=w.phone, family_phone=w.family_phone
        )
        await services.vault.put(journey_id, pii, hashed)
        start_input = _start_input(services, caller, journey_id, body, licence_valid_until)
    except BaseException:
        await _release_unless_started(services, journey_id)
        raise
    try:
        started = client.start_workflow(
            WORKFLOW,
            start_input,
            id=journey_id,
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=_initial_search_attributes(body),
            memo={"request": request_id} if request_id else None,
        )
        await within_deadline(started, settings.temporal_rpc_timeout_seconds)
    except BaseException as failure:
        if not await _release_unless_started(services, journey_id) or not isinstance(failure, Exception):
            raise
        log.warning("journey_start_unconfirmed")  # started, though Temporal's answer was lost
    log.info("journey_started", scheme=body.scheme, province_code=body.worker.province_code)
    # The journey as its first workflow task will make it, from the same input, the same fold and
    # the same time (`requested_at`), without waiting for that task: on one dev server, bare
    # Temporal's first task of a new workflow takes 45 ms more than its start (bench/first_state.py).
    journey = as_started(start_input)
    await access.record(services, caller, [journey_id], "journey_start", access.JOURNEY_FIELDS)
    return journey


async def search(services: Services, caller: Caller, nik: str) -> dict[str, Any]:
    """The worker's journeys (ended ones too) within the caller's region, newest first, found by the
    NIK's keyed hash; the NIK itself is never stored or logged. The page's reads are logged."""
    journey_ids = await services.vault.journeys_of(nik_hash(nik, services.settings.nik_hash_key))
    documents = await services.read_model.get_many(journey_ids) if journey_ids else {}
    items = [
        document
        for journey_id, document in sorted(documents.items(), reverse=True)
        if caller.covers(province_of(document))
    ]
    await access.record(
        services, caller, [item["journey_id"] for item in items], "journey_search", access.JOURNEY_FIELDS
    )
    return {"items": items, "next_cursor": None}


async def personal_data(services: Services, caller: Caller, journey_id: str) -> dict[str, Any]:
    """The worker's identifiers in the clear, from the vault; the read is logged before it is served."""
    await find_in_store(services, caller, journey_id)
    pii = await services.vault.get(journey_id)
    if pii is None:
        raise not_found("The journey holds no personal data")
    await access.record(services, caller, [journey_id], "personal_data", access.PERSONAL_DATA_FIELDS)
    return pii.model_dump(mode="json")


async def _started_by(client: Any, journey_id: str, request_id: str) -> bool:
    """Whether the journey was started by the request `request_id` (an earlier try of this one)."""
    description = await describe_or_none(client, journey_id)
    return description is not None and (await description.memo()).get("request") == request_id


def as_started(start_input: StartJourney) -> JourneyView:
    """The journey as `JourneyWorkflow` opens it (`domain.decide.opening`, at `requested_at`, under the
    rules a new journey runs under)."""
    at = start_input.requested_at or datetime.now(UTC)
    states: list[JourneyState] = []

    def fold(emitted: list[Emitted]) -> JourneyState:
        _, folded = commit(states[-1] if states else None, emitted, at, evolve, timeline.settle)
        states.append(folded[-1].after)
        return states[-1]

    decide.opening(start_input, CURRENT, fold)
    return journey_view(states[-1])


async def _release_unless_started(services: Services, journey_id: str) -> bool:
    """After a start that failed on our side: True when it did happen (the claim stays). Otherwise the
    claim is released, unless Temporal answered without saying whether (then it stays: a later start
    for the NIK finds it left behind), and False."""
    with contextlib.suppress(Exception):
        try:
            if await describe_or_none(await services.temporal.client(), journey_id) is not None:
                return True
        except RPCError:
            return False
    await services.identity.release(journey_id)
    return False


async def get_journey(services: Services, caller: Caller, journey_id: str) -> JourneyView:
    """The journey from the workflow itself (never stale); the read is logged."""
    ref = await find_journey(services, caller, journey_id)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    journey = await query_state(ref.handle, services.settings.temporal_rpc_timeout_seconds)
    await access.record(services, caller, [journey_id], "journey", access.JOURNEY_FIELDS)
    return JourneyView.model_validate(journey)


def parse_cursor(cursor: str | None) -> int:
    """Event cursors are the last `seq` returned."""
    if cursor is None or cursor == "":
        return 0
    # ASCII digits only (`str.isdigit` takes "²" and "３"), and few enough to fit a bigint.
    if not _CURSOR.fullmatch(cursor):
        raise invalid(["cursor"], "The cursor is not valid")
    return int(cursor)


async def stream_page(services: Services, stream_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of a stream's events (a journey's or a case's), oldest first; the cursor is the last seq."""
    rows = list(await services.events.read(stream_id, parse_cursor(cursor), limit + 1))
    items = rows[:limit]
    has_more = len(rows) > limit
    return {"items": items, "next_cursor": str(items[-1]["seq"]) if has_more and items else None}


async def list_events(
    services: Services, caller: Caller, journey_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The journey's domain events, oldest first (from the store: Temporal need not be up)."""
    await find_in_store(services, caller, journey_id)
    events = await stream_page(services, journey_id, limit, cursor)
    await access.record(services, caller, [journey_id], "journey_events", access.JOURNEY_FIELDS)
    return events


async def list_journeys(
    services: Services, caller: Caller, filters: dict[str, Any], limit: int, cursor: str | None
) -> Response:
    """Journeys from the read model, limited to the caller's region; the page's reads are logged."""

    async def record(journey_ids: list[str]) -> None:
        await access.record(services, caller, journey_ids, "journey_list", access.JOURNEY_FIELDS)

    return await read_model_page(services.read_model, JourneyFilters, caller, filters, limit, cursor, record)


async def read_model_page(
    model: Any,
    filters_type: type,
    caller: Caller,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
    record: Callable[[list[str]], Awaitable[None]] | None = None,
) -> Response:
    """One page of a read model's list (journeys or cases): the filters given, within the caller's region.

    The answer is the `Page` shape, built from the documents' stored JSON text (`list_json`) without
    parsing it: decoding fifty documents and encoding them again was most of what a list cost.
    Queries take their turn in order (`api.admission`); too many waiting is a 503 at once. `record`
    hears the ids of the page's documents (`list_rows`) before it is served (the access log)."""
    flt = filters_type(**{k: v for k, v in filters.items() if v is not None}, province_codes=caller.province_codes)
    try:
        async with list_admission(model).turn():
            if record is None:
                items, next_cursor = await model.list_json(flt, limit, cursor)
            else:
                rows, next_cursor = await model.list_rows(flt, limit, cursor)
                items = [document for _, document in rows]
    except ValueError as exc:
        raise invalid(["cursor"], "The cursor is not valid") from exc
    if record is not None:
        await record([row_id for row_id, _ in rows])
    body = '{"items":[' + ",".join(items) + '],"next_cursor":' + json.dumps(next_cursor) + "}"
    return Response(body, media_type="application/json")
