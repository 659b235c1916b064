"""The journey's pages: find a worker, start a journey, and the journey page where officers and
supervisors act. Every read and change goes through the API's services as the signed-in person, so
the console can do nothing the API would refuse them, and every refusal is shown where it happened."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.auth import Caller
from api.console import forms as f
from api.console.choices import suggestions
from api.console.forms import form_token
from api.console.graph import layout
from api.console.web import CheckedForm, SignedIn, page, redirect, refusal
from api.deps import ServicesDep
from api.errors import ApiError, as_api_error
from api.schemas.cases import OpenCaseIn
from api.schemas.journeys import (
    EmploymentEventIn,
    EndJourneyIn,
    FollowUpIn,
    StartJourneyIn,
    StepActionIn,
    WaiverIn,
)
from api.services import cases, journey_actions, journeys
from api.services.journey_access import find_in_store
from domain.contracts import ACTOR_ROLES, PEOPLE_ROLES, SUPERVISOR_ROLES
from domain.employment import EMPLOYMENT_MODELS
from domain.evidence import evidence_model
from domain.regions import province_timezone
from domain.standing import DESTINATION_CLOSED
from domain.steps import ACTIONABLE, DONE, STEP_BY_ID
from domain.view import JourneyView

router = APIRouter()
JourneyId = Annotated[str, Path(pattern=r"^j_[0-9A-Za-z]{1,64}$")]
N_ = f.N_

# The form of every action: who may take it is the API's rule (`domain.contracts`), shown here so a
# person sees only what they may do; the API still decides.
REASON = [f.FormField("reason", N_("Reason"), "textarea", True)]
NOTE = [f.FormField("note", N_("Note"), "textarea", False)]
CASE_FIELDS = f.fields_of(OpenCaseIn)
FOLLOW_UP_FIELDS = f.fields_of(FollowUpIn, skip=frozenset({"expected_version"}))
START_FIELDS = f.fields_of(StartJourneyIn)
TITLES = {
    "complete": N_("Complete"),
    "reject": N_("Reject"),
    "waive": N_("Waive"),
    "reopen": N_("Reopen"),
    "withdraw": N_("Withdraw the journey"),
    "cancel": N_("Cancel the journey"),
    "close": N_("Close the journey as completed"),
    "employment": N_("Record an employment event"),
    "case": N_("Open a protection case"),
    "follow_up": N_("Record the follow-up"),
    "waive_rule": N_("Waive the closed destination"),
}


def _form(action: str, fields: list[f.FormField], **about: Any) -> f.ActionForm:
    return f.ActionForm(action, fields, TITLES[action], **about)


def _step_forms(journey: JourneyView, caller: Caller) -> list[f.ActionForm]:
    out: list[f.ActionForm] = []
    acts, supervises = caller.role in ACTOR_ROLES, caller.role in SUPERVISOR_ROLES
    if journey.status != "active" and not supervises:
        return out
    for s in journey.steps:
        if STEP_BY_ID[s.step].system_only:
            continue
        if s.state in ACTIONABLE and acts and journey.status == "active":
            model = evidence_model(s.step, journey.scheme)
            out.append(_form("complete", f.fields_of(model, "evidence.") + f.copy(NOTE), step=s.step))
            out.append(_form("reject", f.copy(REASON), step=s.step))
            if supervises:
                out.append(_form("waive", f.copy(REASON), step=s.step))
        if supervises and s.state in DONE | {"rejected", "expired"}:
            out.append(_form("reopen", f.copy(REASON), step=s.step))
    return out


def _journey_forms(journey: JourneyView, caller: Caller) -> list[f.ActionForm]:
    acts, supervises = caller.role in ACTOR_ROLES, caller.role in SUPERVISOR_ROLES
    out: list[f.ActionForm] = []
    if journey.status != "active" or not acts:
        return out
    out.append(_form("case", f.copy(CASE_FIELDS)))
    if journey.phase == "placement":
        for kind, model in EMPLOYMENT_MODELS.items():
            out.append(_form("employment", f.fields_of(model, "data."), kind=kind))
    for follow_up in journey.follow_ups or []:
        if follow_up.status == "due":
            out.append(_form("follow_up", f.copy(FOLLOW_UP_FIELDS), number=follow_up.number))
    if journey.phase == "pre_departure":
        out.append(_form("withdraw", f.copy(REASON)))
    if supervises:
        if DESTINATION_CLOSED in journey.flags:
            out.append(_form("waive_rule", f.copy(REASON)))
        if journey.phase == "reintegration":
            out.append(_form("close", f.copy(REASON)))
        out.append(_form("cancel", f.copy(REASON)))
    return out


def action_forms(journey: JourneyView, caller: Caller) -> list[f.ActionForm]:
    """Every action the signed-in person may take on the journey as it stands."""
    return _step_forms(journey, caller) + _journey_forms(journey, caller)


async def journey_page(
    request: Request,
    services: Any,
    who: Any,
    journey_id: str,
    *,
    refused: tuple[str, dict[str, Any], ApiError] | None = None,
    notice: str | None = None,
    revealed: dict[str, Any] | None = None,
) -> Response:
    """The journey page; after a refusal (`refused`: the form's key, what was sent, the API's error)
    the form holds what was typed, its fields the errors, and the page says what happened."""
    journey = await journeys.get_journey(services, who.caller, journey_id)
    events = await journeys.list_events(services, who.caller, journey_id, 500, None)
    offered = action_forms(journey, who.caller)
    shown = f.refusal_shown(offered, refused, notice)
    by_step: dict[str, list[f.ActionForm]] = {}
    for form in offered:
        by_step.setdefault(form.step or "", []).append(form)
    context = {
        "journey": journey,
        "target": f"/console/journeys/{journey_id}/act",
        "version": journey.version,
        "province": journey.worker.get("province_code"),
        "graph": layout(journey.scheme, [s.document() for s in journey.steps]),
        "events": list(reversed(events["items"])),
        "more_events": events["next_cursor"] is not None,
        "step_forms": by_step,
        "journey_forms": by_step.get("", []),
        "notice": shown.notice,
        "refusal": shown.refusal,
        "reveal": who.caller.role in SUPERVISOR_ROLES,
        "revealed": revealed,
        "suggestions": await suggestions(services),
    }
    return page(request, "journey.html", context, status_code=shown.status, signed_in=who)


async def _act(services: Any, caller: Caller, journey_id: str, form: dict[str, Any], token: str) -> str:
    """Take the action the form names through the API's service; answers where to go next."""
    action = str(form.get("action") or "")
    version = f.expected_version(form)
    reason = {"reason": form.get("reason") or None}
    if action in ("complete", "reject", "waive", "reopen"):
        step = str(form.get("step") or "")
        body: dict[str, Any] = {"expected_version": version}
        if action == "complete":
            ref = await find_in_store(services, caller, journey_id)
            model = evidence_model(step, ref.scheme or "") if step in STEP_BY_ID else None
            fields = f.fields_of(model, "evidence.") + NOTE if model else NOTE
            body |= {"evidence": {}, **f.read_fields(fields, form, province_timezone(ref.province_code or "31"))}
        else:
            body |= reason
        await journey_actions.step_action(
            services, caller, journey_id, step, action, StepActionIn.model_validate(body), token
        )  # type: ignore[arg-type]
    elif action in ("withdraw", "cancel", "close"):
        end = EndJourneyIn.model_validate({**reason, "expected_version": version})
        await journey_actions.end_journey(services, caller, journey_id, action, end, token)
    elif action == "waive_rule":
        waiver = WaiverIn.model_validate({**reason, "rule": DESTINATION_CLOSED, "expected_version": version})
        await journey_actions.waive_rule(services, caller, journey_id, waiver, token)
    elif action == "employment":
        kind = str(form.get("kind") or "")
        ref = await find_in_store(services, caller, journey_id)
        model = EMPLOYMENT_MODELS.get(kind)
        data = (
            f.read_fields(f.fields_of(model, "data."), form, province_timezone(ref.province_code or "31"))
            if model
            else {}
        )
        event = EmploymentEventIn.model_validate(
            {"kind": kind, "data": data.get("data", {}), "expected_version": version}
        )
        await journey_actions.record_employment_event(services, caller, journey_id, event, token)
    elif action == "follow_up":
        number = str(form.get("number") or "")
        body = f.read_fields(FOLLOW_UP_FIELDS, form, province_timezone("31")) | {"expected_version": version}
        follow_up = FollowUpIn.model_validate(body)
        await journey_actions.record_follow_up(
            services, caller, journey_id, int(number) if number.isdigit() and len(number) < 4 else 0, follow_up, token
        )
    elif action == "case":
        opened = await cases.open_case(
            services,
            caller,
            journey_id,
            OpenCaseIn.model_validate(f.read_fields(CASE_FIELDS, form, province_timezone("31"))),
            token,
        )
        return f"/console/cases/{opened.case_id}"
    else:
        raise ApiError(422, "VALIDATION_ERROR", "Unknown action", fields=["action"])
    return f"/console/journeys/{journey_id}?done={action}"


