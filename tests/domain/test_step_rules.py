"""The rules column of the pre-departure table, each with its edges."""

from datetime import UTC, date, datetime

import pytest

from domain.errors import DomainError, EvidenceInvalid, RuleViolation
from domain.evidence import validate_evidence
from domain.policy import Policy
from tests.domain.harness import CONTRACT_END, JOB_ORDER, SUPERVISOR, new


def rule_of(err: pytest.ExceptionInfo) -> str:
    return err.value.extra["rule"]


# ---- job_selection ---------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["P3MI", "G2G"])
def test_job_selection_takes_a_job_order_id_in_placed_schemes(scheme):
    j = new(scheme)
    j.act("job_selection", evidence={"job_order_id": JOB_ORDER})
    assert j.s.steps["job_selection"].evidence == {"job_order_id": JOB_ORDER}
    assert j.s.job_order_id == JOB_ORDER


@pytest.mark.parametrize("scheme", ["P3MI", "G2G"])
def test_a_journey_started_with_a_job_order_may_not_select_another(scheme):
    j = new(scheme)
    with pytest.raises(RuleViolation) as err:
        j.act("job_selection", evidence={"job_order_id": "JO-9"})
    assert rule_of(err) == "job_order_differs"
    assert j.step("job_selection") == "available"


def test_a_reopened_job_selection_gives_back_the_unit_and_may_choose_another_job_order():
    j = new().through("job_selection")
    j.act("job_selection", "reopen", reason="employer withdrew the offer", actor=SUPERVISOR)
    assert j.s.job_order_id is None
    assert [e.kind for e in j.effects if e.kind == "release_quota"] == ["release_quota"]
    j.act("job_selection", evidence={"job_order_id": "JO-9"})
    assert j.s.job_order_id == "JO-9"


def test_under_rules_2_a_different_job_order_was_taken_silently():
    j = new(rules=2)
    j.act("job_selection", evidence={"job_order_id": "JO-9"})
    assert j.s.job_order_id == "JO-9"


@pytest.mark.parametrize("scheme", ["P3MI", "G2G"])
def test_job_selection_refuses_an_employer_offer_in_placed_schemes(scheme):
    j = new(scheme)
    with pytest.raises(EvidenceInvalid) as err:
        j.act("job_selection", evidence={"employer_name": "Chen", "offer_ref": "O-1"})
    assert "evidence.job_order_id" in err.value.extra["fields"]
    assert j.step("job_selection") == "available"


def test_independent_job_selection_takes_an_employer_name_and_offer_ref():
    j = new("INDEPENDENT")
    j.act("job_selection", evidence={"employer_name": "Chen", "offer_ref": "O-1"})
    assert j.s.steps["job_selection"].evidence == {"employer_name": "Chen", "offer_ref": "O-1"}
    assert j.s.job_order_id is None


@pytest.mark.parametrize(
    ("evidence", "missing"),
    [
        ({"job_order_id": "JO-1"}, ["evidence.employer_name", "evidence.job_order_id", "evidence.offer_ref"]),
        ({"employer_name": "Chen"}, ["evidence.offer_ref"]),
        ({"offer_ref": "O-1"}, ["evidence.employer_name"]),
        ({"employer_name": "", "offer_ref": "O-1"}, ["evidence.employer_name"]),
    ],
)
def test_independent_job_selection_refuses_anything_but_an_offer(evidence, missing):
    with pytest.raises(EvidenceInvalid) as err:
        new("INDEPENDENT").act("job_selection", evidence=evidence)
    assert err.value.extra["fields"] == missing


def test_field_errors_name_paths_and_never_echo_values():
    with pytest.raises(EvidenceInvalid) as err:
        new().act("family_consent", evidence={"consent_ref": "SECRET-VALUE-123"})
    assert err.value.code == "VALIDATION_ERROR"
    assert err.value.extra == {"fields": ["evidence.village"]}
    assert "SECRET-VALUE-123" not in str(err.value.as_details())


def test_unknown_evidence_fields_are_refused():
    with pytest.raises(EvidenceInvalid) as err:
        new().complete("family_consent", nik="3374015501950002")
    assert err.value.extra["fields"] == ["evidence.nik"]


# ---- medical_check ---------------------------------------------------------------


def test_a_fit_medical_check_is_valid_three_months_from_examined_at():
    j = new()
    j.complete("medical_check", examined_at="2024-12-20")
    assert j.s.steps["medical_check"].valid_until == datetime(2025, 3, 20, tzinfo=UTC)


def test_medical_validity_follows_the_policy():
    j = new(policy=Policy(medical_validity_months=6))
    j.complete("medical_check", examined_at="2024-12-20T10:00:00+07:00")
    assert j.s.steps["medical_check"].valid_until == datetime(2025, 6, 20, 3, tzinfo=UTC)


