"""Folding the events of any valid command sequence gives the state the commands produced.

Random journeys (all three schemes) are driven through the pure domain with valid and invalid
evidence, early and duplicate integration events, clock advances, withdrawals, cancellations and
employment events. Refused commands must raise `DomainError` and change nothing; the recorded
events, read back from JSON as the store keeps them, must fold to exactly the state after each one.
"""

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain import timeline
from domain.contracts import NewEvent
from domain.errors import DomainError
from domain.evolve import evolve, fold
from domain.steps import INTEGRATION_TYPES, LOCKED
from domain.view import journey_view
from tests.domain.harness import OFFICER, SUPERVISOR, Journey, valid_evidence

SCHEMES = st.sampled_from(["G2G", "P3MI", "INDEPENDENT"])
ACTORS = {"officer": OFFICER, "supervisor": SUPERVISOR}
# complaint.filed opens protection cases, which this property leaves to its own tests.
INTEGRATIONS = sorted((t, sorted(s)[0], step) for t, (s, step) in INTEGRATION_TYPES.items() if step)
WRONG_SOURCE = {"clinic": "imigrasi", "imigrasi": "bpjs", "lsp": "clinic", "bpjs": "embassy", "embassy": "lsp"}

step_command = st.tuples(
    st.just("act"),
    st.integers(0, 30),  # index into the open steps (or, for reopen/reject of anything, all steps)
    st.sampled_from(["complete"] * 8 + ["complete_invalid", "reject", "waive", "reopen", "reject_any"]),
    st.sampled_from(["officer", "supervisor"]),
)
integration_command = st.tuples(
    st.just("integrate"),
    st.integers(0, len(INTEGRATIONS) - 1),
    st.sampled_from(["valid"] * 4 + ["invalid", "wrong_source"]),
    st.integers(0, 6),  # a small pool of event ids, so duplicates happen
)
clock_command = st.tuples(st.just("advance"), st.sampled_from([0, 1, 10, 31, 95, 200, 400, 800]))
# Ending is rare (one draw in ten of an already rare branch), so most journeys get far.
end_command = st.tuples(
    st.sampled_from(["withdraw", "cancel"]), st.sampled_from(["officer", "supervisor"]), st.sampled_from(range(1, 11))
)
employment_command = st.tuples(
    st.just("employment"),
    st.sampled_from(
        [
            "welfare_check",
            "remittance_reported",
            "contract_extended",
            "employer_changed",
            "early_termination",
            "passport_renewed",
            "social_security_extended",
        ]
    ),
)
# Several commands at once: complete every open step with valid evidence, so journeys get past departure.
sweep_command = st.tuples(st.just("sweep"))
commands = st.lists(
    st.one_of(
        *[step_command] * 5,
        *[sweep_command] * 4,
        integration_command,
        integration_command,
        clock_command,
        employment_command,
        end_command,
    ),
    min_size=10,
    max_size=60,
)


def employment_data(j: Journey, kind: str) -> dict[str, Any]:
    end = j.s.contract_end
    return {
        "welfare_check": {"status": "ok"},
        "remittance_reported": {"amount": 1_500_000, "currency": "IDR"},
        "contract_extended": {
            "new_end_date": (end + timedelta(days=180)).isoformat() if end else "2030-01-01",
            "family_consent_ref": "FC-9",
        },
        "employer_changed": {"employer_name": "Lin Family", "contract_ref": "CT-9"},
        "early_termination": {"reason": "employer went bankrupt"},
        "passport_renewed": {"expires_at": ((end or j.now.date()) + timedelta(days=400)).isoformat() + "T00:00:00Z"},
        "social_security_extended": {"covered_until": ((end or j.now.date()) + timedelta(days=30)).isoformat()},
    }[kind]


