"""The event store: per-stream, gap-free, hash-chained, append-only.

A stream is a journey (`j_...`) or a protection case (`c_...`). Each event's `hash` is the
SHA-256 of its `prev_hash` followed by the canonical JSON of the event as the API returns it,
without `hash` and `recorded_at` (API.md), so any client can verify a chain it downloaded.
"""

import json
from collections.abc import Awaitable, Callable, Iterable
from itertools import groupby
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.chain import GENESIS_HASH, ChainWalk, canonical_json, event_hash
from domain.contracts import AppendResult, NewEvent
from store.db import write_tx
from store.pagination import page_reader
from store.tables import events as events_table
from store.timefmt import format_time, now_text

__all__ = ["GENESIS_HASH", "CorruptEvent", "EventStore", "canonical_json", "event_hash"]

# A concurrent writer of the same stream makes our insert fail on the primary key; we re-read and
# skip what it wrote. More attempts than that can only mean something else is wrong.
_APPEND_ATTEMPTS = 5
# Streams per query of `read_checked_many` (bound parameters of one `IN`).
_STREAMS_PER_READ = 500
# An append's statements, built once (inside its transaction it only executes them).
_HEAD = (
    select(events_table.c.seq, events_table.c.hash)
    .where(events_table.c.stream_id == bindparam("stream_id"))
    .order_by(events_table.c.seq.desc())
    .limit(1)
)
_STORED = select(events_table.c.seq, events_table.c.type, events_table.c.hash).where(
    events_table.c.stream_id == bindparam("stream_id"),
    events_table.c.seq.between(bindparam("first"), bindparam("last")),
)
_INSERT = events_table.insert()


class EventGap(Exception):
    """Appending seq n while seq n-1 is not stored: the chain would have a hole."""


class EventConflict(Exception):
    """A seq is already stored with a different event type: two histories claim the same place."""


class CorruptEvent(ValueError):
    """A stored event whose `data` is no longer JSON: the store was altered outside the engine."""

    def __init__(self, stream_id: str, seq: int) -> None:
        super().__init__(f"event {seq} of {stream_id} is corrupt")
        self.stream_id = stream_id
        self.seq = seq


def _hashed_part(row: Any) -> dict:
    """The event document as hashed, rebuilt from a stored row; `CorruptEvent` when `data` is not JSON."""
    try:
        data = json.loads(row.data)
    except (TypeError, ValueError, RecursionError) as exc:
        raise CorruptEvent(row.stream_id, row.seq) from exc
    return {
        "seq": row.seq,
        "type": row.type,
        "version": row.version,
        "occurred_at": row.occurred_at,
        "actor": {"sub": row.actor_sub, "role": row.actor_role},
        "data": data,
        "prev_hash": row.prev_hash,
    }


def _document(row: Any) -> dict:
    doc = _hashed_part(row)
    doc["recorded_at"] = row.recorded_at
    doc["hash"] = row.hash
    return doc


