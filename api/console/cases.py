"""The protection case pages: the supervisor's queue, a case with its first-response countdown, its
actions and its own timeline. As everywhere in the console, through the API's services as the
signed-in person."""

import typing
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.auth import Caller
from api.console import forms as f
from api.console.web import CheckedForm, SignedIn, page, redirect, refusal
from api.deps import ServicesDep
from api.errors import ApiError
from api.schemas.cases import CaseActionIn
from api.services import cases
from domain.case_rules import REFER_TO, SUPERVISOR_ACTIONS, TRANSITIONS, CaseView
from domain.contracts import ACTOR_ROLES, SUPERVISOR_ROLES, CaseAction
from domain.events import instant
from store.cases import CaseFilters

router = APIRouter()
CaseId = Annotated[str, Path(pattern=r"^c_[0-9A-Za-z]{1,64}$")]
N_ = f.N_
# Every action a person takes on a case; the case's state and the person's role pick those offered.
OFFERED = typing.get_args(CaseAction)
NOTE = f.FormField("note", N_("Note"), "textarea", False)
EXTRA = {
    "refer": [f.FormField("to", N_("Refer to"), "select", True, tuple(sorted(REFER_TO)))],
    "advocate": [f.FormField("track", N_("Track"), "select", True, ("litigation", "non_litigation"))],
    "resolve": [f.FormField("resolution", N_("Resolution"), "textarea", True)],
    "escalate": [f.FormField("to", N_("Escalate to"), "select", False, ("supervisor", "rapid_response_team"))],
}


def case_forms(case: CaseView, caller: Caller) -> list[f.ActionForm]:
    """The actions the signed-in person may take on the case as it stands (`domain.case_rules`)."""
    if caller.role not in ACTOR_ROLES:
        return []
    out = []
    for action in OFFERED:
        allowed_from, _ = TRANSITIONS[action]
        if case.status not in allowed_from:
            continue
        if action in SUPERVISOR_ACTIONS and caller.role not in SUPERVISOR_ROLES:
            continue
        fields = [f.FormField(x.name, x.label, x.widget, x.required, x.options) for x in EXTRA.get(action, [])]
        out.append(f.ActionForm(action, [*fields, f.copy([NOTE])[0]], action))
    return out


def countdown(case: CaseView, now: datetime) -> dict[str, Any]:
    """Where the first response stands: given (in time or late), or the time left, or how late."""
    due = instant(case.first_response_due_at) if case.first_response_due_at else None
    if case.first_response_at:
        met = due is None or instant(case.first_response_at) <= due
        return {"state": "met" if met else "late", "at": case.first_response_at, "due": case.first_response_due_at}
    if due is None:
        return {"state": "none"}
    left = (due - now).total_seconds()
    return {"state": "running" if left > 0 else "missed", "seconds": abs(left), "due": case.first_response_due_at}


async def case_page(
    request: Request,
    services: Any,
    who: Any,
    case_id: str,
    *,
    refused: tuple[str, dict[str, Any], ApiError] | None = None,
    notice: str | None = None,
) -> Response:
    case = await cases.get_case(services, who.caller, case_id)
    offered = case_forms(case, who.caller)
    shown = f.refusal_shown(offered, refused, notice)
    context = {
        "case": case,
        "province": case.province_code,
        "clock": countdown(case, datetime.now(UTC)),
        "forms": offered,
        "target": f"/console/cases/{case_id}/act",
        "version": case.version,
        "notice": shown.notice,
        "refusal": shown.refusal,
    }
    if request.headers.get("HX-Request"):
        return page(request, "_countdown.html", context, signed_in=who)
    events = await cases.list_case_events(services, who.caller, case_id, 500, None)
    context["events"] = list(reversed(events["items"]))
    return page(request, "case.html", context, status_code=shown.status, signed_in=who)


@router.get("/cases/{case_id}")
async def show_case(
    request: Request, case_id: CaseId, services: ServicesDep, who: SignedIn, done: str | None = None
) -> Response:
    return await case_page(request, services, who, case_id, notice="saved" if done else None)


@router.post("/cases/{case_id}/act")
async def act_on_case(
    request: Request, case_id: CaseId, services: ServicesDep, who: SignedIn, form: CheckedForm
) -> Response:
    action = str(form.get("action") or "")
    token = f.submitted_token(form)
    try:
        fields = EXTRA.get(action, []) + [NOTE]
        body = f.read_fields(fields, form, UTC) | {"action": action, "expected_version": f.expected_version(form)}
        await cases.case_action(services, who.caller, case_id, CaseActionIn.model_validate(body), token)
    except Exception as exc:
        refused = (f.key_of(action, None), form, refusal(exc))
        return await case_page(request, services, who, case_id, refused=refused)
    return redirect(f"/console/cases/{case_id}?done={action}", who, request)


@router.get("/cases")
async def queue(request: Request, services: ServicesDep, who: SignedIn, case_type: str | None = None) -> Response:
    """Open cases of the person's region: first the supervisor's queue (no first response and the
    deadline passed), then the escalated ones, then the rest still open (up to a hundred of each
    state)."""
    region = who.caller.province_codes
    overdue, _ = await services.cases.list(CaseFilters(overdue=True, case_type=case_type, province_codes=region), 200)
    escalated, _ = await services.cases.list(
        CaseFilters(escalated=True, case_type=case_type, province_codes=region), 200
    )
    shown = {c["case_id"] for c in overdue}
    escalated = [c for c in escalated if c.get("status") != "closed" and c["case_id"] not in shown]
    shown |= {c["case_id"] for c in escalated}
    others = []
    for status in ("reported", "verified", "in_progress"):
        listed, _ = await services.cases.list(
            CaseFilters(status=status, case_type=case_type, province_codes=region), 100
        )
        others += [c for c in listed if c["case_id"] not in shown]
    context = {"overdue": overdue, "escalated": escalated, "others": others, "case_type": case_type}
    return page(request, "cases.html", context, signed_in=who)
