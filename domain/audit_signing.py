"""Ed25519 signatures of the audit record (docs/audit.md): checkpoints of chain heads and export bundles.

Pure functions over bytes and JSON, shared by the engine (which signs) and `pmi audit check-export`
(which checks a bundle offline). A key is identified by `key_id`, derived from its public key, so a
signature names the key that can check it and an id can never be reused for another key.
"""

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALGORITHM = "Ed25519"
# What a checkpoint signature covers, in this order (the canonical JSON sorts them anyway).
CHECKPOINT_FIELDS = ("stream_id", "seq", "head_hash", "signed_at", "key_id")


def canonical_bytes(obj: Any) -> bytes:
    """The canonical JSON of API.md (sorted keys, no spaces, UTF-8 as is), as bytes: what is signed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def public_key_text(private: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key, base64: the form `GET /v1/audit/keys` publishes."""
    return b64(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def private_key_text(private: Ed25519PrivateKey) -> str:
    return b64(private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(unb64(text))


def key_id_of(public_key: str) -> str:
    """`ed25519-` and the first 16 hex digits of the SHA-256 of the raw public key."""
    return "ed25519-" + hashlib.sha256(unb64(public_key)).hexdigest()[:16]


def sign(private: Ed25519PrivateKey, message: bytes) -> str:
    return b64(private.sign(message))


def signature_valid(public_key: str, message: bytes, signature: str) -> bool:
    """True when `signature` (base64) is `public_key`'s (base64 raw) Ed25519 signature of `message`.
    Anything malformed (a key or signature that is not base64, or of the wrong length) is False."""
    try:
        Ed25519PublicKey.from_public_bytes(unb64(public_key)).verify(unb64(signature), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def checkpoint_message(checkpoint: dict[str, Any]) -> bytes:
    """The bytes a checkpoint's signature covers."""
    return canonical_bytes({k: checkpoint[k] for k in CHECKPOINT_FIELDS})


def checkpoint_valid(checkpoint: dict[str, Any], public_keys: dict[str, str]) -> bool:
    """The checkpoint's signature checks with the key it names, among `public_keys` (key_id -> key)."""
    key = public_keys.get(checkpoint.get("key_id", ""))
    try:
        message = checkpoint_message(checkpoint)
    except KeyError:
        return False
    return key is not None and signature_valid(key, message, str(checkpoint.get("signature", "")))


def checkpoint_status(
    checkpoint: dict[str, Any] | None, hash_at_seq: dict[int, str], public_keys: dict[str, str]
) -> str:
    """`none` without a checkpoint; `ok` when its signature checks and the chain holds its head hash
    at its seq; else `mismatch` (a rewritten chain, a forged or unknown-key checkpoint, a cut stream)."""
    if checkpoint is None:
        return "none"
    if not checkpoint_valid(checkpoint, public_keys):
        return "mismatch"
    return "ok" if hash_at_seq.get(checkpoint["seq"]) == checkpoint["head_hash"] else "mismatch"
