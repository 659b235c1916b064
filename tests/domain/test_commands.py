"""Refusals common to every step action and journey command (API.md error codes)."""

import pytest

from domain.contracts import SYSTEM, Actor
from domain.errors import DomainError, EvidenceInvalid, Forbidden, InvalidTransition, NotFound
from domain.evolve import fold
from domain.rules import LEGACY
from tests.domain.harness import OFFICER, SUPERVISOR, new

ADMIN = Actor(sub="admin-1", role="admin")


def refused(j, call, *args, **kwargs) -> DomainError:
    """Run a command that must be refused and check it changed nothing."""
    before, count = j.s.model_dump(), len(j.events)
    with pytest.raises(DomainError) as err:
        call(*args, **kwargs)
    assert j.s.model_dump() == before
    assert len(j.events) == count
    return err.value


def test_a_stale_expected_version_is_a_version_conflict_with_the_current_version():
    j = new()
    err = refused(j, j.act, "family_consent", evidence={"consent_ref": "F", "village": "V"}, expected_version=1)
    assert err.code == "VERSION_CONFLICT"
    assert err.extra == {"current_version": 2}


def test_the_current_expected_version_is_accepted():
    j = new()
    j.complete("family_consent")
    j.act(
        "medical_check", evidence={"clinic_id": "C", "result": "fit", "examined_at": "2025-01-06"}, expected_version=3
    )
    assert j.s.version == 4


@pytest.mark.parametrize("call", ["withdraw", "cancel", "employment"])
def test_other_commands_check_the_expected_version_too(call):
    from domain import decide, employment
    from domain.contracts import EndJourney, RecordEmploymentEvent

    j = new().departed()
    stale = j.s.version - 1
    with pytest.raises(DomainError) as err:
        if call == "employment":
            cmd = RecordEmploymentEvent(kind="welfare_check", actor=OFFICER, expected_version=stale)
            employment.employment_event(j.s, cmd, j.now)
        else:
            outcome = "withdrawn" if call == "withdraw" else "cancelled"
            decide.end_journey(j.s, EndJourney(reason="r", actor=SUPERVISOR, expected_version=stale), outcome)
    assert err.value.code == "VERSION_CONFLICT"
    assert err.value.extra["current_version"] == j.s.version


def test_a_locked_step_answers_invalid_transition_with_its_state():
    j = new()
    err = refused(j, j.complete, "passport")
    assert isinstance(err, InvalidTransition)
    assert err.extra == {"state": "locked"}


def test_a_completed_step_answers_invalid_transition_with_its_state():
    j = new()
    j.complete("family_consent")
    err = refused(j, j.complete, "family_consent")
    assert err.code == "INVALID_TRANSITION"
    assert err.extra == {"state": "completed"}


@pytest.mark.parametrize("action", ["reject", "waive"])
def test_a_waived_step_cannot_be_rejected_or_waived_again(action):
    j = new()
    j.act("family_consent", "waive", reason="orphan", actor=SUPERVISOR)
    err = refused(j, j.act, "family_consent", action, reason="again", actor=SUPERVISOR)
    assert err.extra == {"state": "waived"}


def test_an_unknown_step_id_is_not_found():
    j = new()
    err = refused(j, j.act, "bribe_payment", evidence={})
    assert isinstance(err, NotFound)
    assert err.code == "NOT_FOUND"


def test_a_step_of_another_scheme_is_refused():
    j = new("G2G")
    err = refused(j, j.act, "placement_agreement", evidence={"agreement_no": "A", "signed_at": "2025-01-06"})
    assert isinstance(err, InvalidTransition)
    assert err.extra["state"] == "not_in_scheme"


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize(("action", "actor"), [("reject", OFFICER), ("waive", SUPERVISOR), ("reopen", SUPERVISOR)])
def test_reject_waive_and_reopen_need_a_reason(action, actor, reason):
    j = new()
    if action == "reopen":
        j.complete("family_consent")
    err = refused(j, j.act, "family_consent", action, reason=reason, actor=actor)
    assert isinstance(err, EvidenceInvalid)
    assert err.extra == {"fields": ["reason"]}


def test_a_rejected_step_keeps_its_reason_and_is_available_again():
    j = new()
    j.act("family_consent", "reject", reason="  signature missing  ")
    status = j.s.steps["family_consent"]
    assert status.state == "rejected"
    assert status.reason == "signature missing"
    assert "family_consent" in j.s.available_steps()
    assert j.step("passport") == "locked"
    j.complete("family_consent")
    assert j.s.steps["family_consent"].reason is None
    assert j.step("passport") == "available"


@pytest.mark.parametrize("action", ["waive", "reopen"])
def test_officers_may_not_waive_or_reopen(action):
    j = new()
    j.complete("family_consent")
    err = refused(j, j.act, "medical_check" if action == "waive" else "family_consent", action, reason="r")
    assert isinstance(err, Forbidden)


@pytest.mark.parametrize("actor", [SUPERVISOR, ADMIN])
def test_supervisors_and_admins_may_waive_with_a_reason(actor):
    j = new()
    j.act("family_consent", "waive", reason="worker is an orphan", actor=actor)
    status = j.s.steps["family_consent"]
    assert (status.state, status.reason, status.completed_by) == ("waived", "worker is an orphan", actor.sub)


