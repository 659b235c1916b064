"""`/console`: signing in and the worklist. Every page reads through the API's services with the
signed-in person as the caller, so the console shows and does only what the API would allow them."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.auth import Caller
from api.console import session as sessions
from api.deps import ServicesDep
from store.read_model import JourneyFilters

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/console", include_in_schema=False)
static = StaticFiles(directory=HERE / "static")

# The people of the development sign-in (switched off in production, where OpenID Connect signs in).
PEOPLE = (
    ("officer-33", "Siti Aminah", "officer", "33", "Petugas BP3MI Jawa Tengah"),
    ("officer-35", "Budi Santoso", "officer", "35", "Petugas BP3MI Jawa Timur"),
    ("supervisor-33", "Dewi Lestari", "supervisor", "33", "Supervisor BP3MI Jawa Tengah"),
    ("auditor-1", "Hendra Gunawan", "auditor", "*", "Auditor Kementerian"),
    ("admin-1", "Rina Wulandari", "admin", "*", "Administrator"),
)
# Steps a government system or the engine completes: an officer does not wait on them.
NOT_THE_OFFICERS = frozenset({"registration", "employment"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _signed_in(request: Request) -> sessions.ConsoleSession | None:
    return sessions.read(request, request.app.state.settings)


def _dev_sign_in_allowed(request: Request) -> bool:
    return request.app.state.settings.env != "production"


@router.get("")
async def home(request: Request) -> Response:
    target = "/console/worklist" if _signed_in(request) else "/console/sign-in"
    return RedirectResponse(target, status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    if not _dev_sign_in_allowed(request):
        return _page(request, "not_found.html", {}, status_code=404)
    return _page(request, "sign_in.html", {"people": PEOPLE})


@router.post("/sign-in")
async def sign_in(request: Request, person: Annotated[str, Form()]) -> Response:
    if not _dev_sign_in_allowed(request):
        return _page(request, "not_found.html", {}, status_code=404)
    found = next((p for p in PEOPLE if p[0] == person), None)
    if found is None:
        return _page(request, "sign_in.html", {"people": PEOPLE, "error": True}, status_code=422)
    sub, name, role, region, _ = found
    response = RedirectResponse("/console/worklist", status_code=303)
    sessions.write(response, request.app.state.settings, sessions.new(Caller(sub, role, region), name))
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    signed_in = _signed_in(request)
    if signed_in is not None and not signed_in.check_csrf(csrf):
        return _page(request, "forbidden.html", {}, status_code=403)
    response = RedirectResponse("/console/sign-in", status_code=303)
    sessions.clear(response)
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
    request: Request, services: ServicesDep, phase: str | None = None, scheme: str | None = None
) -> Response:
    signed_in = _signed_in(request)
    if signed_in is None:
        return RedirectResponse("/console/sign-in", status_code=303)
    context = await _worklist(services, signed_in.caller, {"phase": phase, "scheme": scheme})
    template = "_worklist_rows.html" if request.headers.get("HX-Request") else "worklist.html"
    response = _page(request, template, {**context, "session": signed_in})
    sessions.write(response, request.app.state.settings, signed_in)  # the idle timeout starts again
    return response