def test_a_medical_check_lapses_at_the_end_of_its_validity_and_flags_the_journey():
    j = new()
    j.complete("medical_check", examined_at="2025-01-06")
    j.advance(datetime(2025, 4, 5, 23, tzinfo=UTC) - j.now)
    assert j.step("medical_check") == "completed"
    assert j.s.flags == []
    j.advance(hours=1)
    assert j.step("medical_check") == "expired"
    assert j.s.flags == ["document_expired"]
    assert "medical_check" in j.s.available_steps()


def test_a_fresh_medical_check_clears_the_document_expired_flag():
    j = new()
    j.complete("medical_check")
    j.advance(days=100)
    j.complete("medical_check")
    assert j.step("medical_check") == "completed"
    assert j.s.flags == []


def test_a_changed_validity_policy_lapses_the_check_sooner():
    j = new(policy=Policy(medical_validity_months=1))
    j.complete("medical_check")
    j.advance(days=32)
    assert j.step("medical_check") == "expired"


def test_an_unfit_result_ends_the_journey_as_medically_unfit():
    j = new()
    j.complete("medical_check", result="unfit")
    assert j.s.status == "ended"
    assert j.s.outcome == "medically_unfit"
    assert j.types()[-2:] == ["StepCompleted", "JourneyEnded"]
    with pytest.raises(DomainError):
        j.complete("family_consent")


def test_a_supervisor_reopening_an_unfit_medical_check_resumes_the_journey():
    j = new()
    j.complete("job_selection")
    j.complete("medical_check", result="unfit")
    j.act("medical_check", "reopen", reason="second opinion", actor=SUPERVISOR)
    assert j.types()[-2:] == ["JourneyResumed", "StepReopened"]
    assert j.s.status == "active"
    assert j.s.outcome is None
    assert j.step("medical_check") == "available"
    assert j.s.steps["medical_check"].evidence == {}
    assert j.step("job_selection") == "completed"
    j.complete("medical_check")
    j.complete("family_consent")
    assert j.step("passport") == "available"


def test_an_officer_cannot_reopen_an_unfit_medical_check():
    j = new()
    j.complete("medical_check", result="unfit")
    with pytest.raises(DomainError) as err:
        j.act("medical_check", "reopen", reason="second opinion")
    assert err.value.code == "FORBIDDEN"
    assert j.s.status == "ended"


def test_only_the_medical_check_can_resume_an_unfit_journey():
    j = new()
    j.complete("family_consent")
    j.complete("medical_check", result="unfit")
    with pytest.raises(DomainError) as err:
        j.act("family_consent", "reopen", reason="typo", actor=SUPERVISOR)
    assert err.value.code == "INVALID_TRANSITION"


@pytest.mark.parametrize("result", ["maybe", "FIT", ""])
def test_a_medical_result_is_fit_or_unfit(result):
    with pytest.raises(EvidenceInvalid) as err:
        new().complete("medical_check", result=result)
    assert err.value.extra["fields"] == ["evidence.result"]


# ---- passport and contract ------------------------------------------------------


def test_a_passport_expiring_before_the_contract_end_is_refused_when_the_contract_came_first():
    j = new().through("job_selection")
    j.complete("employment_contract")
    with pytest.raises(RuleViolation) as err:
        j.complete("passport", expires_at="2027-05-31")
    assert rule_of(err) == "passport_expires_before_contract_end"
    assert j.step("passport") == "available"


def test_a_contract_ending_after_the_passport_expires_is_refused_when_the_passport_came_first():
    j = new().through("passport")
    j2 = new().through("family_consent")
    j2.complete("passport", expires_at="2027-05-31")
    j2.complete("job_selection")
    with pytest.raises(RuleViolation) as err:
        j2.complete("employment_contract")
    assert rule_of(err) == "passport_expires_before_contract_end"
    assert j2.step("employment_contract") == "available"
    j.complete("employment_contract")
    assert j.s.contract_end == CONTRACT_END


def test_a_passport_expiring_on_the_contract_end_date_is_enough():
    j = new().through("job_selection")
    j.complete("employment_contract")
    j.complete("passport", expires_at=CONTRACT_END.isoformat())
    assert j.step("passport") == "completed"


def test_a_shorter_contract_fits_a_passport_a_longer_one_does_not():
    j = new().through("family_consent")
    j.complete("passport", expires_at="2026-06-01")
    j.complete("job_selection")
    with pytest.raises(RuleViolation):
        j.complete("employment_contract", duration_months=13)
    j.complete("employment_contract", duration_months=12)
    assert j.s.contract_end == date(2026, 6, 1)


