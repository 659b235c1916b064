"""The audit signing keys (docs/audit.md): one current Ed25519 private key and the public keys of
the ones it replaced, in a JSON file readable only by its owner.

Every process that signs (the worker: checkpoints; the API: export bundles) reads the same file. It is
re-read when it changes, so `pmi audit rotate-key` takes effect without a restart. A retired key's
private half is destroyed at rotation: only its public key is kept, so what it signed still verifies.
In development the file is created with a fresh key on first use; in production it must exist.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain import audit_signing as signing
from store.secret_file import write_owner_only
from store.timefmt import now_text


class KeyringMissing(RuntimeError):
    """The keyring file does not exist and may not be created here (production)."""


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    public_key: str
    created_at: str
    retired_at: str | None = None

    def as_api(self) -> dict[str, str]:
        return {"key_id": self.key_id, "algorithm": signing.ALGORITHM, "public_key": self.public_key}


class Keyring:
    """The keys as read from one version of the file."""

    def __init__(self, current: Ed25519PrivateKey, keys: list[PublicKey]) -> None:
        self._current = current
        self.keys = keys
        self.key_id = signing.key_id_of(signing.public_key_text(current))

    def sign(self, message: bytes) -> tuple[str, str]:
        """(key_id, base64 signature) of `message` with the current key."""
        return self.key_id, signing.sign(self._current, message)

    def public_keys(self) -> dict[str, str]:
        """key_id -> base64 public key, current and retired."""
        return {k.key_id: k.public_key for k in self.keys}

    @property
    def current(self) -> PublicKey:
        return next(k for k in self.keys if k.key_id == self.key_id)

    def document(self) -> dict[str, Any]:
        return {
            "algorithm": signing.ALGORITHM,
            "current_private_key": signing.private_key_text(self._current),
            "keys": [k.__dict__ for k in self.keys],
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "Keyring":
        current = signing.private_key_from_text(doc["current_private_key"])
        return cls(current, [PublicKey(**k) for k in doc["keys"]])

    @classmethod
    def fresh(cls, retired: list[PublicKey] = ()) -> "Keyring":  # type: ignore[assignment]
        private = Ed25519PrivateKey.generate()
        public = signing.public_key_text(private)
        return cls(private, [*retired, PublicKey(signing.key_id_of(public), public, now_text())])


class KeyringFile:
    """The keyring at `path`, re-read whenever the file changes."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self._create = create
        self._cached: tuple[float, Keyring] | None = None

    def load(self) -> Keyring:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            if not self._create:
                raise KeyringMissing(f"no audit keyring at {self.path} (PMI_AUDIT_KEYRING_FILE)") from None
            self._write(Keyring.fresh(), exclusive=True)
            return self.load()
        if self._cached is None or self._cached[0] != mtime:
            self._cached = (mtime, Keyring.from_document(json.loads(self.path.read_text("utf-8"))))
        return self._cached[1]

    def rotate(self) -> tuple[str, str]:
        """A new current key; the old one is kept as a public key only. Returns (old id, new id)."""
        old = self.load()
        retired = [
            PublicKey(k.key_id, k.public_key, k.created_at, k.retired_at or now_text()) if k.key_id == old.key_id else k
            for k in old.keys
        ]
        new = Keyring.fresh(retired)
        self._write(new, exclusive=False)
        return old.key_id, new.key_id

    def _write(self, keyring: Keyring, *, exclusive: bool) -> None:
        write_owner_only(self.path, keyring.document(), exclusive=exclusive)