def run(j: Journey, command: tuple) -> None:
    kind = command[0]
    if kind == "act":
        _, index, action, role = command
        open_steps = j.s.available_steps()
        if action in ("reopen", "reject_any") or not open_steps:
            step = list(j.s.steps)[index % len(j.s.steps)]
            action = "reject" if action == "reject_any" else action
        else:
            step = open_steps[index % len(open_steps)]
        if action.startswith("complete"):
            evidence = {} if action == "complete_invalid" else valid_evidence_for(j, step)
            j.act(step, evidence=evidence, actor=ACTORS[role])
        else:
            j.act(step, action, reason=f"{action} for the property", actor=ACTORS[role])
    elif kind == "integrate":
        _, index, variant, event_no = command
        type_, source, step = INTEGRATIONS[index]
        data = valid_evidence(step, j.scheme, j.now)
        if variant == "invalid":
            data = {}
        if variant == "wrong_source":
            source = WRONG_SOURCE[source]
        j.integrate(type_, source, data, event_id=f"evt-{event_no}")
    elif kind == "sweep":
        for step in j.s.available_steps():
            refused_changes_nothing(j, lambda step=step: j.act(step, evidence=valid_evidence_for(j, step)))
    elif kind == "advance":
        j.advance(days=command[1])
    elif kind == "employment":
        j.employment(command[1], employment_data(j, command[1]))
    elif command[2] != 10:
        return
    elif kind == "withdraw":
        j.withdraw(actor=ACTORS[command[1]])
    else:
        j.cancel(actor=ACTORS[command[1]])


def refused_changes_nothing(j: Journey, call) -> None:
    before_dump, before_count = j.s.model_dump(), len(j.events)
    try:
        call()
    except DomainError:
        assert j.s.model_dump() == before_dump
        assert len(j.events) == before_count


def valid_evidence_for(j: Journey, step: str) -> dict[str, Any]:
    if step in ("registration", "employment"):
        return {"registration_no": "R"} if step == "registration" else {}
    return valid_evidence(step, j.scheme, j.now)


def step_states(j: Journey) -> dict[str, str]:
    return {name: s.state for name, s in j.s.steps.items()}


def check_invariants(j: Journey) -> None:
    s = j.s
    assert s.version == len(j.events)
    assert [e.seq for e in j.events] == list(range(1, len(j.events) + 1))
    assert all(not (st.state == LOCKED and st.evidence) for st in s.steps.values())
    assert set(s.flags) <= {"document_expired", "arrival_report_overdue", "follow_up_overdue", "coverage_gap"}
    # Rules 5: the coverage flag stands exactly while a renewal task is open, and none outlives employment.
    assert ("coverage_gap" in s.flags) == bool(s.open_tasks())
    assert not (s.open_tasks() and s.is_done("employment"))
    assert (s.status == "ended") == (s.outcome is not None)
    if s.status == "active":
        assert timeline.settle(s, j.now) == [], "the journey was left with due work unsettled"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=SCHEMES, registered=st.sampled_from([True, True, True, True, False]), script=commands)
def test_folding_the_events_of_any_command_sequence_gives_the_state_the_commands_produced(scheme, registered, script):
    j = Journey(scheme, nik_refusal=None if registered else "NIK not confirmed by Dukcapil: no match")
    check_invariants(j)
    for command in script:
        before_dump, before_count = j.s.model_dump(), len(j.events)
        was_ended, states_before = j.s.status == "ended", step_states(j)
        try:
            run(j, command)
        except DomainError:
            assert j.s.model_dump() == before_dump
            assert len(j.events) == before_count
        check_invariants(j)
        if was_ended:
            resumed = any(e.type == "JourneyResumed" for e in j.events[before_count:])
            new_types = {e.type for e in j.events[before_count:]}
            assert resumed or new_types <= {"IntegrationEventReceived"}
            assert resumed or step_states(j) == states_before
            for e in j.events[before_count:]:
                if e.type == "IntegrationEventReceived":
                    assert e.data["disposition"] in ("ignored", "refused")

    event(f"ended in {j.s.phase} as {j.s.outcome or 'active'}")
    # Every prefix of the stored events (read back from JSON) folds to the state after that many events.
    state = None
    for n, recorded in enumerate(j.events, start=1):
        stored = NewEvent.model_validate_json(recorded.model_dump_json())
        state = evolve(state, stored)
        assert state.model_dump() == j.states[n - 1].model_dump(), f"prefix of {n} events"
    assert state.model_dump() == j.s.model_dump()
    assert journey_view(fold(j.events)) == journey_view(j.s)


@settings(max_examples=40, deadline=None)
@given(scheme=SCHEMES, script=commands)
def test_evolve_never_changes_the_state_it_is_given(scheme, script):
    j = Journey(scheme)
    for command in script:
        try:
            run(j, command)
        except DomainError:
            pass
    snapshots = [s.model_dump() for s in j.states]
    state = None
    for n, recorded in enumerate(j.events):
        state = evolve(state, recorded)
        if n:
            assert j.states[n - 1].model_dump() == snapshots[n - 1]
