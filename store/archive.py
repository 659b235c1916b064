"""The history archive (docs/audit.md): closed workflow runs copied out of Temporal, byte for byte.

Temporal deletes a closed run when its namespace's retention ends; the auditor still has to replay it.
Each row holds one run's `History` protobuf exactly as Temporal served it (payloads still encoded by
the data converter), compressed, with its SHA-256, so a row altered later is detected when read. The
compressed history of a journey's or a case's workflow is sealed under that stream's key
(`store.journey_keys`), so erasing the journey shreds its archived histories too: they then read as
`erased`, neither intact nor altered.
"""

import hashlib
import zlib
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.history.v1 import History
from temporalio.client import WorkflowHistory

from store.db import upsert_insert, write_tx
from store.journey_keys import SEALED_BYTES, JourneyErased, JourneyKeys
from store.tables import workflow_histories
from store.timefmt import now_text

# Closed statuses of a run that is the last of its workflow (continued-as-new is not final).
FINAL_STATUSES = frozenset({"completed", "failed", "canceled", "terminated", "timed_out"})


@dataclass(frozen=True)
class ArchivedRun:
    """One run as read back from the archive. `intact` is False when its bytes no longer match the
    SHA-256 recorded at archiving (or no longer decompress): the row was altered."""

    workflow_id: str
    run_id: str
    workflow_type: str
    status: str
    closed_at: str
    event_count: int
    history_sha256: str
    intact: bool
    history: WorkflowHistory | None
    # Its stream's key was destroyed (the journey was erased): the history is gone, by design.
    erased: bool = False

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


def history_bytes(history: WorkflowHistory) -> bytes:
    """The run's history as Temporal's own protobuf encoding."""
    return History(events=history.events).SerializeToString(deterministic=True)


def _sealable(workflow_id: str) -> bool:
    return workflow_id.startswith(("j_", "c_"))


class HistoryArchive:
    """`keys` seals the histories of journeys and cases under their stream's key; without it (older
    wiring, the tests of the archive alone) they are stored compressed only, and read either way."""

    def __init__(self, engine: AsyncEngine, keys: JourneyKeys | None = None) -> None:
        self._engine = engine
        self._keys = keys

    async def add(
        self, history: WorkflowHistory, *, run_id: str, workflow_type: str, status: str, closed_at: str
    ) -> bool:
        """Archive one closed run; False when it was archived already (idempotent by workflow and run)."""
        raw = history_bytes(history)
        blob = zlib.compress(raw, 6)
        if self._keys is not None and _sealable(history.workflow_id):
            blob = await self._keys.seal_bytes(history.workflow_id, blob)
        row = {
            "workflow_id": history.workflow_id,
            "run_id": run_id,
            "workflow_type": workflow_type,
            "status": status,
            "closed_at": closed_at,
            "event_count": len(history.events),
            "history_sha256": hashlib.sha256(raw).hexdigest(),
            "history": blob,
            "archived_at": now_text(),
        }
        async with write_tx(self._engine) as conn:
            stmt = upsert_insert(conn)(workflow_histories).values(**row).on_conflict_do_nothing()
            return (await conn.execute(stmt)).rowcount == 1

    async def archived_run_ids(self, run_ids: list[str]) -> set[str]:
        """Which of `run_ids` are archived already (one query per thousand)."""
        found: set[str] = set()
        async with self._engine.connect() as conn:
            for start in range(0, len(run_ids), 1000):
                chunk = run_ids[start : start + 1000]
                query = select(workflow_histories.c.run_id).where(workflow_histories.c.run_id.in_(chunk))
                found.update(r.run_id for r in await conn.execute(query))
        return found

    async def latest_closed_at(self) -> str | None:
        """The latest close time archived: where the next sweep resumes (less an overlap)."""
        async with self._engine.connect() as conn:
            return (await conn.execute(select(func.max(workflow_histories.c.closed_at)))).scalar()

    async def runs_of(self, workflow_ids: list[str]) -> list[ArchivedRun]:
        """Every archived run of these workflows, oldest close first, each checked against its SHA-256."""
        if not workflow_ids:
            return []
        query = (
            select(workflow_histories)
            .where(workflow_histories.c.workflow_id.in_(workflow_ids))
            .order_by(workflow_histories.c.closed_at, workflow_histories.c.run_id)
        )
        async with self._engine.connect() as conn:
            rows = list(await conn.execute(query))
        return [await self._read(row) for row in rows]

    async def _read(self, row) -> ArchivedRun:
        blob = row.history
        if blob.startswith(SEALED_BYTES):
            try:
                if self._keys is None:
                    raise ValueError("no keys to open a sealed history")
                blob = await self._keys.open_bytes(row.workflow_id, blob)
            except JourneyErased:
                return _run(row, intact=False, history=None, erased=True)
            except ValueError:
                return _run(row, intact=False, history=None)
        return _read(row, blob)


def _run(row, **outcome) -> ArchivedRun:
    return ArchivedRun(
        workflow_id=row.workflow_id,
        run_id=row.run_id,
        workflow_type=row.workflow_type,
        status=row.status,
        closed_at=row.closed_at,
        event_count=row.event_count,
        history_sha256=row.history_sha256,
        **outcome,
    )


def _read(row, blob: bytes) -> ArchivedRun:
    history: WorkflowHistory | None = None
    try:
        raw = zlib.decompress(blob)
        intact = hashlib.sha256(raw).hexdigest() == row.history_sha256
        if intact:
            history = WorkflowHistory(row.workflow_id, list(History.FromString(raw).events))
    except (zlib.error, DecodeError, ValueError, TypeError):
        intact = False
    return _run(row, intact=intact, history=history)