@pytest.mark.parametrize("months", [1, 24, 60])
def test_contract_durations_from_1_to_60_months_are_accepted(months):
    j = new().through("job_selection")
    j.complete("employment_contract", duration_months=months)
    assert j.s.contract_start == date(2025, 6, 1)
    assert j.step("employment_contract") == "completed"


@pytest.mark.parametrize("months", [0, -1, 61, 120])
def test_contract_durations_outside_1_to_60_months_are_field_errors(months):
    j = new().through("job_selection")
    with pytest.raises(EvidenceInvalid) as err:
        j.complete("employment_contract", duration_months=months)
    assert err.value.extra["fields"] == ["evidence.duration_months"]


def test_a_contract_without_a_duration_runs_24_months():
    j = new().through("job_selection")
    evidence = {
        "contract_no": "EC-1",
        "employer_name": "Chen",
        "start_date": "2025-06-01",
        "monthly_salary": "20000",
        "currency": "TWD",
    }
    j.act("employment_contract", evidence=evidence)
    assert j.s.contract_end == date(2027, 6, 1)
    assert j.s.employer_name == "Chen"


def test_the_default_and_bounds_of_a_contracts_duration_are_policy_values():
    policy = Policy(contract_default_months=12, contract_max_months=36)
    j = new(policy=policy).through("job_selection")
    evidence = {
        "contract_no": "EC-1",
        "employer_name": "Chen",
        "start_date": "2025-06-01",
        "monthly_salary": "20000",
        "currency": "TWD",
    }
    with pytest.raises(EvidenceInvalid):
        j.act("employment_contract", evidence={**evidence, "duration_months": 48})
    j.act("employment_contract", evidence=evidence)
    assert j.s.contract_end == date(2026, 6, 1)
    assert j.events[-1].data["evidence"]["duration_months"] == 12  # the event says what was applied


@pytest.mark.parametrize(("field", "value"), [("monthly_salary", "0"), ("currency", "twd"), ("currency", "NTD1")])
def test_contract_salary_must_be_positive_and_currency_a_code(field, value):
    j = new().through("job_selection")
    with pytest.raises(EvidenceInvalid) as err:
        j.complete("employment_contract", **{field: value})
    assert err.value.extra["fields"] == [f"evidence.{field}"]


# ---- social_security -----------------------------------------------------------


def test_social_security_cover_must_reach_the_contract_end():
    j = new().through("employment_contract")
    with pytest.raises(RuleViolation) as err:
        j.complete("social_security", covered_until="2027-05-31")
    assert rule_of(err) == "social_security_cover_too_short"
    j.complete("social_security", covered_until=CONTRACT_END.isoformat())
    assert j.step("social_security") == "completed"


# ---- document_verification ---------------------------------------------------


def test_document_verification_is_refused_while_the_medical_check_is_expired():
    j = new().through("work_visa")
    j.advance(days=95)
    assert j.step("medical_check") == "expired"
    with pytest.raises(RuleViolation) as err:
        j.complete("document_verification")
    assert rule_of(err) == "document_expired"
    assert err.value.extra["steps"] == ["medical_check"]
    j.complete("medical_check")
    j.complete("document_verification")
    assert j.step("document_verification") == "completed"


def test_document_verification_is_refused_while_the_work_visa_has_expired():
    j = new().through("social_security")
    j.complete("work_visa", expires_at="2025-01-10")
    j.advance(days=5)
    with pytest.raises(RuleViolation) as err:
        j.complete("document_verification")
    assert rule_of(err) == "document_expired"
    assert err.value.extra["steps"] == ["work_visa"]


def test_document_verification_is_refused_when_a_lapsing_document_would_not_outlast_the_contract():
    j = new()
    for step in ("family_consent", "job_selection", "placement_agreement", "medical_check", "competency_training"):
        j.complete(step)
    j.act("employment_contract", "waive", reason="programme contract", actor=SUPERVISOR)
    j.complete("passport", expires_at="2026-01-01")
    j.complete("social_security", covered_until="2026-01-01")
    j.complete("work_visa")
    assert j.step("document_verification") == "available"
    j.complete("document_verification")  # no contract end to judge against


# ---- departure -------------------------------------------------------------------


def test_departure_is_refused_when_the_medical_check_is_no_longer_valid_at_departed_at():
    j = new().through("pre_departure_orientation")
    with pytest.raises(RuleViolation) as err:
        j.complete("departure", departed_at="2025-04-07T00:00:00Z")
    assert rule_of(err) == "medical_check_not_valid"
    assert j.step("departure") == "available"


def test_departure_within_the_medical_validity_is_accepted():
    j = new().through("pre_departure_orientation")
    j.complete("departure", departed_at="2025-04-06T00:00:00Z")
    assert j.s.departed


