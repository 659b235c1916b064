"""The workflows this code runs, and the sandbox they run in: what the worker registers and what the
auditor's replay (`api.services.replay`, `tests/workflows/test_replay.py`) replays with. Not in the
worker's composition root, so the API can replay without importing the worker."""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.audit_sweep import AuditSweepWorkflow
from workflows.case import ProtectionCaseWorkflow
from workflows.journey import JourneyWorkflow
from workflows.standing import StandingBroadcastWorkflow

WORKFLOWS = [JourneyWorkflow, ProtectionCaseWorkflow, AuditSweepWorkflow, StandingBroadcastWorkflow]
# The domain is pure and deterministic by construction: share its modules with the sandbox
# instead of re-importing them for every workflow run.
SANDBOX = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("domain", "pydantic", "dateutil", "activities")
)
