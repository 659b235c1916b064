"""The console's production sign-in: OpenID Connect, authorization code flow with PKCE (RFC 7636).

`/console/oidc/login` draws a state, a nonce and a code verifier (authlib), keeps them in a signed,
HttpOnly cookie that lasts ten minutes, and sends the browser to the issuer with the verifier's S256
challenge. `/console/oidc/callback` checks the state, trades the code and the verifier for tokens at
the issuer's token endpoint, and checks the ID token (joserfc): its signature against the issuer's
published keys, its issuer, audience, expiry and nonce. The role and the region are its claims
(`PMI_OIDC_ROLE_CLAIM`, `PMI_OIDC_REGION_CLAIM`); a person whose token names no known role or no
region is refused. Nothing personal goes in a URL: the code and the state are random.
"""

import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from api.auth import Caller
from api.console import session as sessions
from api.console.web import redirect
from api.errors import ApiError
from config import Settings
from domain.contracts import PEOPLE_ROLES

router = APIRouter()
log = structlog.get_logger(__name__)
FLOW_COOKIE = "pmi_oidc"
FLOW_SECONDS = 600
REGION = re.compile(r"^([0-9]{2}|\*)$")
DISCOVERY_SECONDS = 3600


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_redirect_url)


@dataclass
class _Issuer:
    metadata: dict[str, Any]
    keys: KeySet
    fetched: float


_issuers: dict[str, _Issuer] = {}


async def _issuer(settings: Settings, refresh: bool = False) -> _Issuer:
    """The issuer's discovery document and signing keys, kept an hour (again at once when a token is
    signed by a key not among them: the issuer has rotated its keys)."""
    issuer = str(settings.oidc_issuer).rstrip("/")
    cached = _issuers.get(issuer)
    if cached and not refresh and time.monotonic() - cached.fetched < DISCOVERY_SECONDS:
        return cached
    async with httpx.AsyncClient(timeout=10) as client:
        metadata = (await client.get(f"{issuer}/.well-known/openid-configuration")).raise_for_status().json()
        jwks = (await client.get(metadata["jwks_uri"])).raise_for_status().json()
    found = _Issuer(metadata, KeySet.import_key_set(jwks), time.monotonic())
    _issuers[issuer] = found
    return found


def _flow_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.jwt_secret, salt="pmi-console-oidc")


def _refused(message: str) -> ApiError:
    return ApiError(403, "FORBIDDEN", message)


@router.get("/oidc/login")
async def login(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not enabled(settings):
        raise ApiError(404, "NOT_FOUND", "OpenID Connect is not configured")
    issuer = await _issuer(settings)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    uri = prepare_grant_uri(
        issuer.metadata["authorization_endpoint"],
        client_id=settings.oidc_client_id,
        response_type="code",
        redirect_uri=settings.oidc_redirect_url,
        scope=settings.oidc_scopes,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    response = redirect(uri)
    flow = _flow_serializer(settings).dumps({"state": state, "nonce": nonce, "verifier": verifier})
    response.set_cookie(
        FLOW_COOKIE, flow, max_age=FLOW_SECONDS, httponly=True, samesite="lax",
        secure=settings.env == "production", path="/console/oidc",
    )  # fmt: skip
    return response


async def _tokens(settings: Settings, issuer: _Issuer, code: str, verifier: str) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": settings.oidc_redirect_url,
        "client_id": settings.oidc_client_id,
        "code_verifier": verifier,
    }
    auth = (settings.oidc_client_id, settings.oidc_client_secret) if settings.oidc_client_secret else None
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(issuer.metadata["token_endpoint"], data=form, auth=auth)
    if answer.status_code != 200:
        log.warning("oidc_token_refused", status=answer.status_code)
        raise _refused("The identity provider refused the sign-in")
    return answer.json()


async def _claims(settings: Settings, id_token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, times and nonce hold."""
    issuer = await _issuer(settings)
    try:
        try:
            token = jwt.decode(id_token, issuer.keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"])
        except (JoseError, ValueError):
            issuer = await _issuer(settings, refresh=True)  # a key it has rotated in since
            token = jwt.decode(id_token, issuer.keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"])
        JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": issuer.metadata["issuer"]},
            aud={"essential": True, "value": settings.oidc_client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        log.warning("oidc_id_token_refused", error_type=type(exc).__name__)
        raise _refused("The sign-in's ID token is not valid") from None
    return token.claims


@router.get("/oidc/callback")
async def callback(request: Request, code: str = "", state: str = "", error: str = "") -> Response:
    settings: Settings = request.app.state.settings
    if not enabled(settings):
        raise ApiError(404, "NOT_FOUND", "OpenID Connect is not configured")
    try:
        flow = _flow_serializer(settings).loads(request.cookies.get(FLOW_COOKIE, ""), max_age=FLOW_SECONDS)
    except BadSignature:
        raise _refused("The sign-in has expired; start again") from None
    if error or not code or len(code) > 2048 or state != flow["state"]:
        raise _refused("The sign-in was not completed")
    tokens = await _tokens(settings, await _issuer(settings), code, flow["verifier"])
    claims = await _claims(settings, str(tokens.get("id_token") or ""), flow["nonce"])
    role, region = claims.get(settings.oidc_role_claim), claims.get(settings.oidc_region_claim)
    if role not in PEOPLE_ROLES or not isinstance(region, str) or not REGION.fullmatch(region):
        log.warning("oidc_no_role_or_region")
        raise _refused("Your account has no role or region in the journey engine")
    sub = str(claims["sub"])
    name = str(claims.get(settings.oidc_name_claim) or sub)
    response = redirect("/console/worklist", sessions.new(Caller(sub, role, region), name), request)
    response.delete_cookie(FLOW_COOKIE, path="/console/oidc")
    log.info("console_signed_in", role=role, region=region)
    return response
