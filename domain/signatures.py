"""Webhook signatures (API.md, Integrations): `X-PMI-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`.

Pure functions: the caller passes the current time, so the simulator (which signs)
and the API (which verifies) share one definition.
"""

import hashlib
import hmac

HEADER = "X-PMI-Signature"


def signature_for(secret: str, timestamp: int, raw_body: bytes) -> str:
    """Hex HMAC-SHA256 of `"<t>.<raw body>"`."""
    message = str(timestamp).encode() + b"." + raw_body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secrets: list[str], timestamp: int, raw_body: bytes) -> str:
    """The header value, with one `v1=` per secret (a sender rotating keys signs with both)."""
    parts = [f"t={timestamp}"] + [f"v1={signature_for(s, timestamp, raw_body)}" for s in secrets]
    return ",".join(parts)


def verify(header: str | None, secrets: list[str], raw_body: bytes, now: int, tolerance_seconds: int = 300) -> bool:
    """True when the timestamp is within tolerance of `now` and any `v1` matches any secret."""
    if not header or not secrets:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1" and value:
            candidates.append(value.lower())
    if timestamp is None or abs(now - timestamp) > tolerance_seconds or not candidates:
        return False
    expected = [signature_for(s, timestamp, raw_body) for s in secrets]
    return any(hmac.compare_digest(c, e) for c in candidates for e in expected)
