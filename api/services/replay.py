"""Replaying recorded workflow runs against the installed code, for the auditor (API.md, Audit: verify).

A run that no longer replays is reported with where it diverges: Temporal's nondeterminism error says
what differs but not at which history event, so the event is found by replaying ever shorter prefixes
of the history (each prefix ends just after a workflow task, where the code's commands meet the
events they produced).
"""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.client import DATA_CONVERTER

_TASK_COMPLETED = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED


@dataclass(frozen=True)
class Divergence:
    """A run that did not replay: its workflow and run, the first history event the installed code does
    not produce, and the SDK's message."""

    workflow_id: str
    run_id: str
    event_id: int | None
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "run_id": self.run_id,
            "event_id": self.event_id,
            "message": self.message,
        }


@dataclass(frozen=True)
class ReplayReport:
    runs: int
    divergences: list[Divergence]


def _replayer() -> Replayer:
    from worker import SANDBOX, WORKFLOWS  # the installed workflow code, as the worker runs it

    return Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=SANDBOX)


def run_id_of(history: WorkflowHistory) -> str:
    started = history.events[0].workflow_execution_started_event_attributes if history.events else None
    return (started.original_execution_run_id or started.first_execution_run_id) if started else ""


async def _each(histories: Sequence[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history


async def replay(histories: Sequence[WorkflowHistory]) -> ReplayReport:
    """Replay every history; each one that fails is located (`first_divergent_event`)."""
    replayer = _replayer()
    runs, failed = 0, []
    async with replayer.workflow_replay_iterator(_each(histories)) as results:
        async for result in results:
            runs += 1
            if result.replay_failure is not None:
                failed.append((result.history, str(result.replay_failure)))
    divergences = [
        Divergence(h.workflow_id, run_id_of(h), await first_divergent_event(replayer, h), message[:1000])
        for h, message in failed
    ]
    return ReplayReport(runs, divergences)


async def _replays(replayer: Replayer, history: WorkflowHistory, length: int) -> bool:
    prefix = WorkflowHistory(history.workflow_id, list(history.events[:length]))
    async with replayer.workflow_replay_iterator(_each([prefix])) as results:
        async for result in results:
            return result.replay_failure is None
    return True


async def first_divergent_event(replayer: Replayer, history: WorkflowHistory) -> int | None:
    """The id of the first history event the installed code does not reproduce: the shortest prefix of the
    history that fails to replay ends with it. None when the whole history replays."""
    events = history.events
    # Prefix lengths ending just before each workflow task's completion: a task's commands are
    # checked against the events that follow it, so a prefix through the next task settles this one.
    cuts = [i + 1 for i, e in enumerate(events) if e.event_type == _TASK_COMPLETED] + [len(events)]
    low, high = 0, len(cuts) - 1  # find the first cut whose prefix fails
    if await _replays(replayer, history, cuts[high]):
        return None
    while low < high:
        middle = (low + high) // 2
        if await _replays(replayer, history, cuts[middle]):
            low = middle + 1
        else:
            high = middle
    # cuts[low] fails and the cut before it replays: the divergence lies between them. Within that
    # stretch (one task's commands and what followed, a few events), the shortest prefix that fails
    # ends at the diverging event.
    start = cuts[low - 1] if low > 0 else 0
    for length in range(start + 1, cuts[low] + 1):
        if not await _replays(replayer, history, length):
            return events[length - 1].event_id
    return events[start].event_id if start < len(events) else None