@router.get("/journeys/{journey_id}")
async def show_journey(
    request: Request, journey_id: JourneyId, services: ServicesDep, who: SignedIn, done: str | None = None
) -> Response:
    return await journey_page(request, services, who, journey_id, notice="saved" if done else None)


@router.post("/journeys/{journey_id}/act")
async def act_on_journey(
    request: Request, journey_id: JourneyId, services: ServicesDep, who: SignedIn, form: CheckedForm
) -> Response:
    token = f.submitted_token(form)
    try:
        try:
            target = await _act(services, who.caller, journey_id, form, token)
        except Exception as exc:
            current = await _moved_on_without_a_person(services, journey_id, form, as_api_error(exc))
            if current is None:
                raise
            # No person changed the journey meanwhile, only the engine and the government systems
            # (whose steps the person was not acting on: if they were, the retry is refused as such).
            target = await _act(services, who.caller, journey_id, {**form, "expected_version": current}, token + "-1")
    except Exception as exc:
        err = refusal(exc)
        key = f.key_of(form.get("action"), form.get("step") or form.get("kind") or form.get("number"))
        return await journey_page(request, services, who, journey_id, refused=(key, form, err))
    return redirect(target, who, request)


async def _moved_on_without_a_person(
    services: Any, journey_id: str, form: dict[str, Any], err: ApiError | None
) -> str | None:
    """For a `VERSION_CONFLICT`: the journey's current version when no person changed it since the
    form's version, only the engine's bookkeeping and government systems' events (a request recorded,
    a passport issued); else None, and the person is told. The events reach the store a moment after
    the workflow has them: until all of them are there, it counts as a conflict."""
    if err is None or err.code != "VERSION_CONFLICT":
        return None
    seen, current = f.expected_version(form), err.extra.get("current_version")
    if seen is None or not isinstance(current, int) or not 0 < current - seen <= 20:
        return None
    for _ in range(10):
        since = await services.events.read(journey_id, seen, current - seen)
        if len(since) == current - seen:
            break
        await asyncio.sleep(0.1)
    if len(since) != current - seen or any(e["actor"]["role"] in PEOPLE_ROLES for e in since):
        return None
    return str(current)