def test_departure_after_the_medical_check_lapsed_on_the_clock_is_refused():
    j = new().through("pre_departure_orientation")
    j.advance(days=91)
    assert j.step("medical_check") == "expired"
    with pytest.raises(RuleViolation) as err:
        j.complete("departure")
    assert rule_of(err) == "medical_check_not_valid"
    j.complete("medical_check")
    j.complete("departure")
    assert j.s.phase == "placement"


def test_a_departure_made_before_the_lapse_but_recorded_after_it_is_accepted():
    j = new().through("pre_departure_orientation")  # the check is valid until 2025-04-06
    j.advance(datetime(2025, 4, 8, tzinfo=UTC) - j.now)  # the lapse timer has fired
    assert j.step("medical_check") == "expired" and "document_expired" in j.s.flags
    j.integrate(
        "departure.recorded",
        "imigrasi",
        {"departed_at": "2025-04-05T22:00:00Z", "port": "CGK", "flight_no": "CI762"},
    )
    assert j.step("departure") == "completed" and j.s.phase == "placement"
    assert "document_expired" not in j.s.flags  # it lapsed after the worker had left
    assert j.step("medical_check") == "completed" and "medical_check" not in j.s.available_steps()


def test_departure_with_a_waived_medical_check_is_allowed():
    j = new()
    j.act("medical_check", "waive", reason="exam abroad", actor=SUPERVISOR)
    j.through("pre_departure_orientation")
    j.complete("departure")
    assert j.s.departed


def test_departure_after_a_waived_employment_contract_is_decided_not_crashed():
    j = new("G2G")
    for step in ("family_consent", "job_selection", "medical_check", "competency_training", "passport"):
        j.complete(step)
    j.act("employment_contract", "waive", reason="G2G programme contract", actor=SUPERVISOR)
    j.through("pre_departure_orientation")
    try:
        j.complete("departure")
    except DomainError:
        return
    assert j.s.departed


# ---- *_at fields -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2025-01-06", "2025-01-06T00:00:00Z"),
        ("2025-01-06T10:30:00Z", "2025-01-06T10:30:00Z"),
        ("2025-01-06T10:30:00+07:00", "2025-01-06T03:30:00Z"),
        ("2025-01-06T00:30:00+07:00", "2025-01-05T17:30:00Z"),
    ],
)
def test_at_fields_accept_a_date_as_midnight_utc_or_a_zoned_date_time(value, stored):
    evidence = validate_evidence("pre_departure_orientation", "P3MI", {"attended_at": value})
    assert evidence == {"attended_at": stored}


@pytest.mark.parametrize("value", ["2025-01-06T10:30:00", "2025-01-06 10:30", datetime(2025, 1, 6, 10, 30)])
def test_at_fields_refuse_a_naive_date_time(value):
    with pytest.raises(EvidenceInvalid) as err:
        validate_evidence("medical_check", "P3MI", {"clinic_id": "C", "result": "fit", "examined_at": value})
    assert err.value.extra["fields"] == ["evidence.examined_at"]


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ("placement_agreement", "signed_at"),
        ("competency_training", "issued_at"),
        ("passport", "expires_at"),
        ("work_visa", "expires_at"),
        ("departure", "departed_at"),
        ("arrival_report", "reported_at"),
        ("return", "arrived_at"),
    ],
)
def test_every_at_field_refuses_a_naive_date_time(step, field):
    from tests.domain.harness import T0, valid_evidence

    evidence = {**valid_evidence(step, "P3MI", T0), field: "2025-01-06T10:30:00"}
    with pytest.raises(EvidenceInvalid) as err:
        validate_evidence(step, "P3MI", evidence)
    assert err.value.extra["fields"] == [f"evidence.{field}"]
    evidence[field] = "2025-01-06"
    assert validate_evidence(step, "P3MI", evidence)[field] == "2025-01-06T00:00:00Z"


def test_rules_compare_what_the_evidence_says_not_when_it_arrived():
    j = new()
    j.complete("medical_check", examined_at="2024-10-01")
    assert j.s.steps["medical_check"].valid_until == datetime(2025, 1, 1, tzinfo=UTC)
    # Already lapsed when it arrived: settle expires it at once.
    assert j.step("medical_check") == "expired"
    assert j.s.flags == ["document_expired"]


def test_start_date_and_covered_until_are_plain_dates():
    j = new().through("job_selection")
    with pytest.raises(EvidenceInvalid):
        j.complete("employment_contract", start_date="next june")
    j.complete("employment_contract", start_date="2025-07-01")
    assert j.s.contract_end == date(2027, 7, 1)
    assert isinstance(j.s.contract_end, date)
