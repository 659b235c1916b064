"""Evidence at the edges: dates the calendar (or a rule's arithmetic) cannot hold, text that no database
write survives, numbers without bounds. The domain keeps fixed bounds only (it never reads the clock);
the window around today is the API's (`check_at_the_edge` with `today`)."""

from datetime import date

import pytest
from pydantic import ValidationError

from domain import integrations
from domain.contracts import IntegrationEvent
from domain.errors import EvidenceInvalid
from domain.evidence import check_at_the_edge, validate_evidence
from tests.domain.harness import T0, Journey, valid_evidence

DATE_FIELDS = [
    ("placement_agreement", "signed_at"),
    ("medical_check", "examined_at"),
    ("competency_training", "issued_at"),
    ("passport", "expires_at"),
    ("employment_contract", "start_date"),
    ("social_security", "covered_until"),
    ("work_visa", "expires_at"),
    ("pre_departure_orientation", "attended_at"),
    ("departure", "departed_at"),
    ("arrival_report", "reported_at"),
    ("return", "arrived_at"),
]
CALENDAR_EDGES = ["9999-12-31", "0001-01-01", "2200-01-01", "1899-12-31"]


def refused_fields(step: str, evidence: dict) -> list[str]:
    with pytest.raises(EvidenceInvalid) as err:
        validate_evidence(step, "P3MI", evidence)
    return err.value.extra["fields"]


@pytest.mark.parametrize(("step", "field"), DATE_FIELDS)
@pytest.mark.parametrize("value", CALENDAR_EDGES)
def test_a_document_date_outside_the_years_1900_to_2199_is_refused_naming_the_field(step, field, value):
    evidence = {**valid_evidence(step, "P3MI", T0), field: value}
    assert refused_fields(step, evidence) == [f"evidence.{field}"]


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-05:00", "0001-01-01T06:59:59+07:00"]
)
def test_an_instant_that_overflows_when_read_in_utc_is_refused_not_raised(value):
    evidence = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": value}
    assert refused_fields("medical_check", evidence) == ["evidence.examined_at"]


def test_a_medical_check_at_the_end_of_the_calendar_is_refused_by_the_workflow_not_a_failed_task():
    # Its validity (examined_at + 3 months) would overflow inside the workflow's update.
    j = Journey().through("placement_agreement")
    before = j.s
    with pytest.raises(EvidenceInvalid) as err:
        j.complete("medical_check", examined_at="9999-12-31")
    assert err.value.extra["fields"] == ["evidence.examined_at"]
    assert j.s is before


def test_a_medical_result_from_a_clinic_dated_at_the_end_of_the_calendar_is_recorded_as_refused():
    j = Journey().through("placement_agreement")
    data = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "9999-12-31"}
    [received] = j.integrate("medical.result", "clinic", data)
    assert received.data["disposition"] == "refused"
    assert "evidence.examined_at" in received.data["reason"]
    assert j.step("medical_check") == "available"


def test_the_last_day_of_2199_is_the_latest_date_and_leaves_room_for_what_rules_add_to_it():
    j = Journey().through("placement_agreement")
    with pytest.raises(EvidenceInvalid):
        j.complete("medical_check", examined_at="2200-01-01")
    j.complete("medical_check", examined_at="2199-12-31")  # valid until 2200-03-31: no overflow
    assert j.step("medical_check") == "completed"


@pytest.mark.parametrize("months", [601, 10**6, 10**30])
def test_a_contract_duration_has_an_absolute_bound_before_the_policy_is_asked(months):
    evidence = {**valid_evidence("employment_contract", "P3MI", T0), "duration_months": months}
    assert refused_fields("employment_contract", evidence) == ["evidence.duration_months"]


# Infinity and NaN (JSON `1e400` arrives as infinity) were refused already, as any non-finite Decimal is.
@pytest.mark.parametrize("salary", ["1000000000", "1E+400", "1e400", 1e9, 10**400])
def test_a_monthly_salary_is_below_a_billion(salary):
    evidence = {**valid_evidence("employment_contract", "P3MI", T0), "monthly_salary": salary}
    assert refused_fields("employment_contract", evidence) == ["evidence.monthly_salary"]
    evidence["monthly_salary"] = "999999999.99"
    assert validate_evidence("employment_contract", "P3MI", evidence)["monthly_salary"] == "999999999.99"


