"""The one place where errors become HTTP answers (API.md, Conventions).

Every error body is `{"error": {"code": "UPPER_SNAKE", "message": "...", ...extra}}`.
Validation errors list the bad fields' paths but never the submitted values, and an
unexpected exception answers 500 with a request id, never with its own text.

A dependency that is down or too slow is not unexpected: the database (a connection, pool or
operational error, or its deadline), Temporal (any RPC failure but "not found", a client-side
deadline) and no worker answering within the update deadline all answer 503 `UNAVAILABLE` with
`Retry-After`, so a client knows to try again (with the same `Idempotency-Key` for a change).
"""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import DomainError

log = structlog.get_logger(__name__)

# API code of a domain, service or workflow refusal (`domain.errors`, `api.services.errors`) -> HTTP status.
DOMAIN_STATUS = {
    "INVALID_TRANSITION": 409,
    "VERSION_CONFLICT": 409,
    "RULE_VIOLATION": 409,
    "ACTIVE_JOURNEY_EXISTS": 409,
    "ALREADY_EXISTS": 409,
    "IDEMPOTENCY_KEY_REUSED": 409,
    "IDEMPOTENCY_IN_PROGRESS": 409,
    "BAD_SIGNATURE": 401,
    "UNAVAILABLE": 503,
    "VALIDATION_ERROR": 422,
    "NOT_FOUND": 404,
    "FORBIDDEN": 403,
    "UNAUTHENTICATED": 401,
}

# Status of a plain HTTP error (unknown route, wrong method, ...) -> API code.
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "TOO_MANY_REQUESTS",
    503: "UNAVAILABLE",
}

# Database errors that are the code's own fault (a constraint, bad SQL, a value the column refuses):
# these stay 500. Every other DBAPI error is the database being unreachable, failing or too slow.
_DATABASE_BUGS = (sa_exc.IntegrityError, sa_exc.ProgrammingError, sa_exc.DataError)


class ApiError(Exception):
    """An answer the API gives on purpose: HTTP status, API code, message and extra body fields, and
    `headers` the answer must carry (a 405's `Allow`)."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


def not_found(what: str = "Not found") -> ApiError:
    return ApiError(404, "NOT_FOUND", what)


def forbidden(message: str = "Your role or region does not allow this") -> ApiError:
    return ApiError(403, "FORBIDDEN", message)


def invalid(fields: list[str], message: str = "The request is not valid") -> ApiError:
    """422 `VALIDATION_ERROR` naming the bad fields (never their values)."""
    return ApiError(422, "VALIDATION_ERROR", message, fields=fields)


def unavailable(message: str = "The workflow service is unavailable; try again", **extra: Any) -> ApiError:
    """503 `UNAVAILABLE`; the error handler adds `Retry-After`."""
    return ApiError(503, "UNAVAILABLE", message, **extra)


def dependency_down(exc: BaseException) -> ApiError | None:
    """503 for an outage of a dependency (which one goes in `dependency`), None for anything else."""
    if isinstance(exc, sa_exc.DBAPIError) and not isinstance(exc, _DATABASE_BUGS):
        return unavailable("The database is unavailable; try again", dependency="database")
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):  # pool checkout, lost connection
        return unavailable("The database is unavailable; try again", dependency="database")
    if isinstance(exc, RPCTimeoutOrCancelledError):
        return unavailable("The workflow service did not answer in time; try again", dependency="temporal")
    if isinstance(exc, RPCError) and exc.status != RPCStatusCode.NOT_FOUND:
        return unavailable(dependency="temporal")
    if isinstance(exc, TimeoutError):  # a deadline of ours (`within_deadline`, `asyncio.timeout`)
        return unavailable("A dependency did not answer in time; try again")
    if isinstance(exc, OSError):  # refused or reset connections (asyncpg raises them unwrapped)
        return unavailable("A dependency is unreachable; try again")
    return None


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """Pydantic `loc` -> dotted path without the `body`/`query`/`path` prefix: `worker.nik`."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def validation_error(errors: list[Any] | tuple[Any, ...]) -> ApiError:
    """Pydantic errors -> 422. Only paths, error types and pydantic's generic messages survive:
    `input` and `ctx` (which can hold the submitted value) are dropped."""
    fields: list[str] = []
    details = []
    for err in errors:
        if err.get("type") == "json_invalid":
            return malformed_json()
        path = field_path(err.get("loc", ()))
        if path not in fields:
            fields.append(path)
        details.append({"field": path, "type": err.get("type"), "message": err.get("msg")})
    return ApiError(422, "VALIDATION_ERROR", "The request is not valid", fields=fields, errors=details)


def malformed_json() -> ApiError:
    """Every body that is not JSON (bad syntax, trailing bytes, not UTF-8, nested too deep) is one answer."""
    details = [{"field": "body", "type": "json_invalid", "message": "The body is not valid JSON"}]
    return ApiError(422, "VALIDATION_ERROR", "The body is not valid JSON", fields=["body"], errors=details)


