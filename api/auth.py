"""Bearer JWT (HS256) authentication, roles and region scoping (API.md, Authentication and roles)."""

import math
import re
import time
from dataclasses import dataclass

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import rate_limits
from api.errors import ApiError, forbidden, not_found
from domain.contracts import (
    ACTOR_ROLES,
    ADMIN_ROLES,
    AUDITOR_ROLES,
    PEOPLE_ROLES,
    REPORTER_ROLES,
    SUPERVISOR_ROLES,
    Actor,
)

ROLES: tuple[str, ...] = PEOPLE_ROLES
# A 2-digit province code in ASCII digits, or `*`; matched whole (`$` would let a trailing newline in).
_REGION = re.compile(r"[0-9]{2}|\*")
# Time claims: PyJWT reads `"exp": "123"` as a number, `true` as 1 and refuses some other shapes only
# as it compares them; the engine takes numbers only.
_TIME_CLAIMS = ("exp", "iat", "nbf")

# Who may do what (domain.contracts): supervisors may do what officers may; admins everything.
ACTORS = ACTOR_ROLES
SUPERVISORS = SUPERVISOR_ROLES
READERS = ROLES
ADMINS = ADMIN_ROLES
# Who may read the access log and decode Temporal payloads (the codec server).
AUDITORS = AUDITOR_ROLES
# Who may read the reports.
REPORTERS = REPORTER_ROLES

_bearer = HTTPBearer(auto_error=False, description="HS256 JWT with claims sub, role, region, exp")


@dataclass(frozen=True)
class Caller:
    """The authenticated caller, from the token's claims."""

    sub: str
    role: str
    region: str

    @property
    def all_regions(self) -> bool:
        """Auditors read everything and admins may do everything; `*` is every region."""
        return self.region == "*" or self.role in AUDITORS

    def covers(self, province_code: str | None) -> bool:
        return self.all_regions or (province_code is not None and province_code == self.region)

    @property
    def province_codes(self) -> list[str] | None:
        """Province filter for lists: None = all."""
        return None if self.all_regions else [self.region]

    @property
    def actor(self) -> Actor:
        return Actor(sub=self.sub, role=self.role)  # type: ignore[arg-type]

    def check_journey_region(self, province_code: str | None) -> None:
        """A journey outside the caller's region answers 404, as if it did not exist."""
        if not self.covers(province_code):
            raise not_found("Journey not found")

    def check_province_for_write(self, province_code: str) -> None:
        """Starting a journey in a province the caller does not cover is refused outright (403)."""
        if not self.covers(province_code):
            raise forbidden("The worker's province is outside your region")


def create_token(secret: str, sub: str, role: str, region: str, ttl: int = 3600) -> str:
    """A signed token for `sub` (used by `pmi token` and the tests)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if not _REGION.fullmatch(region):
        raise ValueError("region must be a 2-digit province code or *")
    now = int(time.time())
    claims = {"sub": sub, "role": role, "region": region, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm="HS256")


def _unauthenticated(message: str) -> ApiError:
    return ApiError(401, "UNAUTHENTICATED", message)


def _is_time(value: object) -> bool:
    """A time claim is a finite number of seconds: int or float, not a bool, a string or null."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def decode_token(token: str, secret: str) -> Caller:
    """Verify signature and expiry; every claim is required, and the time claims must be numbers."""
    required = {"require": ["exp", "sub", "role", "region"]}
    untimed = {**required, "verify_exp": False, "verify_iat": False, "verify_nbf": False}
    try:
        # The signature first, then the claims' shapes, and only then the times: PyJWT's own checks of
        # `exp` and the rest would take a string or a bool for a time (or fail on a list in older versions).
        claims = jwt.decode(token, secret, algorithms=["HS256"], options=untimed)
        if not all(_is_time(claims[name]) for name in _TIME_CLAIMS if name in claims):
            raise _unauthenticated("The token is not valid")
        jwt.decode(token, secret, algorithms=["HS256"], options=required)
    except jwt.ExpiredSignatureError as exc:
        raise _unauthenticated("The token has expired") from exc
    except jwt.PyJWTError as exc:
        raise _unauthenticated("The token is not valid") from exc
    sub, role, region = claims.get("sub"), claims.get("role"), claims.get("region")
    if not isinstance(sub, str) or not sub or role not in ROLES:
        raise _unauthenticated("The token is not valid")
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise _unauthenticated("The token is not valid")
    return Caller(sub=sub, role=role, region=region)


async def authenticate(request: Request, token: str | None, missing: str = "A bearer token is required") -> Caller:
    """The caller `token` proves, or 401; 429 for an address that failed too often (api.rate_limits). A
    token that is refused counts as one more failure of that address; no token at all does not (it is
    no guess, and the Web UI without a codec session sends many such requests on every page)."""
    limits, address = rate_limits.of(request), rate_limits.client_address(request)
    await limits.check_address(address)
    if not token:
        raise _unauthenticated(missing)
    try:
        return decode_token(token, request.app.state.settings.jwt_secret)
    except ApiError:
        await limits.failed_authentication(address)
        raise


async def current_user(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Caller:
    """Dependency: the caller of a `/v1` endpoint, or 401."""
    bearer = credentials is not None and credentials.scheme.lower() == "bearer"
    return await authenticate(request, credentials.credentials if bearer else None)


def require_roles(*roles: str):
    """Dependency factory: the caller, when their role is one of `roles`; else 403."""

    async def dependency(caller: Caller = Depends(current_user)) -> Caller:
        if caller.role not in roles:
            raise forbidden(f"This action needs one of the roles: {', '.join(roles)}")
        return caller

    return dependency
