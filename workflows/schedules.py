"""The engine's Temporal Schedules, created (or brought up to date) by the worker when it starts."""

from datetime import timedelta

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from config import Settings
from domain.contracts import ArchiveSweep
from workflows.audit_sweep import SCHEDULE_ID, WORKFLOW_ID, AuditSweepWorkflow

log = structlog.get_logger(__name__)


def audit_sweep_schedule(settings: Settings) -> Schedule:
    """The audit sweep every `PMI_AUDIT_SWEEP_MINUTES`; a sweep still running when the next is due
    makes that one skip (they would copy the same runs)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            AuditSweepWorkflow.run,
            ArchiveSweep(),
            id=WORKFLOW_ID,
            task_queue=settings.task_queue,
            execution_timeout=timedelta(hours=6),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=settings.audit_sweep_minutes))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_audit_sweep_schedule(client: Client, settings: Settings) -> None:
    """Create the sweep's schedule, or update it to this worker's settings when it exists."""
    schedule = audit_sweep_schedule(settings)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        log.info("schedule_created", schedule_id=SCHEDULE_ID, every_minutes=settings.audit_sweep_minutes)
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(replace)
