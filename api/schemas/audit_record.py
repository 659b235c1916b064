"""Response shapes of the published audit record (API.md, Audit): signed checkpoints and public keys."""

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Checkpoint(BaseModel):
    """A signed chain head. `signature` is the Ed25519 signature (base64) of the canonical JSON of the
    other five members; `signed_at` is the exact text that was signed, so it is passed on as it is."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "stream_id": "j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A",
                    "seq": 42,
                    "head_hash": "3f1c0e8f2b7a4d6e9c5b1a0f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d",
                    "signed_at": "2026-03-01T08:00:00.123456Z",
                    "key_id": "ed25519-5a1f0c3e9b7d2a64",
                    "signature": "base64 of 64 bytes",
                }
            ]
        }
    )

    stream_id: str
    seq: int
    head_hash: str
    signed_at: str
    key_id: str
    signature: str


class CheckpointPage(BaseModel):
    """A page of checkpoints, oldest first: `next_cursor` is null on the last page."""

    items: list[Checkpoint]
    next_cursor: str | None = None


class AuditKey(BaseModel):
    """A public key that has signed checkpoints or exports: raw 32 bytes, base64. `key_id` is
    `ed25519-` and the first 16 hex digits of the key's SHA-256, so anyone can recompute it."""

    key_id: str
    algorithm: Literal["Ed25519"]
    public_key: str


class AuditKeyList(BaseModel):
    """Every key, oldest first, retired ones included (all of them: `next_cursor` is always null)."""

    items: list[AuditKey]
    next_cursor: str | None = None
