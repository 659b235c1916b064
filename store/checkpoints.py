"""Signed checkpoints of chain heads (docs/audit.md): tamper evidence that survives a rewritten chain.

Anyone who can write to the database can rewrite a stream and recompute every hash, and the chain
then verifies. What they cannot do is sign: a checkpoint is the stream's head (last seq, its hash)
signed with the engine's Ed25519 key (`store.keyring`), kept in the append-only `audit_checkpoints`
and published with the public keys (`GET /v1/audit/checkpoints`, `GET /v1/audit/keys`). `verify`
compares the latest one with the chain (`domain.audit_signing.checkpoint_status`).

A head is signed only when it has moved *forward* past the stream's latest checkpoint and the chain
still holds the signed hash at the signed seq. A stream cut short, or rewritten under its checkpoint,
is never signed again: signing it would launder the rewrite.
"""

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import structlog
from sqlalchemy import and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.audit_signing import ALGORITHM, checkpoint_message
from store.db import upsert_insert, write_tx
from store.keyring import Keyring, PublicKey
from store.pagination import page_reader
from store.tables import audit_checkpoints, audit_keys, events
from store.timefmt import now_text

log = structlog.get_logger(__name__)

# Any number constant to all processes: the sweep and the end-of-journey signer of every worker take
# it while they check and insert, so two never sign the same head twice (SQLite: its write lock).
PG_SIGNING_LOCK = 724_102
# The fields of a checkpoint as the API publishes it, and as its signature covers them (plus `signature`).
API_FIELDS = ("stream_id", "seq", "head_hash", "signed_at", "key_id", "signature")

_cp = audit_checkpoints
_COLUMNS = tuple(_cp.c[name] for name in API_FIELDS)


