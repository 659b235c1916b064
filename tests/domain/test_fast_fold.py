"""The fold's fast copy and the folds in place change nothing: `evolve` and `fold` (and the case
ones) give exactly the states they gave when `evolve` copied the state with pydantic's
`model_copy(deep=True)` for every event, and `evolve` still leaves the state it is given untouched
(the workflow, its replay and the auditor rely on both)."""

from contextlib import contextmanager
from datetime import timedelta
from functools import reduce
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import domain.case_events as case_events
import domain.evolve as evolve_module
from domain.case_events import evolve_case
from domain.case_rules import case_action, open_case, settle_case
from domain.contracts import CaseCommand, NewEvent, StartCase
from domain.errors import DomainError
from domain.evolve import evolve, fold
from domain.policy import Policy
from domain.rules import CURRENT
from domain.state_copy import deep_copy
from domain.view import journey_view
from tests.domain.harness import OFFICER, SUPERVISOR, T0, Journey
from tests.domain.test_fold_property import SCHEMES, commands, run


@contextmanager
def pydantic_copies():
    """`evolve` and `evolve_case` as they were: a `model_copy(deep=True)` of the state per event."""

    def model_copy(state):
        return state.model_copy(deep=True)

    with patch.object(evolve_module, "deep_copy", model_copy), patch.object(case_events, "deep_copy", model_copy):
        yield


def mutable_parts(value, found: dict[int, object]) -> dict[int, object]:
    """Every model, dict, list and set reachable from `value`, by id."""
    if isinstance(value, (BaseModel, dict, list, set)):
        found[id(value)] = value
    children = (
        value.__dict__.values()
        if isinstance(value, BaseModel)
        else [*value.keys(), *value.values()]
        if isinstance(value, dict)
        else value
        if isinstance(value, (list, tuple, set, frozenset))
        else ()
    )
    for child in children:
        mutable_parts(child, found)
    return found


def assert_same_states(events: list[NewEvent], fold_all, evolve_one) -> None:
    with pydantic_copies():
        before = []
        state = None
        for recorded in events:
            state = evolve_one(state, recorded)
            before.append(state)
        folded_before = fold_all(events)
    state = None
    for n, recorded in enumerate(events):
        given_state = state
        snapshot = None if given_state is None else given_state.model_dump()
        state = evolve_one(given_state, recorded)
        assert state == before[n] and state.model_dump() == before[n].model_dump(), f"after event {n + 1}"
        assert state.__pydantic_fields_set__ == before[n].__pydantic_fields_set__
        if given_state is not None:
            assert given_state.model_dump() == snapshot, f"event {n + 1} changed the state it was given"
            assert not mutable_parts(state, {}).keys() & mutable_parts(given_state, {}).keys()
    assert fold_all(events) == folded_before == (before[-1] if before else None)


def journey_after(scheme: str, rules: int, script: list[tuple]) -> Journey:
    j = Journey(scheme, rules=rules)
    for command in script:
        try:
            run(j, command)
        except DomainError:
            pass
    return j


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=SCHEMES, rules=st.sampled_from([1, CURRENT]), script=commands)
def test_evolve_and_fold_give_the_states_they_gave_with_pydantic_deep_copies(scheme, rules, script):
    j = journey_after(scheme, rules, script)
    # As the store gives them back: read from JSON.
    events = [NewEvent.model_validate_json(e.model_dump_json()) for e in j.events]
    assert_same_states(events, fold, evolve)
    assert journey_view(fold(events)) == journey_view(j.s)


@settings(max_examples=60, deadline=None)
@given(scheme=SCHEMES, script=commands)
def test_the_fast_copy_equals_pydantics_deep_copy_and_shares_nothing_mutable(scheme, script):
    for state in journey_after(scheme, CURRENT, script).states:
        copied = deep_copy(state)
        assert copied == state.model_copy(deep=True)
        assert copied.__pydantic_fields_set__ == state.__pydantic_fields_set__
        assert not mutable_parts(copied, {}).keys() & mutable_parts(state, {}).keys()


CASE_ACTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("act"),
            st.sampled_from(
                [
                    "verify",
                    "request_clarification",
                    "clarification_received",
                    "request_documents",
                    "documents_received",
                    "mark_unreachable",
                    "complainant_reached",
                    "refer",
                    "advocate",
                    "mediate",
                    "shelter",
                    "repatriate",
                    "resolve",
                    "escalate",
                    "close",
                ]
            ),
        ),
        st.tuples(st.just("advance"), st.sampled_from([1, 5, 30, 24 * 20, 24 * 70])),
    ),
    max_size=25,
)
ACTION_FIELDS = {
    "refer": {"to": "police"},
    "advocate": {"track": "non_litigation"},
    "resolve": {"resolution": "wages paid"},
    "escalate": {"to": "supervisor", "note": "stuck"},
    "close": {"note": "done"},
}


def case_events_of(case_type: str, rules: int, script: list[tuple]) -> list[NewEvent]:
    now, events = T0, []
    start = StartCase(
        case_id="c_01", journey_id="j_01", case_type=case_type, province_code="33", actor=OFFICER, policy=Policy()
    )
    state = None

    def record(emitted) -> None:
        nonlocal state
        for item in emitted:
            recorded = item.recorded(len(events) + 1, now)
            state = evolve_case(state, recorded)
            events.append(recorded)

    record(open_case(start, now, rules))
    for kind, arg in script:
        try:
            if kind == "act":
                actor = SUPERVISOR if arg in ("escalate", "close") else OFFICER
                record(case_action(state, CaseCommand(action=arg, actor=actor, **ACTION_FIELDS.get(arg, {})), now))
            else:
                now += timedelta(hours=arg)
                while emitted := settle_case(state, now):
                    record(emitted)
        except DomainError:
            pass
    return events


@settings(max_examples=80, deadline=None)
@given(
    case_type=st.sampled_from(sorted(Policy().case_first_response_hours)),
    rules=st.sampled_from([1, CURRENT]),
    script=CASE_ACTIONS,
)
def test_case_states_are_the_ones_pydantic_deep_copies_gave(case_type, rules, script):
    events = [NewEvent.model_validate_json(e.model_dump_json()) for e in case_events_of(case_type, rules, script)]
    assert_same_states(events, lambda events: reduce(evolve_case, events, None), evolve_case)
