"""What every console page shares: its templates (in the person's language), its headers, who is
signed in, the CSRF check of every form, and errors answered as pages."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.console import i18n
from api.console import session as sessions
from api.console.labels import label
from api.errors import ApiError, as_api_error
from domain.regions import province_timezone

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
)
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.filters["number"] = i18n.number
templates.env.globals["language"] = i18n.current
templates.env.globals["LANGUAGES"] = i18n.LANGUAGES
templates.env.globals["duration"] = i18n.duration

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def when(value: Any, province_code: str | None = None, form: str = "medium") -> str:
    """An instant in the province's local time (WIB, WITA or WIT), as the page's language writes it."""
    return i18n.when(value, province_timezone(province_code or "31"), form)


templates.env.filters["when"] = when
templates.env.filters["label"] = label


def language(request: Request) -> str:
    return i18n.chosen(request.cookies.get(i18n.COOKIE))


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    signed_in: sessions.ConsoleSession | None = None,
) -> HTMLResponse:
    """Render `template` in the request's language with the console's headers; a signed-in person's
    cookie is signed again (their idle timeout starts over)."""
    with i18n.speaking(language(request)):
        response = templates.TemplateResponse(
            request, template, {"session": signed_in, **context}, status_code=status_code
        )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"  # pages hold what only the signed-in person may see
    if signed_in is not None:
        sessions.write(response, request.app.state.settings, signed_in)
    return response


def redirect(target: str, signed_in: sessions.ConsoleSession | None = None, request: Request | None = None) -> Response:
    response = RedirectResponse(target, status_code=303)
    if signed_in is not None and request is not None:
        sessions.write(response, request.app.state.settings, signed_in)
    return response


async def signed_in(request: Request) -> sessions.ConsoleSession:
    """The person signed in; a page asked for without a valid session goes to the sign-in."""
    found = sessions.read(request, request.app.state.settings)
    if found is None:
        raise ApiError(401, "UNAUTHENTICATED", "Sign in first")
    return found


SignedIn = Annotated[sessions.ConsoleSession, Depends(signed_in)]


async def checked_form(request: Request, who: SignedIn) -> dict[str, Any]:
    """The submitted form, once its CSRF token is the session's (else 403): each value as sent,
    a field sent several times (check boxes) as a list."""
    form = await request.form()
    if not who.check_csrf(str(form.get("csrf") or "")):
        raise ApiError(403, "FORBIDDEN", "The form has expired; open the page again")
    data: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        data[key] = values if len(values) > 1 else (values[0] if values else "")
    return data


CheckedForm = Annotated[dict[str, Any], Depends(checked_form)]


def refusal(exc: Exception) -> ApiError:
    """The API's refusal `exc` when the page that sent the form shows it (the form kept, its fields
    marked); re-raised when it is a page of its own: sign in again, not found, or a fault."""
    err = as_api_error(exc)
    if err is None or err.status == 401 or err.code == "NOT_FOUND":
        raise exc
    return err


async def error_page(request: Request, err: ApiError) -> Response:
    """An API refusal as a page: sign in again, not found, not allowed, unavailable, or wrong."""
    if err.status == 401:
        return redirect("/console/sign-in")
    who = sessions.read(request, request.app.state.settings)
    template = {404: "not_found.html", 403: "forbidden.html"}.get(err.status, "error.html")
    response = page(request, template, {"error": err}, status_code=err.status, signed_in=who)
    if err.status == 503:
        response.headers["Retry-After"] = str(request.app.state.settings.retry_after_seconds)
    return response