def _api(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in API_FIELDS}


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CheckpointStore:
    """Signs chain heads into `audit_checkpoints` and reads them back, over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reads = page_reader(engine)

    # ---- signing ---------------------------------------------------------------

    async def sign_heads(
        self,
        keyring: Keyring,
        stream_ids: list[str] | None = None,
        batch: int = 500,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Sign the head of every stream (of `stream_ids`; None: every stream in `events`) that moved
        since its latest checkpoint; returns how many were signed. Idempotent: a head signed already
        is skipped. Reads and writes `batch` streams at a time (the sweep may meet 300k streams), each
        batch in a transaction of its own; `progress` hears the running count after each batch."""
        signed = 0
        async for heads in self._head_batches(stream_ids, batch):
            signed += await self._sign_batch(keyring, heads)
            if progress is not None:
                progress(signed)
        return signed

    async def _head_batches(self, stream_ids: list[str] | None, batch: int) -> AsyncIterator[list[Any]]:
        """Each batch's head rows: of the given ids, or keyset-paged by stream id over every stream."""
        if stream_ids is not None:
            for chunk in _chunks(sorted(set(stream_ids)), batch):
                yield await self._heads(chunk, None, batch)
            return
        after = ""
        while True:
            rows = await self._heads(None, after, batch)
            if rows:
                yield rows
            if len(rows) < batch:
                return
            after = rows[-1].stream_id

    async def _heads(self, ids: list[str] | None, after: str | None, batch: int) -> list[Any]:
        """One query: each stream's head (max seq and its hash) with its latest checkpoint (seq and
        head hash) and the hash the chain holds now at that checkpoint's seq."""
        heads = select(events.c.stream_id, func.max(events.c.seq).label("seq")).group_by(events.c.stream_id)
        if ids is not None:
            heads = heads.where(events.c.stream_id.in_(ids))
        else:
            heads = heads.where(events.c.stream_id > after).order_by(events.c.stream_id).limit(batch)
        heads = heads.subquery("heads")
        head_event = events.alias("head_event")
        at_signed = events.alias("at_signed")
        last = _cp.alias("last")
        last_id = (
            select(func.max(_cp.c.checkpoint_id))
            .where(_cp.c.stream_id == heads.c.stream_id)
            .correlate(heads)
            .scalar_subquery()
        )
        query = (
            select(
                heads.c.stream_id,
                heads.c.seq,
                head_event.c.hash,
                last.c.seq.label("signed_seq"),
                last.c.head_hash.label("signed_hash"),
                at_signed.c.hash.label("hash_at_signed"),
            )
            .select_from(
                heads.join(
                    head_event, and_(head_event.c.stream_id == heads.c.stream_id, head_event.c.seq == heads.c.seq)
                )
                .outerjoin(last, last.c.checkpoint_id == last_id)
                .outerjoin(at_signed, and_(at_signed.c.stream_id == heads.c.stream_id, at_signed.c.seq == last.c.seq))
            )
            .order_by(heads.c.stream_id)
        )
        async with self._reads.connect() as conn:
            return list((await conn.execute(query)).all())

    async def _sign_batch(self, keyring: Keyring, heads: list[Any]) -> int:
        signed_at = now_text()
        rows = []
        for head in heads:
            if head.signed_seq is not None:
                if head.seq <= head.signed_seq:
                    continue  # not moved (or cut short: verify reports that, signing would hide it)
                if head.hash_at_signed != head.signed_hash:
                    # Rewritten under its checkpoint: never sign over it. The stream id is no personal data.
                    log.warning("checkpoint_refused_rewritten_chain", stream_id=head.stream_id, seq=head.signed_seq)
                    continue
            checkpoint = {
                "stream_id": head.stream_id,
                "seq": head.seq,
                "head_hash": head.hash,
                "signed_at": signed_at,
                "key_id": keyring.key_id,
            }
            key_id, checkpoint["signature"] = keyring.sign(checkpoint_message(checkpoint))
            if key_id != checkpoint["key_id"]:
                raise RuntimeError("the keyring signed with another key than its active one")
            rows.append(checkpoint)
        if not rows:
            return 0
        async with write_tx(self._engine) as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_SIGNING_LOCK})
            # Another signer may have signed some of these heads since they were read: under the lock,
            # keep only those still ahead of their stream's latest checkpoint.
            signed = dict(
                (
                    await conn.execute(
                        select(_cp.c.stream_id, func.max(_cp.c.seq))
                        .where(_cp.c.stream_id.in_([r["stream_id"] for r in rows]))
                        .group_by(_cp.c.stream_id)
                    )
                ).all()
            )
            rows = [r for r in rows if signed.get(r["stream_id"], 0) < r["seq"]]
            if rows:
                await self._register(conn, keyring.keys)
                await conn.execute(_cp.insert(), rows)
        return len(rows)

    async def register_keys(self, keys: list[PublicKey]) -> None:
        """Put the public keys into `audit_keys` (those there already are left as they are)."""
        async with write_tx(self._engine) as conn:
            await self._register(conn, keys)

    @staticmethod
    async def _register(conn: AsyncConnection, keys: list[PublicKey]) -> None:
        rows = [
            {"key_id": k.key_id, "algorithm": ALGORITHM, "public_key": k.public_key, "created_at": k.created_at}
            for k in keys
        ]
        if rows:
            await conn.execute(upsert_insert(conn)(audit_keys).values(rows).on_conflict_do_nothing())

    # ---- reading ---------------------------------------------------------------

    async def latest(self, stream_id: str) -> dict[str, Any] | None:
        """The stream's latest checkpoint in the API shape, or None."""
        query = select(*_COLUMNS).where(_cp.c.stream_id == stream_id).order_by(_cp.c.checkpoint_id.desc()).limit(1)
        async with self._reads.connect() as conn:
            row = (await conn.execute(query)).first()
        return _api(row) if row else None

    async def latest_many(self, stream_ids: list[str]) -> dict[str, dict[str, Any]]:
        """stream id -> its latest checkpoint (API shape), for those of `stream_ids` that have one."""
        found: dict[str, dict[str, Any]] = {}
        async with self._reads.connect() as conn:
            for chunk in _chunks(sorted(set(stream_ids)), 500):
                latest_ids = (
                    select(func.max(_cp.c.checkpoint_id)).where(_cp.c.stream_id.in_(chunk)).group_by(_cp.c.stream_id)
                )
                for row in await conn.execute(select(*_COLUMNS).where(_cp.c.checkpoint_id.in_(latest_ids))):
                    found[row.stream_id] = _api(row)
        return found

    async def keys(self) -> list[dict[str, str]]:
        """Every public key in `audit_keys`, oldest first: {key_id, algorithm, public_key, created_at}."""
        query = select(audit_keys).order_by(audit_keys.c.created_at, audit_keys.c.key_id)
        async with self._reads.connect() as conn:
            return [dict(row._mapping) for row in await conn.execute(query)]

    # Defined last: in the class body below it, `list` would name this method, not the type.
    async def list(self, stream_id: str | None, after: int, limit: int) -> tuple[list[dict[str, Any]], int | None]:
        """Checkpoints oldest first (of `stream_id`, or all), after checkpoint id `after`: the page and
        the checkpoint id the next page starts after (None on the last page)."""
        query = select(_cp.c.checkpoint_id, *_COLUMNS).where(_cp.c.checkpoint_id > after)
        if stream_id is not None:
            query = query.where(_cp.c.stream_id == stream_id)
        query = query.order_by(_cp.c.checkpoint_id).limit(limit + 1)
        async with self._reads.connect() as conn:
            rows = (await conn.execute(query)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_api(row) for row in rows], (rows[-1].checkpoint_id if more else None)