@pytest.mark.parametrize(
    ("step", "field"),
    [("family_consent", "village"), ("job_selection", "job_order_id"), ("departure", "port")],
)
# "" and a lone surrogate ("\ud800") were refused already (a length limit makes pydantic refuse both).
@pytest.mark.parametrize("value", ["   ", "\t\n", "\u3000", "a\x00b", "a\x1bb", "line\nbreak", "a\u0085b", "a\x7f"])
def test_text_in_evidence_is_never_blank_nor_holds_control_characters(step, field, value):
    evidence = {**valid_evidence(step, "P3MI", T0), field: value}
    assert refused_fields(step, evidence) == [f"evidence.{field}"]


def test_text_in_evidence_is_trimmed():
    evidence = {**valid_evidence("family_consent", "P3MI", T0), "village": "  Kendal \t"}
    assert validate_evidence("family_consent", "P3MI", evidence)["village"] == "Kendal"


def test_every_program_of_a_reintegration_programme_is_text_without_control_characters():
    assert refused_fields("reintegration_program", {"programs": ["desmigratif", "kur\x00"]}) == ["evidence.programs.1"]


@pytest.mark.parametrize("passport_no", ["C１２３４５６７", "C\u0661\u0662\u0663\u0664\u0665\u0666\u0667", "C 1234567"])
def test_a_passport_number_is_ascii_letters_and_digits(passport_no):
    evidence = {"passport_no": passport_no, "expires_at": "2030-01-01"}
    assert refused_fields("passport", evidence) == ["evidence.passport_no"]


def test_the_workflow_accepts_a_masked_passport_number_that_the_edge_refuses_in_the_clear():
    masked = {"passport_no": "C*****67", "expires_at": "2030-01-01"}
    assert validate_evidence("passport", "P3MI", masked)["passport_no"] == "C*****67"
    with pytest.raises(ValidationError) as err:
        check_at_the_edge(masked, date(2026, 3, 1))
    assert [e["loc"] for e in err.value.errors()] == [("passport_no",)]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2076-02-28", True),
        ("1976-03-01", True),
        ("2076-03-02", False),
        ("1976-02-28", False),
        ("2150-01-01T00:00:00Z", False),
    ],
)
def test_the_edge_holds_document_dates_to_fifty_years_either_side_of_today(value, ok):
    today = date(2026, 3, 1)
    evidence = {"examined_at": value, "start_date": value[:10], "covered_until": value[:10]}
    if ok:
        check_at_the_edge(evidence, today)
        return
    with pytest.raises(ValidationError) as err:
        check_at_the_edge(evidence, today)
    assert sorted(e["loc"] for e in err.value.errors()) == [("covered_until",), ("examined_at",), ("start_date",)]
    assert value not in str(err.value)


def test_a_complaint_whose_description_holds_a_nul_is_recorded_as_refused():
    j = Journey().departed()
    data = {"case_type": "unpaid_wages", "description": "wages\x00unpaid"}
    msg = IntegrationEvent(source="hotline", event_id="hotline-1", type="complaint.filed", occurred_at=j.now, data=data)
    [received] = integrations.integration(j.s, msg, j.now, case_id="c_01")
    assert received.event.disposition == "refused"
    assert received.event.reason == "invalid complaint: data.description"


def test_a_complaint_description_is_trimmed_and_may_hold_line_breaks():
    j = Journey().departed()
    data = {"case_type": "unpaid_wages", "description": "  three months\n\tunpaid  "}
    msg = IntegrationEvent(source="hotline", event_id="hotline-1", type="complaint.filed", occurred_at=j.now, data=data)
    emitted = integrations.integration(j.s, msg, j.now, case_id="c_01")
    assert emitted[0].event.disposition == "applied"
    assert "three months\n\tunpaid" in [getattr(e.event, "description", None) for e in emitted]
