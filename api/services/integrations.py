"""Integration events: verify the signature on the raw body, parse, resolve the journey, keep the event
in the inbox, signal the workflow (API.md, Integrations)."""

import json
import time
from typing import Any

import structlog
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api import strict_json
from api.rate_limits import RateLimits
from api.schemas.integrations import EVENT_TYPES, SOURCES, IntegrationEventIn
from api.services.cases import complaint_case_id, start_case_after_the_end
from api.services.container import Services
from api.services.errors import BadSignature, invalid, not_found
from api.services.journey_access import JOURNEY_ID, describe_or_none, province_of, release_if_left_behind
from api.services.reference import check_codes
from domain import signatures
from domain.contracts import Actor, CaseCommand, IntegrationEvent
from domain.errors import EvidenceInvalid, error_fields
from domain.evidence import validate_evidence
from domain.integrations import ClarificationData, ComplaintData
from domain.pii import mask_evidence, mask_text
from store.identity import nik_hash

log = structlog.get_logger(__name__)


def _parse(source: str, raw: bytes) -> IntegrationEventIn:
    try:
        strict_json.check(raw)
    except strict_json.StrictJsonError as exc:
        raise invalid(["body"], str(exc)) from exc
    event = IntegrationEventIn.model_validate_json(raw)  # a ValidationError is answered 422 (`api.errors`)
    allowed = EVENT_TYPES.get(event.type)
    if allowed is None:
        raise invalid(["type"], "Unknown event type")
    if source not in allowed[0]:
        raise invalid(["type"], f"Source {source} may not send {event.type}")
    _check_data(event.type, allowed[1], event.data)
    return event


def _check_data(type_: str, step: str | None, data: dict[str, Any]) -> None:
    """A body whose `data` fails the field rules of its step (or a complaint without a valid case type) is
    malformed: 422 naming the fields, never their values. Business rules stay with the workflow."""
    try:
        if step is not None:
            # Integration steps take the same evidence in every scheme (only job_selection differs).
            validate_evidence(step, "G2G", data)
        elif type_ == "complaint.filed":
            ComplaintData.model_validate(data)
        elif type_ == "p3mi.clarification":
            ClarificationData.model_validate(data)
    except EvidenceInvalid as exc:
        fields = [f"data.{f.removeprefix('evidence.')}" for f in exc.extra.get("fields", [])]
        raise invalid(fields, f"data is not valid for {type_}") from None
    except ValidationError as exc:
        fields = error_fields("data", exc)
        raise invalid(fields, f"data is not valid for {type_}") from None


async def _resolve(services: Services, event: IntegrationEventIn) -> str:
    """The journey the event is for: by id (it must exist) or by the NIK's active journey."""
    if event.nik is not None:
        journey_id = await services.identity.find(nik_hash(event.nik, services.settings.nik_hash_key))
        if journey_id and await release_if_left_behind(services, journey_id):
            journey_id = None
        if not journey_id:
            raise not_found("No active journey for this NIK")
        return journey_id
    journey_id = event.journey_id or ""
    if not JOURNEY_ID.match(journey_id):
        raise not_found("Journey not found")
    if await describe_or_none(await services.temporal.client(), journey_id) is None:
        raise not_found("Journey not found")
    return journey_id


async def receive_event(
    services: Services, source: str, raw: bytes, signature: str | None, limits: RateLimits, address: str
) -> tuple[int, dict]:
    """(HTTP status, answer) for one webhook delivery from the client at `address`. A bad signature (not
    a missing one) counts as a failed authentication of that address; a good one, as one request of the
    source (api.rate_limits)."""
    if source not in SOURCES:
        raise not_found("Unknown integration source")
    await limits.check_address(address)
    ok, signer = _signed_by(services.settings, source, signature, raw)
    if not ok:
        if signature:  # a signature that does not match is a guess; none at all is not
            await limits.failed_authentication(address)
        raise BadSignature("Missing, stale or invalid X-PMI-Signature")
    await limits.integration_request(source)
    known = await _known(services, source, raw)
    if known is not None:
        return known
    event = _parse(source, raw)
    journey_id = await _resolve(services, event)
    await check_codes(services, event.data, "data")
    if event.type == "p3mi.clarification":
        await _case_of_journey(services, journey_id, event.data["case_id"], signer)
    structlog.contextvars.bind_contextvars(journey_id=journey_id)
    step = EVENT_TYPES[event.type][1]
    data, secrets = mask_evidence(step, event.data) if step is not None else (event.data, {})
    if isinstance(data.get("description"), str):  # a complaint's free text
        data = {**data, "description": mask_text(data["description"])}
    signal = IntegrationEvent(
        source=source, event_id=event.event_id, type=event.type, occurred_at=event.occurred_at, data=data
    )
    body = signal.model_dump(mode="json")
    # The inbox keeps the event with its personal values (health results, free text) sealed under the
    # journey's key (docs/privacy.md); the signal carries them in the clear, inside Temporal's codec.
    sealed = await services.journey_keys.seal(journey_id, body)
    outcome = await services.inbox.receive(source, event.event_id, journey_id, event.type, sealed)
    if outcome != "new":
        # Lost a race with a delivery of the same event: answer as for any duplicate.
        return await _duplicate(services, source, await services.inbox.get(source, event.event_id))
    # Personal values of a first delivery go to the vault; a duplicate's body never changes them.
    for name, value in secrets.items():
        await services.vault.set_field(journey_id, name, value)
    if not await _deliver(services, source, journey_id, body):
        # A concurrent duplicate delivered it first and was answered 202: exactly one delivery is.
        return 200, {"status": "duplicate", "journey_id": journey_id}
    log.info("integration_event_delivered", source=source, type=event.type, event_id=event.event_id)
    return 202, {"status": "accepted", "journey_id": journey_id}


