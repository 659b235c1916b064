"""The event-store writer activity: appends a workflow's new events, then updates the read model.

One writer for both kinds of stream: a journey's (`j_...`, with a journey projection) and a
protection case's (`c_...`, the stream id is the case id, with a case projection).

Idempotent: a retried call finds its events stored (by stream and seq) and skips them, and the
projections' version guards ignore a stale upsert.

When the append ends a journey or closes a case, the stream's head is signed at once (a checkpoint,
docs/audit.md), after the events have committed. Signing is best effort here: a failure is logged and
the scheduled audit sweep signs the head later; it never fails the append.
"""

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.checkpoints import CheckpointActivities
from domain.contracts import ActivityName, AppendEvents, AppendResult, NewEvent
from metrics import count_events
from store.cases import CaseReadModel
from store.event_store import EventConflict, EventStore
from store.journey_keys import JourneyKeys
from store.read_model import JourneyReadModel

log = structlog.get_logger(__name__)


def ends_stream(input: AppendEvents) -> bool:
    """The append leaves its journey ended or its case closed: the moment to sign the stream's head."""
    return (input.projection is not None and input.projection.status == "ended") or (
        input.case_projection is not None and input.case_projection.status == "closed"
    )


class EventStoreActivities:
    """Holds the store objects (and through them the process's engine).

    `cases` is optional so that callers built before protection cases keep working; a worker that
    runs case workflows must pass it (`CaseReadModel(engine)`). `checkpoints` signs the head of a
    stream that has just ended; without it, only the scheduled sweep signs.
    """

    def __init__(
        self,
        store: EventStore,
        read_model: JourneyReadModel,
        cases: CaseReadModel | None = None,
        checkpoints: CheckpointActivities | None = None,
        keys: JourneyKeys | None = None,
    ) -> None:
        self._store = store
        self._read_model = read_model
        self._cases = cases
        self._checkpoints = checkpoints
        self._keys = keys

    @activity.defn(name=ActivityName.APPEND_EVENTS)
    async def append_events(self, input: AppendEvents) -> AppendResult:
        """Append `input.events` to `input.stream_id` and upsert `input.projection` and
        `input.case_projection` if given, in one transaction.

        An `EventGap` is left retryable (an earlier append may still be in flight); a conflicting
        event at a stored seq is not, since retrying cannot make two histories agree.
        """
        if input.case_projection is not None and self._cases is None:
            # A wiring mistake, not a bad input: stay retryable (the events are stored idempotently),
            # so a worker redeployed with the case read model catches up instead of failing the case.
            raise ApplicationError(
                "this worker has no case read model (EventStoreActivities(..., cases=CaseReadModel(engine)))",
                type="CASE_READ_MODEL_MISSING",
            )

        # The projections' rows are made here, before the transaction that writes them.
        writes = []
        if input.projection is not None:
            writes.append(self._read_model.writer(input.projection))
        if input.case_projection is not None and self._cases is not None:
            writes.append(self._cases.writer(input.case_projection))

        async def project(conn: AsyncConnection) -> None:
            for write in writes:
                await write(conn)

        try:
            events = await self._sealed(input)
            result = await self._store.append(input.stream_id, events, then=project)
        except EventConflict as exc:
            raise ApplicationError(str(exc), type="EVENT_CONFLICT", non_retryable=True) from exc
        count_events(input.events)
        if self._checkpoints is not None and ends_stream(input):
            await self._sign(input.stream_id)
        return result

    async def _sealed(self, input: AppendEvents) -> list[NewEvent]:
        """The events with their personal values sealed under their stream's key (docs/privacy.md).
        Without keys (older wiring) they are stored as given."""
        if self._keys is None:
            return input.events
        return [e.model_copy(update={"data": await self._keys.seal(input.stream_id, e.data)}) for e in input.events]

    async def _sign(self, stream_id: str) -> None:
        try:
            await self._checkpoints.sign_stream(stream_id)  # type: ignore[union-attr]
        except Exception as exc:  # whatever fails, the append has succeeded
            # The exception's type only: a driver's message may quote the statement's values.
            log.warning("checkpoint_sign_failed", stream_id=stream_id, error=type(exc).__name__)
