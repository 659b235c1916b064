"""Integration events: applied, held until their step opens, refused, or ignored; never applied twice."""

from datetime import UTC, datetime

import pytest

from domain import integrations
from domain.contracts import IntegrationEvent
from tests.domain.harness import SUPERVISOR, T0, new

FIT = {"clinic_id": "CLN-1", "result": "fit", "examined_at": "2025-01-06"}
PASSPORT = {"passport_no": "C*****12", "expires_at": "2030-01-01"}


def received(j):
    """The last IntegrationEventReceived's disposition and reason."""
    last = [e for e in j.events if e.type == "IntegrationEventReceived"][-1]
    return last.data["disposition"], last.data["reason"]


def test_evidence_for_an_available_step_is_applied():
    j = new()
    j.integrate("medical.result", "clinic", FIT, event_id="clinic-1")
    assert j.types()[-2:] == ["IntegrationEventReceived", "StepCompleted"]
    assert received(j) == ("applied", None)
    status = j.s.steps["medical_check"]
    assert status.state == "completed"
    assert status.completed_by == "clinic"
    assert j.events[-1].data["source_event"] == "clinic/clinic-1"
    assert j.s.seen_integration_events == ["clinic/clinic-1"]


def test_evidence_for_a_locked_step_is_held_and_applied_once_the_step_opens():
    j = new()
    j.integrate("passport.issued", "imigrasi", PASSPORT, event_id="img-1")
    assert received(j)[0] == "held"
    assert j.step("passport") == "locked"
    assert [h.event_id for h in j.s.held_evidence] == ["img-1"]
    j.complete("family_consent")
    assert j.step("passport") == "completed"
    assert j.s.steps["passport"].completed_by == "imigrasi"
    assert j.s.held_evidence == []
    assert j.types()[-2:] == ["StepCompleted", "StepCompleted"]


def test_held_evidence_waits_through_several_steps():
    j = new()
    j.integrate("departure.recorded", "imigrasi", {"departed_at": "2025-01-20", "port": "CGK", "flight_no": "CI1"})
    j.through("pre_departure_orientation")
    assert j.s.departed
    assert j.s.steps["arrival_report"].due_at == datetime(2025, 2, 19, tzinfo=UTC)


def test_held_evidence_that_breaks_a_rule_is_refused_when_its_step_opens():
    j = new()
    j.complete("job_selection")
    j.complete("employment_contract")
    j.integrate("passport.issued", "imigrasi", {"passport_no": "C*1", "expires_at": "2026-01-01"}, event_id="img-2")
    assert received(j)[0] == "held"
    j.complete("family_consent")
    assert j.types()[-1] == "HeldEvidenceRefused"
    assert j.events[-1].data["reason"].startswith("RULE_VIOLATION: passport expires 2026-01-01")
    assert j.step("passport") == "available"
    assert j.s.held_evidence == []


def test_evidence_that_breaks_a_rule_for_an_available_step_is_refused():
    j = new().through("family_consent")
    j.complete("job_selection")
    j.complete("employment_contract")
    j.integrate("passport.issued", "imigrasi", {"passport_no": "C*1", "expires_at": "2026-01-01"})
    disposition, reason = received(j)
    assert disposition == "refused"
    assert reason.startswith("passport_expires_before_contract_end")
    assert j.step("passport") == "available"


def test_malformed_evidence_is_refused_naming_fields_only():
    j = new()
    j.integrate("medical.result", "clinic", {"clinic_id": "CLN-1", "result": "positive"})
    assert received(j) == ("refused", "invalid evidence: evidence.examined_at, evidence.result")
    assert j.step("medical_check") == "available"


def test_a_duplicate_source_and_event_id_is_ignored_whatever_its_body():
    j = new()
    j.integrate("medical.result", "clinic", FIT, event_id="clinic-1")
    count = len(j.events)
    assert j.integrate("medical.result", "clinic", {**FIT, "result": "unfit"}, event_id="clinic-1") == []
    assert len(j.events) == count
    assert j.s.status == "active"