async def _known(services: Services, source: str, raw: bytes) -> tuple[int, dict] | None:
    """An `event_id` already received from this source is a duplicate "whatever its body" (API.md): it is
    answered from the inbox before the body is validated or its journey looked up."""
    try:
        event_id = json.loads(raw).get("event_id")
    except (ValueError, AttributeError, RecursionError):  # malformed: `_parse` answers it
        return None
    if not isinstance(event_id, str) or not event_id:
        return None
    stored = await services.inbox.get(source, event_id)
    return None if stored is None else await _duplicate(services, source, stored)


async def _duplicate(services: Services, source: str, stored: dict[str, Any]) -> tuple[int, dict]:
    """200 `duplicate` for the stored event. One kept but never signalled (the signal failed, and the
    sender was answered 503) is delivered now, with its stored body to its stored journey: the delivery
    that records it is the first accepted one, 202. The workflow deduplicates a second signal."""
    journey_id = stored["journey_id"]
    if stored.get("delivered_at") is None and await _deliver(
        services, source, journey_id, await services.journey_keys.open(journey_id, stored["body"])
    ):
        return 202, {"status": "accepted", "journey_id": journey_id}
    return 200, {"status": "duplicate", "journey_id": journey_id}


async def _deliver(services: Services, source: str, journey_id: str, body: dict[str, Any]) -> bool:
    """Signal the event to its journey; True when this call recorded its delivery (the first)."""
    client = await services.temporal.client()
    if body.get("type") == "p3mi.clarification":
        await _clarification_received(services, source, body)
        return await services.inbox.mark_delivered(source, body["event_id"])
    try:
        await client.get_workflow_handle(journey_id).signal("integration_event", IntegrationEvent.model_validate(body))
    except RPCError as exc:
        # The journey's workflow has finished (the journey ended): the event is kept in the inbox, and an
        # ended journey would only have recorded it as ignored.
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        log.info("integration_event_for_ended_journey", source=source, event_id=body.get("event_id"))
        if body.get("type") == "complaint.filed":
            await _complaint_after_the_end(services, source, journey_id, body)
    return await services.inbox.mark_delivered(source, body["event_id"])


async def _complaint_after_the_end(services: Services, source: str, journey_id: str, body: dict[str, Any]) -> None:
    """A complaint about a journey that has ended opens its case all the same (as an officer's would)."""
    try:
        complaint = ComplaintData.model_validate(body.get("data") or {})
    except ValidationError:
        return  # checked before it was stored (422); a stored body is valid
    document = await services.read_model.get(journey_id)
    if document is None or document.get("personal_data") == "erased":
        return
    await start_case_after_the_end(
        services,
        complaint_case_id(source, body["event_id"]),
        journey_id,
        province_of(document) or "",
        complaint.case_type,
        complaint.description,
        "embassy" if source == "embassy" else "hotline",
        Actor(sub=source, role="integration"),
        document.get("p3mi_id"),
    )


async def _case_of_journey(services: Services, journey_id: str, case_id: str, p3mi_id: str | None) -> None:
    """404 unless the case exists, is one of the journey's (the read model says so) and, when a P3MI
    signed with its own secret, names that P3MI: one P3MI cannot answer for another's worker."""
    case = await services.cases.get(case_id)
    if case is None or case.get("journey_id") != journey_id:
        raise not_found("Case not found")
    if p3mi_id is not None and case.get("p3mi_id") != p3mi_id:
        raise not_found("Case not found")


def _signed_by(settings: Any, source: str, signature: str | None, raw: bytes) -> tuple[bool, str | None]:
    """Whether the delivery is signed by `source`, and which P3MI signed it when one signed with its own
    secret (`p3mi:<p3mi_id>=...`; the shared `p3mi` secret names none)."""
    secrets = settings.webhook_secret_map

    def signed(keys: list[str]) -> bool:
        now, tolerance = int(time.time()), settings.webhook_tolerance_seconds
        return signatures.verify(signature, keys, raw, now=now, tolerance_seconds=tolerance)

    if signed(secrets.get(source, [])):
        return True, None
    if source == "p3mi":
        for name, keys in secrets.items():
            if name.startswith("p3mi:") and signed(keys):
                return True, name.removeprefix("p3mi:")
    return False, None


async def _clarification_received(services: Services, source: str, body: dict[str, Any]) -> None:
    """The P3MI's answer ends the case's wait for it (its 15-working-day timer): the case's own update,
    as an officer's `clarification_received` would be. One the case refuses (it waits for nothing, or it
    has closed) is kept in the inbox and logged; it is not an error of the sender's."""
    data = body["data"]
    command = CaseCommand(
        action="clarification_received",
        note=mask_text(data.get("note") or "") or "clarification received from the P3MI",
        actor=Actor(sub=source, role="integration"),
    )
    client = await services.temporal.client()
    handle = client.get_workflow_handle(data["case_id"])
    try:
        await services.temporal.update(handle, "case_action", command, f"{source}/{body['event_id']}")
    except WorkflowUpdateFailedError as exc:
        log.info("p3mi_clarification_refused", case_id=data["case_id"], reason=str(exc.cause))
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        log.info("p3mi_clarification_for_closed_case", case_id=data["case_id"])
