"""The archive sweep (docs/audit.md): copy every closed run of the journey and case workflows from
Temporal into the engine's history archive before the namespace's retention deletes it.

A run is listed through Temporal's visibility (closed since the last archived close time, less an
overlap for runs whose visibility record lands late), its history fetched exactly as stored, and
inserted idempotently: a run archived already is skipped, so a sweep can be retried, run twice or
run by hand (`pmi audit archive`) at any time. It only reads the journeys' workflows, never waits on
them: archiving never blocks a journey.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.contracts import ActivityName, ArchiveReport, ArchiveSweep
from domain.events import instant
from store.archive import HistoryArchive
from store.timefmt import format_time

log = structlog.get_logger(__name__)

ARCHIVED_WORKFLOW_TYPES = ("JourneyWorkflow", "ProtectionCaseWorkflow")
# Visibility records of closed runs can land a little after later ones: each sweep looks back this far.
SWEEP_OVERLAP = timedelta(hours=1)


def closed_runs_query(task_queue: str, closed_since: str | None) -> str:
    """The engine's closed journey and case runs (those of its task queue: a namespace may hold others)."""
    types = ", ".join(f"'{t}'" for t in ARCHIVED_WORKFLOW_TYPES)
    query = f"WorkflowType IN ({types}) AND TaskQueue = '{task_queue}' AND ExecutionStatus != 'Running'"
    if closed_since:
        query += f" AND CloseTime >= '{closed_since}'"
    return query


async def resume_point(archive: HistoryArchive) -> str | None:
    """Where the scheduled sweep starts: the latest archived close time less the overlap (None: all)."""
    latest = await archive.latest_closed_at()
    if latest is None:
        return None
    since = instant(latest) - SWEEP_OVERLAP
    return since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Tally:
    """A sweep's counts while it runs (the report it returns is frozen)."""

    archived: int = 0
    already_archived: int = 0
    failed: int = 0
    archived_runs: list[str] = field(default_factory=list)

    def report(self) -> ArchiveReport:
        return ArchiveReport(**self.__dict__)


async def sweep_archive(
    client: Client,
    archive: HistoryArchive,
    task_queue: str,
    closed_since: str | None,
    *,
    progress: Callable[[Tally], None] = lambda tally: None,
) -> ArchiveReport:
    """Archive every closed journey and case run that closed at or after `closed_since`."""
    report = Tally()
    errors: list[str] = []
    batch = []
    async for execution in client.list_workflows(closed_runs_query(task_queue, closed_since)):
        batch.append(execution)
        if len(batch) >= 200:
            await _archive_batch(client, archive, batch, report, errors)
            progress(report)
            batch = []
    await _archive_batch(client, archive, batch, report, errors)
    progress(report)
    if errors:
        # Left for the retry (which skips what was copied): a run not archived now may be deleted later.
        raise ApplicationError(f"{len(errors)} runs could not be archived: {errors[:5]}", type="ARCHIVE_INCOMPLETE")
    return report.report()


async def _archive_batch(client: Client, archive: HistoryArchive, batch: list, report: Tally, errors: list):
    done = await archive.archived_run_ids([e.run_id for e in batch])
    for execution in batch:
        if execution.run_id in done:
            report.already_archived += 1
            continue
        try:
            history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:  # deleted between the listing and now: nothing to copy
                report.failed += 1
                log.warning("archive_run_gone", workflow_id=execution.id, run_id=execution.run_id)
                continue
            errors.append(f"{execution.id}/{execution.run_id}: {exc.status.name}")
            continue
        status = execution.status.name.lower() if execution.status is not None else "unknown"
        closed_at = format_time(execution.close_time) if execution.close_time else format_time(datetime.now(UTC))
        added = await archive.add(
            history,
            run_id=execution.run_id,
            workflow_type=execution.workflow_type,
            status=status,
            closed_at=closed_at,
        )
        if added:
            report.archived += 1
            report.archived_runs.append(f"{execution.id}/{execution.run_id}")
        else:
            report.already_archived += 1


class ArchiveActivities:
    def __init__(self, archive: HistoryArchive, task_queue: str) -> None:
        self._archive = archive
        self._task_queue = task_queue

    @activity.defn(name=ActivityName.ARCHIVE_CLOSED_RUNS)
    async def archive_closed_runs(self, sweep: ArchiveSweep) -> ArchiveReport:
        """The scheduled sweep: from `sweep.closed_since`, or from where the archive stands."""
        since = sweep.closed_since or await resume_point(self._archive)
        report = await sweep_archive(
            activity.client(), self._archive, self._task_queue, since, progress=lambda r: activity.heartbeat(r.archived)
        )
        # The report goes into the sweep's history: keep the run list short there.
        report = report.model_copy(update={"archived_runs": report.archived_runs[:50]})
        log.info("archive_swept", archived=report.archived, already=report.already_archived, gone=report.failed)
        return report