def test_the_same_event_id_from_another_source_is_not_a_duplicate():
    j = new()
    j.integrate("medical.result", "clinic", FIT, event_id="e-1")
    j.integrate("passport.issued", "imigrasi", PASSPORT, event_id="e-1")
    assert received(j)[0] == "held"


def test_a_duplicate_of_held_evidence_is_ignored():
    j = new()
    j.integrate("passport.issued", "imigrasi", PASSPORT, event_id="img-1")
    assert j.integrate("passport.issued", "imigrasi", PASSPORT, event_id="img-1") == []
    assert len(j.s.held_evidence) == 1


@pytest.mark.parametrize(
    ("type_", "source"),
    [("medical.result", "imigrasi"), ("passport.issued", "clinic"), ("bpjs.enrolled", "hotline"), ("nope", "clinic")],
)
def test_an_event_from_the_wrong_source_or_of_an_unknown_type_is_refused(type_, source):
    j = new()
    j.integrate(type_, source, FIT)
    disposition, reason = received(j)
    assert disposition == "refused"
    assert reason == f"{source} does not send {type_}"
    assert [s.state for s in j.s.steps.values()].count("completed") == 1


def test_evidence_for_an_already_completed_step_is_ignored():
    j = new()
    j.complete("medical_check")
    evidence = dict(j.s.steps["medical_check"].evidence)
    j.integrate("medical.result", "clinic", {**FIT, "examined_at": "2025-01-01"})
    assert received(j) == ("ignored", "medical_check is already completed")
    assert j.s.steps["medical_check"].evidence == evidence


def test_evidence_for_a_waived_step_is_ignored():
    j = new()
    j.act("medical_check", "waive", reason="exam abroad", actor=SUPERVISOR)
    j.integrate("medical.result", "clinic", FIT)
    assert received(j) == ("ignored", "medical_check is already waived")


@pytest.mark.parametrize("ending", ["withdraw", "cancel"])
def test_an_ended_journey_ignores_integration_events(ending):
    j = new()
    getattr(j, ending)()
    j.integrate("medical.result", "clinic", FIT)
    assert received(j)[0] == "ignored"
    assert j.step("medical_check") == "available"
    assert j.s.held_evidence == []


def test_held_evidence_is_not_applied_once_the_journey_has_ended():
    j = new()
    j.integrate("passport.issued", "imigrasi", PASSPORT)
    j.withdraw()
    assert j.advance(days=1) == []
    assert j.step("passport") == "locked"


def test_an_unfit_result_from_the_clinic_ends_the_journey():
    j = new()
    j.integrate("medical.result", "clinic", {**FIT, "result": "unfit"})
    assert j.s.outcome == "medically_unfit"


def test_evidence_for_a_rejected_step_is_applied():
    j = new()
    j.act("medical_check", "reject", reason="illegible")
    j.integrate("medical.result", "clinic", FIT)
    assert received(j)[0] == "applied"
    assert j.step("medical_check") == "completed"


def test_an_arrival_report_from_the_embassy_clears_the_overdue_flag():
    j = new().departed()
    j.advance(days=31)
    assert j.s.flags == ["arrival_report_overdue"]
    j.integrate("arrival.reported", "embassy", {"reported_at": "2025-02-01", "mission": "KDEI-TPE"})
    assert j.s.flags == []


def test_return_recorded_at_the_port_opens_the_assessment():
    j = new().departed()
    j.employment("early_termination", {"reason": "ill"})
    j.integrate("return.recorded", "imigrasi", {"arrived_at": "2025-01-20T10:00:00+07:00", "port": "CGK"})
    assert j.s.steps["return"].evidence["reason"] == "contract_end"
    assert j.step("reintegration_assessment") == "available"


def test_deciding_an_integration_event_does_not_change_the_state_it_is_given():
    j = new()
    before = j.s.model_dump()
    msg = IntegrationEvent(source="clinic", event_id="c-9", type="medical.result", occurred_at=T0, data=FIT)
    assert integrations.integration(j.s, msg, T0)
    assert j.s.model_dump() == before
