"""ASGI middleware: request ids bound into the log context, the 1 MiB body limit and strict JSON, the
codec's CORS, the security headers.

All are plain ASGI (not `BaseHTTPMiddleware`) so the log context set here is the
one the route and the error handlers run in.
"""

import json
import re
import time
import uuid

import structlog
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import strict_json
from api.errors import invalid
from domain.steps import INTEGRATION_TYPES
from metrics import HTTP_LATENCY, HTTP_REQUESTS, WEBHOOK_EVENTS

MAX_BODY_BYTES = 1024 * 1024
INTEGRATIONS = "/v1/integrations/"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = structlog.get_logger("api.access")


WEBHOOK_ROUTE = "/v1/integrations/{source}/events"
INTEGRATION_SOURCES = frozenset(source for sources, _ in INTEGRATION_TYPES.values() for source in sources)
WEBHOOK_RESULTS = {202: "accepted", 200: "duplicate", 401: "bad_signature", 404: "unknown_journey", 422: "invalid"}


def observe(scope: Scope, status: int, seconds: float) -> None:
    """The request in the metrics, by its route's template (never the path: it holds ids)."""
    route = getattr(scope.get("route"), "path", None) or "unmatched"
    method = str(scope.get("method") or "")
    HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    HTTP_LATENCY.labels(method=method, route=route).observe(seconds)
    if route == WEBHOOK_ROUTE:
        source = str((scope.get("path_params") or {}).get("source") or "")
        known = source if source in INTEGRATION_SOURCES else "other"
        WEBHOOK_EVENTS.labels(source=known, result=WEBHOOK_RESULTS.get(status, str(status))).inc()


class RequestIdMiddleware:
    """Give every request an id (the caller's `X-Request-ID` when sane), bind it for logging, echo it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            observe(scope, status, time.perf_counter() - started)
            access_log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )


class BodyLimitMiddleware:
    """413 `PAYLOAD_TOO_LARGE` for bodies over the limit: by `Content-Length` up front, and by counting
    the bytes actually received (a chunked or lying client is caught too). The body is buffered (at
    most the limit) before the app sees it, so the app never reads a partial body."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                if int(length) > self.max_bytes:
                    await self._too_large(send)
                    return
            except ValueError:
                pass
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        # Integrations are signed: their signature is checked before the body is read (API.md), and
        # their route checks the JSON strictly itself, after it.
        if body and not scope.get("path", "").startswith(INTEGRATIONS):
            try:
                strict_json.check(body)
            except strict_json.StrictJsonError as exc:
                await self._answer(send, 422, invalid(["body"], str(exc)).body())
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        message = f"The body exceeds {self.max_bytes} bytes"
        await self._answer(send, 413, {"error": {"code": "PAYLOAD_TOO_LARGE", "message": message}})

    @staticmethod
    async def _answer(send: Send, status: int, document: dict) -> None:
        body = json.dumps(document).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class CodecCorsMiddleware:
    """CORS for the codec server only (`/codec/...`): the Web UI's page, at its own origin, may call it
    with credentials; no other origin may, and no other path answers CORS at all."""

    def __init__(self, app: ASGIApp, origins: list[str], prefix: str = "/codec/") -> None:
        self.app = app
        self.prefix = prefix
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_credentials=True,
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(self.prefix):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


# The HTML pages FastAPI serves (`/docs`, `/redoc`) load their scripts and styles from jsDelivr and start
# them with an inline script; nothing else may run, frame them or be sent to another origin.
DOCS_CSP = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'; "
    "font-src https://fonts.gstatic.com; img-src https://fastapi.tiangolo.com data:; worker-src blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeadersMiddleware:
    """On every response: no MIME sniffing, no referrer, no framing; a Content-Security-Policy for the
    API docs' HTML (a page that sets its own, like the codec session page, keeps it)."""

    def __init__(self, app: ASGIApp, docs_paths: tuple[str, ...] = ("/docs", "/redoc")) -> None:
        self.app = app
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path", "") in self.docs_paths

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                if docs and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", DOCS_CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
