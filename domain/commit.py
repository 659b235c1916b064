"""The one commit loop (issue 9): record and fold what a decision emitted, then what that makes due,
until nothing more is. Both workflows, the domain's test harness and the API's answer to a start use it.

Pure: `now` is given (the workflow passes `workflow.now()`), nothing is read or written. A loop that has
not settled after `MAX_ROUNDS` rounds is a bug in the rules (each round must bring the state nearer to
rest), so it raises instead of stopping wherever it was; in a workflow that fails the task, which
Temporal retries once the code is fixed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from domain.contracts import NewEvent
from domain.decide import Emitted

S = TypeVar("S")
MAX_ROUNDS = 200


class SettleLoopError(RuntimeError):
    """The rules kept making more due: the commit loop did not settle."""


@dataclass(frozen=True)
class Folded(Generic[S]):
    """One recorded event with the state before and after it (reactions are asked with both)."""

    before: S | None
    recorded: NewEvent
    after: S


def commit(
    state: S | None,
    emitted: list[Emitted],
    now: datetime,
    evolve: Callable[[S | None, NewEvent], S],
    settle: Callable[[S, datetime], list[Emitted]] | None = None,
) -> tuple[S | None, list[Folded[S]]]:
    """Record `emitted` at `now` after the state's version and fold each; then, when `settle` is given
    and something was recorded, fold what `settle` makes due, round after round, until it makes nothing.
    Returns the final state and every event folded, in order."""
    folded: list[Folded[S]] = []
    pending = list(emitted)
    for _ in range(MAX_ROUNDS):
        for item in pending:
            recorded = item.recorded(_version(state) + 1, now)
            after = evolve(state, recorded)
            folded.append(Folded(state, recorded, after))
            state = after
        if not pending or settle is None or state is None:
            return state, folded
        pending = settle(state, now)
    raise SettleLoopError(f"the commit loop did not settle in {MAX_ROUNDS} rounds")


def _version(state: Any) -> int:
    return state.version if state is not None else 0
