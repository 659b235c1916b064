"""The codec server for Temporal's Web UI (docs/privacy.md): decode and encode payloads, and the session
cookie that lets the UI's page authenticate (auditor, admin)."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.security import APIKeyCookie
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Caller
from api.deps import ServicesDep
from api.schemas.errors import error_responses
from api.services import codec_server

router = APIRouter(prefix="/codec", tags=["codec"])
_PAGE = Path(__file__).with_name("codec_session.html").read_text(encoding="utf-8")
_SCRIPT = Path(__file__).with_name("codec_session.js").read_text(encoding="utf-8")
# The session page runs its one script from here and talks to this API only.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)


class CodecPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    metadata: dict[Annotated[str, Field(max_length=200)], Annotated[str, Field(max_length=10_000)]] = Field(
        default_factory=dict, max_length=64
    )
    data: str = ""


class CodecPayloads(BaseModel):
    """The protobuf JSON of `temporal.api.common.v1.Payloads`: metadata values and data in base64."""

    model_config = ConfigDict(extra="ignore")
    payloads: list[CodecPayload] = Field(max_length=10_000)


CodecCaller = Annotated[Caller, Depends(codec_server.caller_of)]
# `caller_of` reads the bearer token, else the session cookie. The document says so, so that clients and
# tools know these operations are not open: the cookie as its own scheme, the token as the `HTTPBearer`
# every `/v1` operation declares (either one will do).
_SESSION = APIKeyCookie(
    name=codec_server.COOKIE,
    scheme_name="CodecSession",
    description="The codec session that `POST /codec/session` sets from a bearer token",
    auto_error=False,
)
_AUTHENTICATED: dict[str, Any] = {
    "dependencies": [Security(_SESSION)],
    "openapi_extra": {"security": [{"HTTPBearer": []}]},
}
_ERRORS = error_responses(
    {
        401: "UNAUTHENTICATED (no bearer token or codec session, or a bad one)",
        403: "FORBIDDEN (only auditors and admins)",
        422: "VALIDATION_ERROR with `fields` (not base64)",
    }
)


@router.post(
    "/decode",
    summary="Decrypt Temporal payloads for the Web UI (auditor, admin; logged)",
    responses=_ERRORS,
    **_AUTHENTICATED,
)
async def decode(body: CodecPayloads, caller: CodecCaller, services: ServicesDep) -> dict[str, Any]:
    return await codec_server.decode(services, caller, body.model_dump())


@router.post(
    "/encode", summary="Encrypt Temporal payloads for the Web UI (auditor, admin)", responses=_ERRORS, **_AUTHENTICATED
)
async def encode(body: CodecPayloads, caller: CodecCaller, services: ServicesDep) -> dict[str, Any]:
    return await codec_server.encode(services, body.model_dump())


@router.post(
    "/session",
    status_code=204,
    summary="Turn a bearer token into the codec session cookie the Web UI's page sends (auditor, admin)",
    responses=_ERRORS,
    **_AUTHENTICATED,
)
async def open_session(request: Request, caller: CodecCaller) -> Response:
    settings = request.app.state.settings
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    response = Response(status_code=204)
    if token:
        response.set_cookie(
            codec_server.COOKIE,
            token,
            max_age=codec_server.session_seconds(token, settings.jwt_secret),
            path=codec_server.COOKIE_PATH,
            secure=settings.codec_cookie_is_secure,
            httponly=True,
            samesite="strict",
        )
    return response


@router.delete("/session", status_code=204, summary="End the codec session (the cookie is dropped)")
async def close_session(request: Request) -> Response:
    response = Response(status_code=204)
    response.delete_cookie(
        codec_server.COOKIE,
        path=codec_server.COOKIE_PATH,
        secure=request.app.state.settings.codec_cookie_is_secure,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/session", response_class=HTMLResponse, summary="A page to open a codec session with a token")
async def session_page() -> HTMLResponse:
    return HTMLResponse(_PAGE, headers={"Content-Security-Policy": PAGE_CSP})


@router.get("/session.js", response_class=PlainTextResponse, include_in_schema=False)
async def session_script() -> Response:
    return Response(_SCRIPT, media_type="text/javascript", headers={"Content-Security-Policy": PAGE_CSP})
