"""`/console`: signing in, the language, and the worklist; the journey, case, audit and dashboard pages
are their own modules. Every page reads through the API's services with the signed-in person as the
caller, so the console shows and does only what the API would allow them."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.staticfiles import StaticFiles

from api.admission import list_admission
from api.auth import Caller
from api.console import audit, cases, dashboard, i18n, journeys, oidc
from api.console import session as sessions
from api.console.forms import N_
from api.console.web import CheckedForm, SignedIn, page, redirect
from api.deps import ServicesDep
from api.services import access
from api.services import journeys as journey_service
from domain.contracts import SUPERVISOR_ROLES
from domain.steps import STEPS
from store.timefmt import format_time
from store.worklist import KINDS, WorklistFilters

HERE = Path(__file__).resolve().parent
router = APIRouter(prefix="/console", include_in_schema=False)
static = StaticFiles(directory=HERE / "static")

# The people of the development sign-in (switched off in production, where OpenID Connect signs in).
PEOPLE = (
    ("officer-33", "Siti Aminah", "officer", "33", N_("BP3MI officer, Central Java")),
    ("officer-35", "Budi Santoso", "officer", "35", N_("BP3MI officer, East Java")),
    ("supervisor-33", "Dewi Lestari", "supervisor", "33", N_("BP3MI supervisor, Central Java")),
    ("auditor-1", "Hendra Gunawan", "auditor", "*", N_("Ministry auditor")),
    ("admin-1", "Rina Wulandari", "admin", "*", N_("Administrator")),
)


def _signed_in(request: Request) -> sessions.ConsoleSession | None:
    return sessions.read(request, request.app.state.settings)


def _dev_sign_in_allowed(request: Request) -> bool:
    return request.app.state.settings.env != "production"


@router.get("")
async def home(request: Request) -> Response:
    return redirect("/console/worklist" if _signed_in(request) else "/console/sign-in")


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    """OpenID Connect where it is configured; the seeded people too, outside production."""
    people = PEOPLE if _dev_sign_in_allowed(request) else None
    with_oidc = oidc.enabled(request.app.state.settings)
    if not people and not with_oidc:
        return page(request, "not_found.html", {}, status_code=404)
    return page(request, "sign_in.html", {"people": people, "oidc": with_oidc})


@router.post("/sign-in")
async def sign_in(request: Request, person: Annotated[str, Form(max_length=64)]) -> Response:
    if not _dev_sign_in_allowed(request):
        return page(request, "not_found.html", {}, status_code=404)
    found = next((p for p in PEOPLE if p[0] == person), None)
    if found is None:
        context = {"people": PEOPLE, "error": True, "oidc": oidc.enabled(request.app.state.settings)}
        return page(request, "sign_in.html", context, status_code=422)
    sub, name, role, region, _ = found
    return redirect("/console/worklist", sessions.new(Caller(sub, role, region), name), request)


@router.post("/sign-out")
async def sign_out(request: Request, form: CheckedForm) -> Response:
    response = redirect("/console/sign-in")
    sessions.clear(response)
    return response


@router.post("/language")
async def choose_language(
    request: Request, language: Annotated[str, Form(max_length=8)], next: Annotated[str, Form(max_length=300)] = ""
) -> Response:
    """The person's language, kept in a cookie of its own (it holds nothing else)."""
    target = next if next.startswith("/console") and "//" not in next else "/console"
    response = redirect(target)
    if language in i18n.LANGUAGES:
        secure = request.app.state.settings.env == "production"
        response.set_cookie(
            i18n.COOKIE, language, max_age=365 * 86400, httponly=True, samesite="lax", secure=secure, path="/console"
        )
    return response


PAGE_SIZE = 50
KIND_LABELS = {
    "case": N_("Case awaiting its first response"),
    "arrival": N_("Arrival report overdue"),
    "document": N_("Document lapsed or lapsing"),
    "follow_up": N_("Follow-up due"),
    "task": N_("Task"),
    "step": N_("Step to do"),
}
Filter = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")]


async def _worklist(services: Any, caller: Caller, filters: dict[str, str | None], page_no: int) -> dict[str, Any]:
    """What waits for a person in the caller's region (`store.worklist`), in order of when it falls
    due, a page of it with the counts of each kind; each row with its journey's masked worker."""
    flt = WorklistFilters(province_codes=caller.province_codes, **{k: v or None for k, v in filters.items()})
    now, lapsing = datetime.now(UTC), services.settings.console_lapsing_days
    async with list_admission(services.read_model).turn():
        rows = await services.worklist.page(flt, now, lapsing, PAGE_SIZE + 1, (page_no - 1) * PAGE_SIZE)
        counts = await services.worklist.counts(flt, now, lapsing)
        journey_ids = sorted({r["journey_id"] for r in rows[:PAGE_SIZE]})
        documents = await services.read_model.get_many(journey_ids) if journey_ids else {}
    await access.record(services, caller, list(documents), "console_worklist", access.JOURNEY_FIELDS)
    now_text = format_time(now)
    for row in rows:
        row["worker"] = (documents.get(row["journey_id"]) or {}).get("worker", {})
        row["overdue"] = bool(row["due_at"]) and row["due_at"] < now_text
    return {
        "rows": rows[:PAGE_SIZE],
        "more": len(rows) > PAGE_SIZE,
        "page_no": page_no,
        "counts": counts,
        "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "kinds": KINDS,
        "kind_labels": KIND_LABELS,
        "steps": [s.step for s in STEPS if not s.system_only],
    }


@router.get("/worklist")
async def worklist(
    request: Request,
    services: ServicesDep,
    who: SignedIn,
    kind: Annotated[str | None, Query(pattern=r"^(|case|arrival|document|follow_up|task|step)$")] = None,
    phase: Annotated[str | None, Query(pattern=r"^(|pre_departure|placement|reintegration)$")] = None,
    step: Filter = None,
    scheme: Annotated[str | None, Query(pattern=r"^(|G2G|P3MI|INDEPENDENT)$")] = None,
    p3mi_id: Filter = None,
    province_code: Annotated[str | None, Query(pattern=r"^([0-9]{2})?$")] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    filters = {"kind": kind, "phase": phase, "step": step, "scheme": scheme, "p3mi_id": p3mi_id}
    filters["province_code"] = province_code
    context = await _worklist(services, who.caller, filters, page_no)
    template = "_worklist_rows.html" if request.headers.get("HX-Request") else "worklist.html"
    return page(request, template, context, signed_in=who)


@router.post("/journeys/{journey_id}/personal-data")
async def reveal(
    request: Request, journey_id: journeys.JourneyId, services: ServicesDep, who: SignedIn, form: CheckedForm
) -> Response:
    """The worker's personal data in the clear, for the roles the API allows it (a POST: the answer is
    this page, never a URL); the read is in the access log before it is shown."""
    if who.caller.role not in SUPERVISOR_ROLES:
        return page(request, "forbidden.html", {}, status_code=403, signed_in=who)
    revealed = await journey_service.personal_data(services, who.caller, journey_id)
    return await journeys.journey_page(request, services, who, journey_id, revealed=revealed)


router.include_router(journeys.router)
router.include_router(cases.router)
router.include_router(audit.router)
router.include_router(dashboard.router)
router.include_router(oidc.router)