def from_domain_details(details: dict[str, Any] | None, fallback_code: str, message: str) -> ApiError:
    """A workflow refusal (`ApplicationError.details[0]`) -> ApiError with its extra fields."""
    details = dict(details or {})
    code = str(details.pop("code", fallback_code) or fallback_code)
    msg = str(details.pop("message", message) or message)
    return ApiError(DOMAIN_STATUS.get(code, 409), code, msg, **details)


def from_application_error(err: ApplicationError) -> ApiError:
    details = err.details[0] if err.details and isinstance(err.details[0], dict) else None
    code = err.type or (details or {}).get("code") or "RULE_VIOLATION"
    if code not in DOMAIN_STATUS and not details:
        # Not a domain refusal: an unexpected workflow failure is an internal error.
        raise err
    return from_domain_details(details, code, err.message)


def as_api_error(exc: BaseException) -> ApiError | None:
    """The deliberate answer for `exc`, or None when it is unexpected (-> 500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, DomainError):
        return ApiError(DOMAIN_STATUS.get(exc.code, 409), exc.code, exc.message, **exc.extra)
    if isinstance(exc, RequestValidationError | ValidationError):
        return validation_error(exc.errors())
    if isinstance(exc, WorkflowQueryFailedError):
        # The journey exists but its state could not be read just now (no worker answered).
        return unavailable("The journey's state is not available right now; try again", dependency="worker")
    if isinstance(exc, WorkflowUpdateFailedError):
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            try:
                return from_application_error(cause)
            except ApplicationError:
                return None
        return None
    if isinstance(exc, ApplicationError):
        try:
            return from_application_error(exc)
        except ApplicationError:
            return None
    if isinstance(exc, RPCError) and exc.status == RPCStatusCode.NOT_FOUND:
        return not_found("Journey not found")
    down = dependency_down(exc)
    if down is not None:
        return down
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI: "There was an error parsing the body" (not UTF-8, too deep)
            return malformed_json()
        code = STATUS_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ").capitalize()
        if exc.status_code == 404:
            message = "Not found"
        # The framework's own headers stay (a 405's `Allow`; `_handle` completes it).
        return ApiError(exc.status_code, code, message, headers=exc.headers)
    return None


def error_response(err: ApiError, retry_after: int = 2) -> JSONResponse:
    headers = dict(err.headers)
    if err.status == 401 and err.code == "UNAUTHENTICATED":
        headers["WWW-Authenticate"] = "Bearer"
    if "retry_after" in err.extra or err.status in (429, 503):
        headers["Retry-After"] = str(err.extra.pop("retry_after", retry_after))
    return JSONResponse(err.body(), status_code=err.status, headers=headers or None)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


_METHODS = ("get", "head", "post", "put", "patch", "delete", "options", "trace")


def allowed_methods(request: Request) -> str | None:
    """`Allow` of a 405 (RFC 9110): the methods the OpenAPI document gives the path the request matched.
    Starlette names only the first route's, and a path such as `/v1/p3mi` has one route per method; None
    for a path the document leaves out (Starlette's own header stays)."""
    template = getattr(request.scope.get("route"), "path", None)
    operations = request.app.openapi()["paths"].get(template) if template else None
    if not operations:
        return None
    return ", ".join(method.upper() for method in _METHODS if method in operations) or None


# Paths whose answers are pages (the console): `install` is given what renders an error as one.
PAGES_PREFIX = "/console"


async def _handle(request: Request, exc: Exception) -> Response:
    err = as_api_error(exc)
    if err is not None:
        if err.status >= 500:
            log.warning(
                "request_unavailable",
                code=err.code,
                dependency=err.extra.get("dependency"),
                error_type=type(exc).__name__,
            )
            err.extra.setdefault("request_id", _request_id(request))
        if err.status == 405 and (allow := allowed_methods(request)):
            err.headers["Allow"] = allow
        return await _answer(request, err)
    return await _handle_unexpected(request, exc)


async def _answer(request: Request, err: ApiError) -> Response:
    pages = getattr(request.app.state, "error_pages", None)
    if pages is not None and request.url.path.startswith(PAGES_PREFIX):
        return await pages(request, err)
    return error_response(err, request.app.state.settings.retry_after_seconds)


async def _handle_unexpected(request: Request, exc: Exception) -> Response:
    # The exception text may carry anything (even personal data): it goes to the log, masked, never out.
    request_id = _request_id(request)
    log.error("request_failed", error_type=type(exc).__name__, exc_info=exc)
    return await _answer(
        request, ApiError(500, "INTERNAL", "Internal error; quote the request id", request_id=request_id)
    )


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    for exc_type in (
        ApiError,
        DomainError,
        RequestValidationError,
        ValidationError,
        StarletteHTTPException,
        WorkflowUpdateFailedError,
        WorkflowQueryFailedError,
        ApplicationError,
        RPCError,
        # Dependency outages, registered by type so they are answered as 503s and not re-raised as
        # unhandled errors (which the server would log with a traceback as a crash).
        sa_exc.SQLAlchemyError,
        RPCTimeoutOrCancelledError,
        TimeoutError,
        OSError,
    ):
        app.add_exception_handler(exc_type, _handle)
    app.add_exception_handler(Exception, _handle)
