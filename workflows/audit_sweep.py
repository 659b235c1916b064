"""`AuditSweepWorkflow`: started by the Temporal Schedule `pmi-audit-sweep` every
`PMI_AUDIT_SWEEP_MINUTES`, and by `pmi audit archive` on demand. It copies closed journey and case
runs into the engine's history archive before Temporal's retention deletes them, then signs the chain
heads that moved since their last checkpoint (docs/audit.md). Both steps are idempotent, and neither
touches a journey's own workflow: archiving never blocks a journey."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.contracts import ActivityName, ArchiveReport, ArchiveSweep, CheckpointReport, Contract

SCHEDULE_ID = "pmi-audit-sweep"
WORKFLOW_ID = "pmi-audit-sweep"
# A sweep of a busy namespace lists and copies many runs: long, heartbeating, retried from where it was.
SWEEP_TIMEOUT = timedelta(hours=1)
SWEEP_HEARTBEAT = timedelta(minutes=2)
SWEEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5), maximum_attempts=5
)


class AuditSweepResult(Contract):
    archive: ArchiveReport
    checkpoints: CheckpointReport


@workflow.defn(name="AuditSweepWorkflow")
class AuditSweepWorkflow:
    @workflow.run
    async def run(self, sweep: ArchiveSweep) -> AuditSweepResult:
        archive = await workflow.execute_activity(
            ActivityName.ARCHIVE_CLOSED_RUNS,
            sweep,
            result_type=ArchiveReport,
            start_to_close_timeout=SWEEP_TIMEOUT,
            heartbeat_timeout=SWEEP_HEARTBEAT,
            retry_policy=SWEEP_RETRY,
        )
        checkpoints = await workflow.execute_activity(
            ActivityName.SIGN_CHECKPOINTS,
            result_type=CheckpointReport,
            start_to_close_timeout=SWEEP_TIMEOUT,
            heartbeat_timeout=SWEEP_HEARTBEAT,
            retry_policy=SWEEP_RETRY,
        )
        return AuditSweepResult(archive=archive, checkpoints=checkpoints)
