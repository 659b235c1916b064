"""The data encryption keys (docs/privacy.md): AES-256 keys that encrypt every Temporal payload, one of
them active, in a JSON file readable only by its owner.

Every process that talks to Temporal (the API, the worker, the replayer, `pmi audit`) reads the same
file. Encryption uses the active key; decryption uses whichever key a payload names, so payloads
written before `pmi keys rotate` still decrypt. Unlike the audit keyring, no key is ever dropped:
a history encrypted under it must stay readable for as long as the journey is kept. The file is
re-read when it changes, so a rotation takes effect without a restart. In development the file is
created with a fresh key on first use; in production it must exist.
"""

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.secret_file import write_owner_only
from store.timefmt import now_text

KEY_BYTES = 32  # AES-256


class DataKeyringMissing(RuntimeError):
    """The keyring file does not exist and may not be created here (production)."""


class UnknownDataKey(KeyError):
    """A payload names a key the keyring does not hold."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    key: bytes
    created_at: str

    @classmethod
    def fresh(cls) -> "DataKey":
        key = os.urandom(KEY_BYTES)
        # The id names the key without revealing it: a hash of the key under a fixed label.
        key_id = "dk_" + hashlib.sha256(b"pmi-data-key-id\x00" + key).hexdigest()[:16]
        return cls(key_id, key, now_text())


@dataclass(frozen=True)
class DataKeyring:
    """The keys as read from one version of the file."""

    active_id: str
    keys: dict[str, DataKey]

    @property
    def active(self) -> DataKey:
        return self.keys[self.active_id]

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id].key
        except KeyError:
            raise UnknownDataKey(key_id) from None

    def document(self) -> dict[str, Any]:
        return {
            "algorithm": "AES-256-GCM",
            "active": self.active_id,
            "keys": [
                {"key_id": k.key_id, "key": base64.b64encode(k.key).decode(), "created_at": k.created_at}
                for k in self.keys.values()
            ],
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "DataKeyring":
        keys = {}
        for entry in doc["keys"]:
            key = base64.b64decode(entry["key"], validate=True)
            if len(key) != KEY_BYTES:
                raise ValueError(f"data key {entry['key_id']} is not {KEY_BYTES} bytes")
            keys[entry["key_id"]] = DataKey(entry["key_id"], key, entry["created_at"])
        if doc["active"] not in keys:
            raise ValueError("the active data key is not in the keyring")
        return cls(doc["active"], keys)

    def with_new_active(self) -> "DataKeyring":
        new = DataKey.fresh()
        return DataKeyring(new.key_id, {**self.keys, new.key_id: new})


class DataKeyringFile:
    """The keyring at `path`, re-read when the file changes (looked at no more than once a second,
    and whenever a payload names a key not yet known). Picklable: a child process that replays gets
    the path, and reads the file itself."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.create = create
        self._cached: tuple[int, DataKeyring] | None = None
        self._checked_at = 0.0

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "create": self.create}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"], create=state["create"])  # type: ignore[misc]

    def load(self, *, fresh: bool = False) -> DataKeyring:
        now = time.monotonic()
        if self._cached is not None and not fresh and now - self._checked_at < 1.0:
            return self._cached[1]
        self._checked_at = now
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            if not self.create:
                raise DataKeyringMissing(f"no data keyring at {self.path} (PMI_DATA_KEYRING_FILE)") from None
            self._write(DataKeyring(*_single(DataKey.fresh())), exclusive=True)
            return self.load(fresh=True)
        if self._cached is None or self._cached[0] != mtime:
            self._cached = (mtime, DataKeyring.from_document(json.loads(self.path.read_text("utf-8"))))
        return self._cached[1]

    def key(self, key_id: str) -> bytes:
        """The key `key_id`, reading the file again if it is not known yet (rotated elsewhere)."""
        try:
            return self.load().key(key_id)
        except UnknownDataKey:
            return self.load(fresh=True).key(key_id)

    def rotate(self) -> tuple[str, str]:
        """A new active key; the old ones stay, to decrypt. Returns (old id, new id)."""
        old = self.load(fresh=True)
        new = old.with_new_active()
        self._write(new, exclusive=False)
        self.load(fresh=True)
        return old.active_id, new.active_id

    def _write(self, keyring: DataKeyring, *, exclusive: bool) -> None:
        write_owner_only(self.path, keyring.document(), exclusive=exclusive)


def _single(key: DataKey) -> tuple[str, dict[str, DataKey]]:
    return key.key_id, {key.key_id: key}
