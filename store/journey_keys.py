"""Per-stream data keys (docs/privacy.md): envelope encryption of the personal values the engine's
database keeps, and their erasure by crypto-shredding.

Each stream (a journey, `j_...`, or a protection case, `c_...`) has its own random AES-256 key, made
with its first sealed value. The key is stored wrapped (AES-256-GCM) under the active key of the data
keyring (`store.data_keys`), with the stream id as associated data, in `journey_keys`. A personal value
is stored as `{"$sealed": base64(nonce + ciphertext)}` of its JSON under the stream's key, again bound
to the stream id: ciphertext moved to another stream does not open (`domain.pii.seal_with`). Archived
workflow histories are sealed whole under their workflow's key (`seal_bytes`).

Erasing a stream drops its wrapped key and keeps the row with `erased_at`: every value sealed under it
is unreadable from then on (and says so: `JourneyErased`, placeholders), while the ciphertext, and the
hash chains that cover it, stay as they were.
"""

import base64
import os
import time
from collections import OrderedDict
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.pii import NONCE_BYTES, journey_aad, open_values, open_with, seal_values, seal_with
from store.data_keys import KEY_BYTES, DataKeyringFile
from store.db import upsert_insert, write_tx
from store.tables import journey_keys
from store.timefmt import now_text

_CACHED_KEYS = 10_000
# How long a process keeps an unwrapped key: an erasure in another process takes effect here within it.
CACHE_SECONDS = 30.0
# What starts a blob sealed by `seal_bytes` (zlib output never starts with it).
SEALED_BYTES = b"PMIS1"


class JourneyErased(Exception):
    """The stream's key was destroyed: its personal values are gone."""


class JourneyKeys:
    """The `journey_keys` table, wrapped under the data keyring; unwrapped keys are cached in memory."""

    def __init__(self, engine: AsyncEngine, keyring: DataKeyringFile) -> None:
        self._engine = engine
        self._keyring = keyring
        self._cache: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def _wrap(self, journey_id: str, key: bytes) -> tuple[str, str]:
        kek = self._keyring.load().active
        nonce = os.urandom(NONCE_BYTES)
        wrapped = AESGCM(kek.key).encrypt(nonce, key, journey_aad(journey_id))
        return kek.key_id, base64.b64encode(nonce + wrapped).decode("ascii")

    def _unwrap(self, journey_id: str, kek_id: str, wrapped: str) -> bytes:
        raw = base64.b64decode(wrapped)
        return AESGCM(self._keyring.key(kek_id)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], journey_aad(journey_id))

    def _remember(self, journey_id: str, key: bytes) -> bytes:
        self._cache[journey_id] = (time.monotonic() + CACHE_SECONDS, key)
        self._cache.move_to_end(journey_id)
        while len(self._cache) > _CACHED_KEYS:
            self._cache.popitem(last=False)
        return key

    async def _row(self, journey_id: str) -> Any:
        query = select(journey_keys).where(journey_keys.c.journey_id == journey_id)
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).first()

    async def key(self, journey_id: str, *, create: bool = False) -> bytes | None:
        """The stream's key (made now when `create` and it has none); None when it has none;
        `JourneyErased` when it was erased."""
        cached = self._cache.get(journey_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        row = await self._row(journey_id)
        if row is None and create:
            kek_id, wrapped = self._wrap(journey_id, os.urandom(KEY_BYTES))
            async with write_tx(self._engine) as conn:
                insert = upsert_insert(conn)(journey_keys).values(
                    journey_id=journey_id, kek_id=kek_id, wrapped=wrapped, created_at=now_text()
                )
                await conn.execute(insert.on_conflict_do_nothing())
            row = await self._row(journey_id)  # ours, or a concurrent writer's that won
        if row is None:
            return None
        if row.erased_at is not None:
            raise JourneyErased(journey_id)
        return self._remember(journey_id, self._unwrap(journey_id, row.kek_id, row.wrapped))

    async def erased(self, journey_id: str) -> bool:
        row = await self._row(journey_id)
        return row is not None and row.erased_at is not None

    async def erase(self, journey_id: str) -> None:
        """Destroy the stream's key (a stream that had none gets an erased row, so none is made later)."""
        self._cache.pop(journey_id, None)
        at = now_text()
        async with write_tx(self._engine) as conn:
            insert = upsert_insert(conn)(journey_keys).values(
                journey_id=journey_id, kek_id="", wrapped=None, created_at=at, erased_at=at
            )
            await conn.execute(insert.on_conflict_do_nothing())
            await conn.execute(
                update(journey_keys)
                .where(journey_keys.c.journey_id == journey_id, journey_keys.c.erased_at.is_(None))
                .values(wrapped=None, kek_id="", erased_at=at)
            )

    # ---- sealing ---------------------------------------------------------------

    async def seal(self, journey_id: str, data: Any) -> Any:
        """`data` with its personal values (`domain.pii.SEALED_KEYS`) sealed under the stream's key.
        An erased stream's new values are not kept at all (placeholders)."""
        try:
            key = await self.key(journey_id, create=True)
        except JourneyErased:
            return seal_values(data, lambda value: None)
        if key is None:
            raise RuntimeError(f"no data key could be made for {journey_id}")
        return seal_values(data, lambda value: seal_with(key, journey_id, value))

    async def open(self, journey_id: str, data: Any) -> Any:
        """`data` with its sealed values opened; those of an erased journey become `domain.pii.erased`
        placeholders. ValueError for a sealed value that does not open."""
        try:
            key = await self.key(journey_id)
        except JourneyErased:
            key = None
        return open_values(data, (lambda sealed: open_with(key, journey_id, sealed)) if key is not None else None)

    async def seal_bytes(self, stream_id: str, data: bytes) -> bytes:
        """`data` sealed under the stream's key: `SEALED_BYTES`, a nonce, the ciphertext."""
        key = await self.key(stream_id, create=True)
        if key is None:
            raise RuntimeError(f"no data key could be made for {stream_id}")
        nonce = os.urandom(NONCE_BYTES)
        return SEALED_BYTES + nonce + AESGCM(key).encrypt(nonce, data, journey_aad(stream_id))

    async def open_bytes(self, stream_id: str, blob: bytes) -> bytes:
        """What `seal_bytes` sealed (a blob without its prefix is returned as it is: written before
        sealing). `JourneyErased` once erased; ValueError when it does not open."""
        if not blob.startswith(SEALED_BYTES):
            return blob
        key = await self.key(stream_id)
        if key is None:
            raise ValueError(f"no key for {stream_id}")
        raw = blob[len(SEALED_BYTES) :]
        try:
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], journey_aad(stream_id))
        except Exception as exc:
            raise ValueError("a sealed blob does not open under its stream's key") from exc

    async def open_documents(self, journey_id: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored event documents (of the journey or one of its cases) with their `data` opened, for
        folding; hashes stay those of the sealed documents. A value that does not open (altered
        ciphertext) leaves its event without data, so a fold reports the stream broken there."""
        out = []
        for document in documents:
            try:
                data = await self.open(journey_id, document["data"])
            except ValueError:
                data = None
            out.append({**document, "data": data})
        return out
