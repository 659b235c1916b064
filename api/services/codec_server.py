"""The codec server for Temporal's Web UI (docs/privacy.md): `/codec/decode` and `/codec/encode` over the
engine's payload codec, for auditors and admins only, each decode recorded in the access log.

The Web UI posts `{"payloads": [{"metadata": {name: base64}, "data": base64}]}` (the protobuf JSON of
`Payloads`) and shows what comes back. It authenticates with the engine's bearer token, or with the
session cookie that `POST /codec/session` sets from one: the UI's own login (none on the dev server)
knows no engine token, and a cookie reaches the API from the UI's page when the UI is told to include
cross-origin credentials.
"""

import base64
import binascii
import time
from typing import Any

import structlog
from fastapi import Request
from temporalio.api.common.v1 import Payload

from api.auth import AUDITORS, Caller, authenticate
from api.services import access
from api.services.container import Services
from api.services.errors import forbidden, invalid
from workflows.client import codec_for
from workflows.codec import ENCODING, PayloadDecryptionError

log = structlog.get_logger(__name__)
COOKIE = "pmi_codec_session"
COOKIE_PATH = "/codec"


async def caller_of(request: Request) -> Caller:
    """The bearer token's caller, else the session cookie's; 401 without either, 403 for a role that
    may not decode."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not (scheme.lower() == "bearer" and token.strip()):
        token = request.cookies.get(COOKIE, "")
    caller = await authenticate(request, token.strip(), "A bearer token or a codec session is required")
    if caller.role not in AUDITORS:
        raise forbidden(f"Decoding payloads needs one of the roles: {', '.join(AUDITORS)}")
    return caller


def session_seconds(token: str, secret: str) -> int:
    """How long a session cookie made from `token` may live: until the token expires."""
    import jwt

    claims = jwt.decode(token, secret, algorithms=["HS256"])
    return max(0, int(claims["exp"] - time.time()))


def _b64(value: str, where: list[str | int]) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid([".".join(map(str, where))], "Not valid base64") from exc


def payloads_in(body: dict[str, Any]) -> list[Payload]:
    """The request's payloads as protobuf; 422 naming the first one that is not base64."""
    out = []
    for i, item in enumerate(body["payloads"]):
        metadata = {name: _b64(value, ["payloads", i, "metadata", name]) for name, value in item["metadata"].items()}
        out.append(Payload(metadata=metadata, data=_b64(item.get("data") or "", ["payloads", i, "data"])))
    return out


def payloads_out(payloads: list[Payload]) -> dict[str, Any]:
    return {
        "payloads": [
            {
                "metadata": {name: base64.b64encode(value).decode("ascii") for name, value in p.metadata.items()},
                "data": base64.b64encode(p.data).decode("ascii"),
            }
            for p in payloads
        ]
    }


async def decode(services: Services, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """Decrypt what the engine encrypted; a payload that does not decrypt (a key the keyring lacks, or
    altered) is handed back as it came, for the UI to show encoded. Recorded before it is served."""
    codec = codec_for(services.settings)
    payloads = payloads_in(body)
    decoded: list[Payload] = []
    failed = 0
    for payload in payloads:
        try:
            decoded.append(codec.decrypt(payload))
        except PayloadDecryptionError:
            failed += 1
            decoded.append(payload)
    opened = sum(1 for p in payloads if p.metadata.get("encoding") == ENCODING) - failed
    if failed:
        log.warning("codec_payloads_not_decrypted", count=failed)
    if opened:
        await access.record(services, caller, [None], "codec_decode", access.CODEC_FIELDS)
    return payloads_out(decoded)


async def encode(services: Services, body: dict[str, Any]) -> dict[str, Any]:
    """Encrypt under the active data key (the UI encodes what a person sends, e.g. a signal's input)."""
    codec = codec_for(services.settings)
    return payloads_out([codec.encrypt(p) for p in payloads_in(body)])