def test_a_supervisor_reopens_a_completed_step_and_its_evidence_is_cleared():
    j = new()
    j.complete("family_consent")
    j.act("family_consent", "reopen", reason="wrong village", actor=SUPERVISOR)
    assert j.step("family_consent") == "available"
    assert j.s.steps["family_consent"].evidence == {}
    assert j.s.steps["family_consent"].reason == "wrong village"


def test_reopen_is_refused_when_a_dependent_step_is_completed():
    j = new()
    j.complete("family_consent")
    j.complete("passport")
    err = refused(j, j.act, "family_consent", "reopen", reason="wrong village", actor=SUPERVISOR)
    assert err.extra == {"rule": "dependent_steps_completed", "steps": ["passport"]}


def test_reopen_is_refused_for_a_step_that_is_merely_available():
    j = new()
    err = refused(j, j.act, "family_consent", "reopen", reason="r", actor=SUPERVISOR)
    assert err.code == "INVALID_TRANSITION"
    assert err.extra == {"state": "available"}


def test_reopening_a_step_locks_again_the_steps_it_had_unlocked():
    j = new()
    j.complete("family_consent")
    assert j.step("passport") == "available"
    j.act("family_consent", "reopen", reason="wrong village", actor=SUPERVISOR)
    # passport is not completed, so the reopen is allowed; it waits for family consent again.
    assert j.step("passport") == "locked"
    j.complete("family_consent")
    assert j.step("passport") == "available"


def test_a_journey_under_the_legacy_rules_keeps_them_and_its_fold_agrees():
    j = new(rules=LEGACY)
    j.complete("family_consent")
    j.act("family_consent", "reopen", reason="wrong village", actor=SUPERVISOR)
    assert j.s.rules == LEGACY and j.step("passport") == "available"  # rules 1 did not relock
    assert fold(j.events) == j.s  # the auditor's fold follows the rules the journey started under


def test_a_reopened_document_verification_must_be_done_again_before_orientation_and_departure():
    j = new().through("document_verification")
    assert j.step("pre_departure_orientation") == "available"
    j.act("document_verification", "reopen", reason="visa number mistyped", actor=SUPERVISOR)
    assert (j.step("pre_departure_orientation"), j.step("departure")) == ("locked", "locked")
    with pytest.raises(InvalidTransition):
        j.complete("pre_departure_orientation")
    j.complete("document_verification")
    j.complete("pre_departure_orientation")
    assert j.step("departure") == "available"


@pytest.mark.parametrize(("step", "prepare"), [("registration", None), ("employment", "departed")])
def test_system_only_steps_are_refused_to_officers(step, prepare):
    j = new(register=False) if step == "registration" else new().departed()
    state = j.step(step)
    err = refused(j, j.act, step, evidence={"registration_no": "R"} if step == "registration" else {})
    assert isinstance(err, InvalidTransition)
    assert err.extra == {"state": state}


def test_the_engine_may_complete_a_system_only_step():
    j = new(register=False)
    j.act("registration", evidence={"registration_no": "R-9"}, actor=SYSTEM)
    assert j.step("registration") == "completed"


# ---- withdraw and cancel --------------------------------------------------------


def test_a_worker_may_withdraw_before_departure():
    j = new().through("pre_departure_orientation")
    j.withdraw("found work at home")
    assert (j.s.status, j.s.outcome, j.s.end_reason) == ("ended", "withdrawn", "found work at home")
    assert j.s.ended_at == j.now


def test_a_worker_may_not_withdraw_after_departure():
    j = new().departed()
    err = refused(j, j.withdraw)
    assert err.extra["rule"] == "withdraw_only_before_departure"


@pytest.mark.parametrize("reason", ["", "  "])
def test_withdraw_and_cancel_need_a_reason(reason):
    j = new()
    assert refused(j, j.withdraw, reason).extra == {"fields": ["reason"]}
    assert refused(j, j.cancel, reason).extra == {"fields": ["reason"]}


def test_only_a_supervisor_may_cancel_a_journey():
    j = new()
    assert isinstance(refused(j, j.cancel, actor=OFFICER), Forbidden)
    j.cancel(actor=ADMIN)
    assert j.s.outcome == "cancelled"


def test_a_journey_may_be_cancelled_after_departure():
    j = new().departed()
    j.cancel("trafficking suspected")
    assert j.s.outcome == "cancelled"


@pytest.mark.parametrize("ending", ["withdraw", "cancel", "unfit"])
def test_an_ended_journey_accepts_no_further_command(ending):
    j = new()
    j.complete("job_selection")
    if ending == "unfit":
        j.complete("medical_check", result="unfit")
    else:
        getattr(j, ending)()
    assert refused(j, j.complete, "family_consent").code == "INVALID_TRANSITION"
    assert refused(j, j.withdraw).extra == {"state": "ended"}
    assert refused(j, j.cancel).code == "INVALID_TRANSITION"
    assert refused(j, j.act, "job_selection", "reopen", reason="r", actor=SUPERVISOR).code == "INVALID_TRANSITION"
    assert refused(j, j.act, "family_consent", "waive", reason="r", actor=SUPERVISOR).code == "INVALID_TRANSITION"
    assert j.advance(days=400) == []


def test_an_ended_journey_ignores_the_clock():
    j = new().through("medical_check")
    j.withdraw()
    assert j.advance(days=200) == []
    assert j.step("medical_check") == "completed"
