"""Replaying recorded workflow runs against the installed code, for the auditor (API.md, Audit: verify).

A run that no longer replays is reported with where it diverges: Temporal's nondeterminism error says
what differs but not at which history event, so the event is found by replaying ever shorter prefixes
of the history (each prefix ends just after a workflow task, where the code's commands meet the
events they produced).
"""

import asyncio
import multiprocessing
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import structlog
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.client import converter_with
from workflows.codec import EncryptionCodec

_TASK_COMPLETED = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
log = structlog.get_logger(__name__)


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


def _replayer(codec: EncryptionCodec | None) -> Replayer:
    from workflows.registry import SANDBOX, WORKFLOWS  # the installed workflow code, as the worker runs it

    return Replayer(workflows=WORKFLOWS, data_converter=converter_with(codec), workflow_runner=SANDBOX)


def run_id_of(history: WorkflowHistory) -> str:
    started = history.events[0].workflow_execution_started_event_attributes if history.events else None
    return (started.original_execution_run_id or started.first_execution_run_id) if started else ""


async def _each(histories: Sequence[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history


async def replay(histories: Sequence[WorkflowHistory], codec: EncryptionCodec | None = None) -> ReplayReport:
    """Replay every history; each one that fails is located (`first_divergent_event`). `codec` decrypts
    payloads as Temporal stores them; without it the histories must be in the clear (an export's).

    A workflow task that fails on replay other than by nondeterminism (a payload that does not decrypt,
    code that raises) is retried by the SDK's replayer for ever: `ReplayPool` bounds that with its
    deadline, which is why verify replays there."""
    replayer = _replayer(codec)
    # A run whose first workflow task has not completed (just started, or continued as new a moment
    # ago) has made no decision the code could contradict; the SDK's replayer never returns on a history
    # that holds no workflow task at all, so such runs are counted without it.
    decided = [h for h in histories if any(e.event_type == _TASK_COMPLETED for e in h.events)]
    runs, failed = len(histories) - len(decided), []
    async with replayer.workflow_replay_iterator(_each(decided)) as results:
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


def _replay_serialized(histories: list[tuple[str, bytes]], codec: EncryptionCodec | None) -> ReplayReport:
    """`replay` in a pool's child process: the histories arrive as (workflow id, History bytes)."""
    parsed = []
    for workflow_id, data in histories:
        history = History()
        history.ParseFromString(data)
        parsed.append(WorkflowHistory(workflow_id, list(history.events)))
    return asyncio.run(replay(parsed, codec))


class ReplayUnavailable(Exception):
    """The replay could not finish: past the pool's deadline, or its child process died."""


class ReplayPool:
    """Replays in child processes, off the caller's interpreter.

    A replay is many short steps of Python: in the API process it competes for the one interpreter
    lock with every request, the worker and the database drivers, and under load it slowed a hundredfold
    (2 s became over 300 s with eight busy threads). A child process replays at full speed, keeps the
    API answering meanwhile, and lets a bulk verify replay on every core. The children start on first
    use (`spawn`, so nothing of the parent's threads or connections is inherited) and live until
    `close`; a replay past `timeout_seconds` is abandoned with its children, and the next one starts
    fresh ones. As with any `spawn`ed child, a script that uses the pool must start under
    `if __name__ == "__main__":` (the `pmi` and `uvicorn` entry points do)."""

    def __init__(self, codec: EncryptionCodec | None, processes: int = 1, timeout_seconds: float = 120.0) -> None:
        self.processes = max(1, processes)
        self.codec = codec  # sent to the child with each replay: it reads the same keyring file
        self.timeout_seconds = timeout_seconds
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(self.processes, mp_context=context)
        return self._executor

    async def replay(self, histories: Sequence[WorkflowHistory]) -> ReplayReport:
        """`replay(histories)`, in a child; `ReplayUnavailable` past the deadline."""
        serialized = [(h.workflow_id, History(events=h.events).SerializeToString()) for h in histories]
        future = asyncio.get_running_loop().run_in_executor(self._pool(), _replay_serialized, serialized, self.codec)
        try:
            return await asyncio.wait_for(future, self.timeout_seconds)
        except TimeoutError:
            log.warning("replay_timed_out", runs=len(histories), seconds=self.timeout_seconds)
            self._abandon()
            raise ReplayUnavailable from None
        except BrokenProcessPool:  # a child died (killed, out of memory): start afresh next time
            log.warning("replay_process_died", runs=len(histories))
            self._abandon()
            raise ReplayUnavailable from None

    def _abandon(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            for process in list(getattr(executor, "_processes", {}).values()):
                process.terminate()
            executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the children; one still replaying (a replay that never ends) is terminated, not waited on."""
        self._abandon()
