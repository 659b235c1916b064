"""The console's sign-in state: a signed cookie (itsdangerous) holding who signed in and a CSRF token.

HttpOnly and SameSite=Lax, `Secure` in production; it lapses after `PMI_CONSOLE_IDLE_MINUTES` without a
request (each request signs it again). The CSRF token is drawn at sign-in and every form carries it.
"""

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.auth import Caller
from config import Settings

COOKIE = "pmi_console"


@dataclass(frozen=True)
class ConsoleSession:
    caller: Caller
    name: str
    csrf: str

    def check_csrf(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token, self.csrf)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.jwt_secret, salt="pmi-console-session")


def read(request: Request, settings: Settings) -> ConsoleSession | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data: dict[str, Any] = _serializer(settings).loads(raw, max_age=settings.console_idle_minutes * 60)
    except BadSignature:  # forged, or idle too long (SignatureExpired is a BadSignature)
        return None
    return ConsoleSession(Caller(data["sub"], data["role"], data["region"]), data["name"], data["csrf"])


def write(response: Response, settings: Settings, session: ConsoleSession) -> None:
    value = _serializer(settings).dumps(
        {
            "sub": session.caller.sub,
            "role": session.caller.role,
            "region": session.caller.region,
            "name": session.name,
            "csrf": session.csrf,
        }
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=settings.console_idle_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.env == "production",
        path="/console",
    )


def new(caller: Caller, name: str) -> ConsoleSession:
    return ConsoleSession(caller, name, secrets.token_urlsafe(32))


def clear(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/console")
