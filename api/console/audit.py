"""The auditor's pages: a journey as it stood at any event or moment, its verification explained,
its signed export to download, and the access log. Through the API's services, as the signed-in
person (the access log is for auditors and admins, as in the API)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.console import forms as f
from api.console.graph import layout
from api.console.journeys import JourneyId
from api.console.web import CheckedForm, SignedIn, page
from api.deps import ServicesDep
from api.errors import ApiError
from api.services import access, audit, journeys
from api.services.journey_access import find_in_store
from domain.audit_signing import canonical_bytes
from domain.contracts import AUDITOR_ROLES
from domain.regions import province_timezone

router = APIRouter()
N_ = f.N_
Seq = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
LocalTime = Annotated[str | None, Query(max_length=32, pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")]

# What each verification result means, in words.
MEANINGS = {
    ("hash_chain", "ok"): N_(
        "Every event is linked to the one before by its hash: none was changed, removed or inserted."
    ),
    ("hash_chain", "broken"): N_("The chain of hashes is broken: an event was changed, removed or inserted."),
    ("replay", "ok"): N_("Every recorded workflow run was replayed by today's code and made the same decisions."),
    ("replay", "nondeterministic"): N_(
        "A recorded run replayed differently: the code no longer makes the decisions it made."
    ),
    ("replay", "unavailable"): N_("The workflow histories could not be read just now: the replay was not done."),
    ("replay", "skipped"): N_("The replay was not asked for."),
    ("checkpoint", "ok"): N_("The latest signed checkpoint matches the stored events."),
    ("checkpoint", "none"): N_("No signed checkpoint covers this stream yet."),
    ("checkpoint", "mismatch"): N_(
        "The signed checkpoint does not match the stored events, or its signature is not good."
    ),
}


def _time(value: str | None, province: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=province_timezone(province or "31"))


@router.get("/journeys/{journey_id}/audit")
async def as_it_stood(
    request: Request,
    journey_id: JourneyId,
    services: ServicesDep,
    who: SignedIn,
    seq: Seq = None,
    at: LocalTime = None,
) -> Response:
    """The journey's events, and the journey as it stood after the event `seq` or at the local time `at`."""
    ref = await find_in_store(services, who.caller, journey_id)
    events = await journeys.list_events(services, who.caller, journey_id, 500, None)
    context: dict[str, Any] = {
        "journey_id": journey_id,
        "province": ref.province_code,
        "events": list(reversed(events["items"])),
        "last_seq": events["items"][-1]["seq"] if events["items"] else 0,
        "seq": seq,
        "at": at,
        "state": None,
    }
    if seq is not None or at is not None:
        moment = _time(at, ref.province_code) if seq is None else None
        state = await audit.state_at(services, who.caller, journey_id, moment, seq)
        context["state"] = state
        context["graph"] = layout(state.scheme, [s.document() for s in state.steps])
    return page(request, "audit.html", context, signed_in=who)


@router.post("/journeys/{journey_id}/verify")
async def verify(
    request: Request, journey_id: JourneyId, services: ServicesDep, who: SignedIn, form: CheckedForm
) -> Response:
    result = await audit.verify(services, who.caller, journey_id)
    ok = (
        result["hash_chain"] == "ok"
        and result["replay"] == "ok"
        and result["state_matches"]
        and all(c["hash_chain"] == "ok" for c in result["cases"])
    )
    context = {"journey_id": journey_id, "result": result, "ok": ok, "meanings": MEANINGS}
    return page(request, "verify.html", context, signed_in=who)


@router.get("/journeys/{journey_id}/export")
async def export(journey_id: JourneyId, services: ServicesDep, who: SignedIn) -> Response:
    """The signed export bundle, as `GET /v1/audit/journeys/{id}/export` answers it, to save as a file."""
    bundle = await audit.export(services, who.caller, journey_id)
    headers = {
        "Content-Disposition": f'attachment; filename="{journey_id}-export.json"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(canonical_bytes(bundle), media_type="application/json", headers=headers)


@router.get("/access-log")
async def access_log(
    request: Request,
    services: ServicesDep,
    who: SignedIn,
    journey_id: Annotated[str | None, Query(pattern=r"^(j_[0-9A-Za-z]{1,64})?$")] = None,
    sub: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Who read whose personal data, when and through what (auditors and admins), newest first."""
    if who.caller.role not in AUDITOR_ROLES:
        raise ApiError(403, "FORBIDDEN", "Only auditors and admins read the access log")
    entries = await access.list_access_log(services, journey_id or None, sub or None, None, None, 100, cursor)
    context = {"entries": entries.items, "next_cursor": entries.next_cursor, "journey_id": journey_id, "sub": sub}
    return page(request, "access_log.html", context, signed_in=who)
