"""`/console`: signing in, the language, and the worklist; the journey, case, audit and dashboard pages
are their own modules. Every page reads through the API's services with the signed-in person as the
caller, so the console shows and does only what the API would allow them."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.staticfiles import StaticFiles

from api.auth import Caller
from api.console import audit, cases, dashboard, i18n, journeys
from api.console import session as sessions
from api.console.forms import N_
from api.console.web import CheckedForm, SignedIn, page, redirect
from api.deps import ServicesDep
from api.services import journeys as journey_service
from domain.contracts import SUPERVISOR_ROLES
from store.read_model import JourneyFilters

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
# Steps a government system or the engine completes: an officer does not wait on them.
NOT_THE_OFFICERS = frozenset({"registration", "employment"})


def _signed_in(request: Request) -> sessions.ConsoleSession | None:
    return sessions.read(request, request.app.state.settings)


def _dev_sign_in_allowed(request: Request) -> bool:
    return request.app.state.settings.env != "production"


@router.get("")
async def home(request: Request) -> Response:
    return redirect("/console/worklist" if _signed_in(request) else "/console/sign-in")


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    if not _dev_sign_in_allowed(request):
        return page(request, "not_found.html", {}, status_code=404)
    return page(request, "sign_in.html", {"people": PEOPLE})


@router.post("/sign-in")
async def sign_in(request: Request, person: Annotated[str, Form(max_length=64)]) -> Response:
    if not _dev_sign_in_allowed(request):
        return page(request, "not_found.html", {}, status_code=404)
    found = next((p for p in PEOPLE if p[0] == person), None)
    if found is None:
        return page(request, "sign_in.html", {"people": PEOPLE, "error": True}, status_code=422)
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


async def _worklist(services: Any, caller: Caller, filters: dict[str, str | None]) -> dict[str, Any]:
    """The journeys of the caller's region with a step available to an officer, each with what waits."""
    flt = JourneyFilters(
        **{k: v for k, v in filters.items() if v}, status="active", province_codes=caller.province_codes
    )
    documents, next_cursor = await services.read_model.list(flt, 50, None)
    rows = []
    for doc in documents:
        waiting = [s["step"] for s in doc.get("steps", []) if s.get("state") == "available"]
        waiting = [s for s in waiting if s not in NOT_THE_OFFICERS]
        if waiting or doc.get("flags"):
            rows.append({"journey": doc, "waiting": waiting, "flags": doc.get("flags", [])})
    # Flagged journeys first (a lapsed document, an overdue report), then the oldest.
    rows.sort(key=lambda r: (not r["flags"], r["journey"].get("started_at") or ""))
    return {"rows": rows, "more": next_cursor is not None, "filters": filters}


@router.get("/worklist")
async def worklist(
    request: Request, services: ServicesDep, who: SignedIn, phase: str | None = None, scheme: str | None = None
) -> Response:
    context = await _worklist(services, who.caller, {"phase": phase, "scheme": scheme})
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