class EventStore:
    """Appends and reads event streams over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reads = page_reader(engine)

    async def append(
        self,
        stream_id: str,
        events: list[NewEvent],
        then: Callable[[AsyncConnection], Awaitable[None]] | None = None,
    ) -> AppendResult:
        """Append `events` (consecutive seqs, in order) in one transaction, and run `then` (a read-model
        update) in that same transaction, so events and what is projected from them commit together.

        Idempotent by (stream_id, seq): a seq already stored is skipped if its type matches and
        raises `EventConflict` if not. A first new seq whose predecessor is missing raises
        `EventGap`. Returns the seq and hash of the last event of the batch (or of the stream's head
        when the batch is empty).
        """
        _check_consecutive(events)
        # Each event's document and stored data, made before the transaction; only the chain (which
        # needs the stored head) is computed inside it.
        documents = [_new_document(event) for event in events]
        for attempt in range(_APPEND_ATTEMPTS):
            try:
                async with write_tx(self._engine) as conn:
                    result = await self._append_in(conn, stream_id, events, documents)
                    if then is not None:
                        await then(conn)
                    return result
            except IntegrityError:
                # Lost a race with another writer of this stream (PostgreSQL): its rows are
                # committed now, so the next attempt sees them and skips or fails properly.
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _append_in(
        self, conn: AsyncConnection, stream_id: str, batch: list[NewEvent], documents: list[tuple[dict, str]]
    ) -> AppendResult:
        if not batch:
            head = (await conn.execute(_HEAD, {"stream_id": stream_id})).first()
            return AppendResult(last_seq=head.seq, last_hash=head.hash) if head else _genesis()
        first, last = batch[0].seq, batch[-1].seq
        stored = {
            row.seq: row
            for row in await conn.execute(_STORED, {"stream_id": stream_id, "first": first - 1, "last": last})
        }
        prev_hash = GENESIS_HASH
        if first > 1:
            if first - 1 not in stored:
                raise EventGap(f"{stream_id}: cannot append seq {first}, seq {first - 1} is not stored")
            prev_hash = stored[first - 1].hash
        recorded_at = now_text()
        rows = []
        for event, (doc, data) in zip(batch, documents, strict=True):
            existing = stored.get(event.seq)
            if existing is not None:
                if existing.type != event.type:
                    raise EventConflict(f"{stream_id}: seq {event.seq} is stored as {existing.type}, not {event.type}")
                prev_hash = existing.hash
                continue
            digest = event_hash(prev_hash, {**doc, "prev_hash": prev_hash})
            rows.append(
                {
                    "stream_id": stream_id,
                    "seq": event.seq,
                    "type": event.type,
                    "version": event.version,
                    "occurred_at": doc["occurred_at"],
                    "recorded_at": recorded_at,
                    "actor_sub": event.actor.sub,
                    "actor_role": event.actor.role,
                    "data": data,
                    "prev_hash": prev_hash,
                    "hash": digest,
                }
            )
            prev_hash = digest
        if rows:
            await conn.execute(_INSERT, rows)
        return AppendResult(last_seq=last, last_hash=prev_hash)

    async def read(self, stream_id: str, after_seq: int = 0, limit: int = 50) -> list[dict]:
        """Up to `limit` API event documents with seq > `after_seq`, oldest first."""
        query = (
            select(events_table)
            .where(events_table.c.stream_id == stream_id, events_table.c.seq > after_seq)
            .order_by(events_table.c.seq)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [_document(row) for row in await conn.execute(query)]

    async def read_all(self, stream_id: str) -> list[dict]:
        """Every event of the stream, oldest first."""
        query = select(events_table).where(events_table.c.stream_id == stream_id).order_by(events_table.c.seq)
        async with self._engine.connect() as conn:
            return [_document(row) for row in await conn.execute(query)]

    async def verify_chain(self, stream_id: str) -> tuple[bool, int | None]:
        """Recompute the chain: (True, None) when intact, else (False, first seq that is wrong)."""
        broken_at, _ = await self.read_checked(stream_id)
        return broken_at is None, broken_at

    async def read_checked(self, stream_id: str) -> tuple[int | None, list[dict]]:
        """Every event of the stream with its chain recomputed, in one read: the first seq where the chain
        breaks (None when intact), and the documents that can still be read (those before the first
        whose `data` is no longer JSON).

        A missing seq, a `prev_hash` that is not the previous event's hash, a `hash` that does not
        recompute, or `data` that is no longer JSON all break the chain at that seq: corruption is a
        finding, never an error. An empty stream is intact.
        """
        query = select(events_table).where(events_table.c.stream_id == stream_id).order_by(events_table.c.seq)
        async with self._engine.connect() as conn:
            return check_rows(await conn.execute(query))

    async def read_checked_many(self, stream_ids: Iterable[str]) -> dict[str, tuple[int | None, list[dict]]]:
        """`read_checked` of many streams, one query per few hundred of them (`pmi audit verify`):
        stream id -> (first broken seq, readable documents), for every id asked (an empty stream is
        `(None, [])`, as `read_checked` answers it)."""
        ids = sorted(set(stream_ids))
        found: dict[str, tuple[int | None, list[dict]]] = {}
        async with self._reads.connect() as conn:
            for start in range(0, len(ids), _STREAMS_PER_READ):
                chunk = ids[start : start + _STREAMS_PER_READ]
                query = (
                    select(events_table)
                    .where(events_table.c.stream_id.in_(chunk))
                    .order_by(events_table.c.stream_id, events_table.c.seq)
                )
                for stream_id, rows in groupby(await conn.execute(query), key=lambda row: row.stream_id):
                    found[stream_id] = check_rows(rows)
        return {stream_id: found.get(stream_id, (None, [])) for stream_id in ids}


def check_rows(rows: Iterable[Any]) -> tuple[int | None, list[dict]]:
    """`read_checked` over rows already read (one stream's, in seq order)."""
    walk = ChainWalk()
    documents: list[dict] = []
    for row in rows:
        try:
            doc = _document(row)
        except CorruptEvent:
            return walk.unreadable(row.seq), documents
        documents.append(doc)
        walk.step(doc)
    return walk.broken_at, documents


def _new_document(event: NewEvent) -> tuple[dict, str]:
    """The event's document as hashed, but for its `prev_hash`, and its `data` as stored: the exact
    canonical text that is hashed (JSONB would re-encode it)."""
    # JSON mode turns dates and other values in `data` into the strings that will be read back.
    dumped = event.model_dump(mode="json")
    doc = {
        "seq": event.seq,
        "type": event.type,
        "version": event.version,
        "occurred_at": format_time(event.occurred_at),
        "actor": {"sub": event.actor.sub, "role": event.actor.role},
        "data": dumped["data"],
    }
    return doc, canonical_json(doc["data"])


def _check_consecutive(batch: list[NewEvent]) -> None:
    for before, after in zip(batch, batch[1:], strict=False):
        if after.seq != before.seq + 1:
            raise ValueError(f"one append needs consecutive seqs ({before.seq} then {after.seq})")
    if batch and batch[0].seq < 1:
        raise ValueError("seq starts at 1")


def _genesis() -> AppendResult:
    return AppendResult(last_seq=0, last_hash=GENESIS_HASH)