@router.post("/find")
async def find(request: Request, services: ServicesDep, who: SignedIn, form: CheckedForm) -> Response:
    """Find by journey id, or by NIK: the NIK comes in the form's body and the answer is this page (no
    redirect carries it into a URL)."""
    query = str(form.get("query") or "").strip()
    if query.startswith("j_"):
        await find_in_store(services, who.caller, query)  # outside the region: the not-found page
        return redirect(f"/console/journeys/{query}", who, request)
    if not (len(query) == 16 and query.isascii() and query.isdigit()):
        context = {"error": N_("Type a 16-digit NIK or a journey id (j_…)."), "found": None}
        return page(request, "find.html", context, status_code=422, signed_in=who)
    found = await journeys.search(services, who.caller, query)
    return page(request, "find.html", {"found": found["items"], "error": None}, signed_in=who)


@router.get("/start")
async def start_form(request: Request, services: ServicesDep, who: SignedIn) -> Response:
    return await _start_page(request, services, who, f.copy(START_FIELDS), None)


async def _start_page(
    request: Request, services: Any, who: Any, fields: list[f.FormField], error: str | None, status_code: int = 200
) -> Response:
    for fld in fields:
        if fld.name == "worker.province_code" and not fld.value and who.caller.region != "*":
            fld.value = who.caller.region
    context = {"fields": fields, "error": error, "token": form_token(), "suggestions": await suggestions(services)}
    return page(request, "start.html", context, status_code=status_code, signed_in=who)


@router.post("/start")
async def start(request: Request, services: ServicesDep, who: SignedIn, form: CheckedForm) -> Response:
    fields = f.copy(START_FIELDS)
    token = f.submitted_token(form)
    try:
        body = StartJourneyIn.model_validate(f.read_fields(fields, form, province_timezone("31")))
        started = await journeys.start_journey(services, who.caller, body, f"console-{token}")
    except Exception as exc:
        err = refusal(exc)
        f.kept(fields, form, err)
        return await _start_page(request, services, who, fields, f.explain(err), status_code=err.status)
    return redirect(f"/console/journeys/{started.journey_id}", who, request)
