"""The one commit loop (`domain.commit`): what a decision emits, then what it makes due, until rest."""

from datetime import UTC, datetime

import pytest

from domain.case_events import FirstResponseMissed
from domain.commit import MAX_ROUNDS, SettleLoopError, commit
from domain.contracts import SYSTEM, NewEvent
from domain.decide import Emitted

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def counter(state: int | None, recorded: NewEvent) -> int:
    """A stand-in state: how many events were folded (its `version` is the count)."""
    return Count((state.version if state else 0) + 1)


class Count(int):
    @property
    def version(self) -> int:
        return int(self)


def emitted(n: int) -> list[Emitted]:
    return [Emitted(FirstResponseMissed(due_at=NOW), SYSTEM) for _ in range(n)]


def test_what_is_emitted_is_recorded_in_order_after_the_version_then_settled_until_nothing_is_due():
    due = {2: 2, 4: 1}  # after the 2nd event two more fall due, after the 4th one more

    def settle(state: Count, now: datetime) -> list[Emitted]:
        assert now == NOW
        return emitted(due.pop(state.version, 0))

    state, folded = commit(Count(0), emitted(2), NOW, counter, settle)
    assert state == 5
    assert [f.recorded.seq for f in folded] == [1, 2, 3, 4, 5]
    assert [(f.before, f.after) for f in folded] == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    assert all(f.recorded.occurred_at == NOW for f in folded)


def test_nothing_emitted_settles_nothing_and_no_settle_folds_only_what_was_emitted():
    def settle(state, now):
        raise AssertionError("not asked")

    assert commit(Count(3), [], NOW, counter, settle) == (3, [])
    state, folded = commit(Count(3), emitted(1), NOW, counter)
    assert state == 4 and [f.recorded.seq for f in folded] == [4]


def test_a_loop_that_never_settles_is_an_error_not_a_silent_stop():
    with pytest.raises(SettleLoopError, match=str(MAX_ROUNDS)):
        commit(Count(0), emitted(1), NOW, counter, lambda state, now: emitted(1))
