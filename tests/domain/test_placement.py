"""Placement and reintegration: arrival report, the employment period, return and follow-ups."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import decide, employment
from domain.contracts import EndJourney
from domain.errors import DomainError, EvidenceInvalid, Forbidden, InvalidTransition, RuleViolation
from domain.policy import Policy
from domain.timeline import next_deadline
from tests.domain.harness import CONTRACT_END, OFFICER, SUPERVISOR, T0, new

END_MIDNIGHT = datetime(2027, 6, 1, tzinfo=UTC)


def test_departure_starts_employment_with_the_contract_end_and_the_arrival_report_due():
    j = new().departed()
    assert j.types()[-2:] == ["StepCompleted", "EmploymentStarted"]
    assert j.s.contract_end == CONTRACT_END
    assert j.s.steps["arrival_report"].due_at == T0 + timedelta(days=30)
    assert j.step("employment") == "available"


def test_the_arrival_report_is_due_30_days_after_departed_at_not_after_it_was_recorded():
    j = new().through("pre_departure_orientation")
    j.complete("departure", departed_at="2025-01-02T08:00:00+07:00")
    assert j.s.steps["arrival_report"].due_at == datetime(2025, 2, 1, 1, tzinfo=UTC)


def test_an_overdue_arrival_report_flags_the_journey_and_reporting_clears_it():
    j = new().departed()
    assert j.advance(days=29, hours=23) == []
    j.advance(hours=1)
    assert j.s.flags == ["arrival_report_overdue"]
    assert j.types()[-1] == "FlagRaised"
    assert j.advance(days=5) == []
    j.complete("arrival_report")
    assert j.s.flags == []
    assert j.types()[-2:] == ["StepCompleted", "FlagCleared"]


def test_the_arrival_report_due_period_is_a_policy_value():
    j = new(policy=Policy(arrival_report_due_days=7)).departed()
    j.advance(days=7)
    assert j.s.flags == ["arrival_report_overdue"]


def test_an_arrival_report_in_time_raises_no_flag():
    j = new().departed()
    j.advance(days=10)
    j.complete("arrival_report")
    j.advance(days=60)
    assert j.s.flags == []


def test_next_deadline_points_at_the_arrival_report_then_the_contract_end():
    j = new().departed()
    assert next_deadline(j.s) == T0 + timedelta(days=30)
    j.complete("arrival_report")
    assert next_deadline(j.s) == END_MIDNIGHT


def test_next_deadline_before_departure_is_the_medical_lapse():
    j = new().through("medical_check")
    assert next_deadline(j.s) == datetime(2025, 4, 6, tzinfo=UTC)
    j.withdraw()
    assert next_deadline(j.s) is None


def test_the_contract_end_moves_the_journey_to_reintegration_with_return_available():
    j = new().departed()
    j.complete("arrival_report")
    j.advance(END_MIDNIGHT - timedelta(seconds=1) - j.now)
    assert j.step("employment") == "available"
    j.advance(seconds=1)
    assert j.step("employment") == "completed"
    assert j.s.steps["employment"].completed_at == END_MIDNIGHT
    assert j.s.steps["employment"].evidence == {"ended_reason": "contract_end"}
    assert j.s.phase == "reintegration"
    assert j.s.available_steps() == ["return"]


def test_a_contract_extension_moves_the_end_date():
    j = new().departed()
    j.employment("contract_extended", {"new_end_date": "2028-06-01", "family_consent_ref": "FC-2"})
    assert j.s.contract_end == date(2028, 6, 1)
    extended = next(e for e in j.events if e.type == "ContractExtended")
    assert extended.data["previous_end"] == "2027-06-01"
    j.advance(END_MIDNIGHT + timedelta(days=1) - j.now)
    assert j.step("employment") == "available"
    j.advance(datetime(2028, 6, 1, tzinfo=UTC) - j.now)
    assert j.step("employment") == "completed"


@pytest.mark.parametrize("new_end", ["2027-06-01", "2026-01-01"])
def test_a_contract_extension_must_extend(new_end):
    j = new().departed()
    with pytest.raises(RuleViolation) as err:
        j.employment("contract_extended", {"new_end_date": new_end, "family_consent_ref": "FC-2"})
    assert err.value.extra["rule"] == "extension_must_extend"


def test_a_waived_contract_has_no_end_to_extend():
    j = new().through("job_selection")
    j.act("employment_contract", "waive", reason="contract signed abroad", actor=SUPERVISOR)
    j.departed()
    assert j.s.contract_end is None and j.step("employment") == "available"
    with pytest.raises(RuleViolation) as err:
        j.employment("contract_extended", {"new_end_date": "2028-06-01", "family_consent_ref": "FC-2"})
    assert err.value.extra["rule"] == "no_contract_end"


def test_a_contract_extension_needs_the_familys_consent():
    j = new().departed()
    with pytest.raises(EvidenceInvalid) as err:
        j.employment("contract_extended", {"new_end_date": "2028-06-01"})
    assert err.value.extra == {"fields": ["data.family_consent_ref"]}


def test_early_termination_ends_employment_now_and_opens_return():
    j = new().departed()
    j.advance(days=100)
    j.employment("early_termination", {"reason": "employer abuse"})
    status = j.s.steps["employment"]
    assert status.state == "completed"
    assert status.completed_at == j.now
    assert status.reason == "early_termination: employer abuse"
    assert j.step("return") == "available"


def test_employment_events_are_recorded_without_changing_steps():
    j = new().departed()
    before = {k: v.state for k, v in j.s.steps.items()}
    j.employment("welfare_check", {"status": "ok"})
    j.employment("remittance_reported", {"amount": 5000000, "currency": "IDR", "period": "2025-02"})
    j.employment("employer_changed", {"employer_name": "Lin Family", "reason": "employer died", "contract_ref": "C-2"})
    assert {k: v.state for k, v in j.s.steps.items()} == before
    assert j.types()[-3:] == ["WelfareChecked", "RemittanceReported", "EmployerChanged"]
    assert j.events[-2].data["amount"] == "5000000.00"
    assert j.events[-3].data["checked_at"] == j.now.isoformat().replace("+00:00", "Z")
    assert j.s.employer_name == "Lin Family"


@pytest.mark.parametrize(
    ("kind", "data", "fields"),
    [
        ("remittance_reported", {"amount": 0, "currency": "IDR"}, ["data.amount"]),
        ("remittance_reported", {"amount": 10, "currency": "rupiah"}, ["data.currency"]),
        ("employer_changed", {}, ["data.employer_name"]),
        ("early_termination", {}, ["data.reason"]),
        ("welfare_check", {"mood": "fine"}, ["data.mood"]),
        # Bounds that keep the workflow from overflowing, whatever reaches it.
        ("remittance_reported", {"amount": float("inf"), "currency": "IDR"}, ["data.amount"]),
        ("welfare_check", {"checked_at": "0001-01-01T00:00:00Z"}, ["data.checked_at"]),
        ("contract_extended", {"new_end_date": "9999-12-31", "family_consent_ref": "FC-9"}, ["data.new_end_date"]),
    ],
)
def test_employment_event_data_is_checked_field_by_field(kind, data, fields):
    j = new().departed()
    with pytest.raises(EvidenceInvalid) as err:
        j.employment(kind, data)
    assert err.value.extra["fields"] == fields


def test_employment_events_are_refused_before_departure_and_after_employment_ended():
    j = new().through("pre_departure_orientation")
    with pytest.raises(InvalidTransition) as err:
        j.employment("welfare_check")
    assert err.value.extra == {"state": "locked"}
    j.complete("departure")
    j.employment("early_termination", {"reason": "ill"})
    with pytest.raises(InvalidTransition) as err:
        j.employment("welfare_check")
    assert err.value.extra == {"state": "completed"}


def test_follow_ups_fall_due_3_6_and_12_months_after_arrived_at():
    j = new().returned(arrived_at="2027-06-03T10:00:00+07:00")
    base = datetime(2027, 6, 3, 3, tzinfo=UTC)
    assert next_deadline(j.s) == base + timedelta(days=92)  # 2027-09-03
    j.advance(datetime(2027, 9, 3, 2, 59, tzinfo=UTC) - j.now)
    assert j.s.follow_ups_due == []
    j.advance(minutes=1)
    assert j.s.follow_ups_due == [1]
    j.advance(datetime(2027, 12, 3, 3, tzinfo=UTC) - j.now)
    assert j.s.follow_ups_due == [1, 2]
    j.advance(datetime(2028, 6, 3, 3, tzinfo=UTC) - j.now)
    assert j.s.follow_ups_due == [1, 2, 3]
    assert [(e.data["number"], e.data["months"]) for e in j.events if e.type == "FollowUpDue"] == [
        (1, 3),
        (2, 6),
        (3, 12),
    ]
    assert j.s.status == "active"  # the programme is not done yet


def test_the_journey_completes_after_the_last_follow_up_once_the_programme_is_done():
    j = new(rules=3).returned()  # rules 4: once each follow-up is recorded (test_follow_ups)
    j.complete("reintegration_assessment")
    j.complete("reintegration_program")
    j.advance(days=300)
    assert j.s.status == "active"
    j.advance(days=100)
    assert (j.s.status, j.s.outcome) == ("ended", "completed")
    assert j.types()[-1] == "JourneyEnded"


def test_the_journey_completes_as_soon_as_the_programme_is_done_after_the_follow_ups():
    j = new(rules=3).returned()  # rules 4: once each follow-up is recorded (test_follow_ups)
    j.advance(days=400)
    j.complete("reintegration_assessment")
    assert j.s.status == "active"
    j.complete("reintegration_program")
    assert (j.s.status, j.s.outcome) == ("ended", "completed")


def test_a_supervisor_closes_a_journey_as_completed_once_its_programme_is_done():
    j = new().returned()
    j.complete("reintegration_assessment")
    close = EndJourney(reason="worker settled, follow-ups not needed", actor=SUPERVISOR)
    with pytest.raises(RuleViolation) as err:
        decide.end_journey(j.s, close, "completed")
    assert err.value.extra["rule"] == "close_after_reintegration_program"
    j.complete("reintegration_program")
    with pytest.raises(Forbidden):
        decide.end_journey(j.s, close.model_copy(update={"actor": OFFICER}), "completed")
    j.commit(decide.end_journey(j.s, close, "completed"))
    assert (j.s.status, j.s.outcome) == ("ended", "completed")


def test_follow_up_months_are_a_policy_value():
    j = new(policy=Policy(follow_up_months=(1, 2)), rules=3).returned()
    j.complete("reintegration_assessment")
    j.complete("reintegration_program")
    j.advance(days=62)
    assert j.s.follow_ups_due == [1, 2]
    assert j.s.outcome == "completed"


def test_reintegration_needs_are_a_known_unrepeated_list():
    j = new().returned()
    for needs in ([], ["gambling"], ["kur_loan", "kur_loan"]):
        with pytest.raises(EvidenceInvalid):
            j.complete("reintegration_assessment", needs=needs)
    j.complete("reintegration_assessment", needs=["kur_loan", "psychosocial"])


def test_withdraw_is_refused_in_reintegration_but_cancel_is_not():
    j = new().returned()
    with pytest.raises(DomainError):
        j.withdraw()
    j.cancel()
    assert j.s.outcome == "cancelled"


def test_the_apis_employment_event_examples_are_accepted():
    from api.schemas.journeys import EmploymentEventIn
    from domain.contracts import RecordEmploymentEvent

    for example in EmploymentEventIn.model_config["json_schema_extra"]["examples"]:
        j = new().departed()
        cmd = RecordEmploymentEvent(kind=example["kind"], data=example["data"], actor=OFFICER)
        j.commit(employment.employment_event(j.s, cmd, j.now))
