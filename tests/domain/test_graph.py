"""The step graph of each scheme (DOMAIN.md, "requires" columns)."""

import pytest

from domain.steps import STEP_BY_ID, STEPS, requirements, steps_for
from tests.domain.harness import SUPERVISOR, new

SCHEMES = ("G2G", "P3MI", "INDEPENDENT")
ALL_STEPS = [s.step for s in STEPS]
PRE_DEPARTURE_DOCUMENTS = (
    "registration",
    "family_consent",
    "job_selection",
    "medical_check",
    "competency_training",
    "passport",
    "employment_contract",
    "social_security",
    "work_visa",
)
REQUIRES = {
    "registration": set(),
    "family_consent": {"registration"},
    "job_selection": {"registration"},
    "placement_agreement": {"job_selection"},
    "medical_check": {"registration"},
    "competency_training": {"job_selection"},
    "passport": {"registration", "family_consent"},
    "employment_contract": {"job_selection"},
    "social_security": {"registration", "employment_contract"},
    "work_visa": {"passport", "employment_contract"},
    "pre_departure_orientation": {"document_verification"},
    "departure": {"pre_departure_orientation"},
    "arrival_report": {"departure"},
    "employment": {"departure"},
    "return": {"employment"},
    "reintegration_assessment": {"return"},
    "reintegration_program": {"reintegration_assessment"},
}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_scheme_has_every_step_but_placement_agreement_only_in_p3mi(scheme):
    steps = [s.step for s in steps_for(scheme)]
    expected = [s for s in ALL_STEPS if s != "placement_agreement" or scheme == "P3MI"]
    assert steps == expected
    assert list(new(scheme, register=False).s.steps) == expected


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("step", sorted(REQUIRES))
def test_each_step_requires_what_its_table_row_says(scheme, step):
    assert set(requirements(step, scheme)) == REQUIRES[step]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_document_verification_requires_every_step_above_that_applies_to_the_scheme(scheme):
    expected = set(PRE_DEPARTURE_DOCUMENTS) | ({"placement_agreement"} if scheme == "P3MI" else set())
    assert set(requirements("document_verification", scheme)) == expected


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_new_journey_has_only_registration_available(scheme):
    j = new(scheme, register=False)
    assert j.s.available_steps() == ["registration"]
    assert all(st.state == "locked" for name, st in j.s.steps.items() if name != "registration")


def test_only_registration_and_employment_are_system_only():
    assert {s.step for s in STEPS if s.system_only} == {"registration", "employment"}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_registration_opens_family_consent_job_selection_and_medical_check(scheme):
    j = new(scheme)
    assert set(j.s.available_steps()) == {"family_consent", "job_selection", "medical_check"}


def test_placement_agreement_competency_and_contract_open_after_job_selection_in_p3mi():
    j = new("P3MI")
    j.complete("job_selection")
    assert set(j.s.available_steps()) == {
        "family_consent",
        "medical_check",
        "placement_agreement",
        "competency_training",
        "employment_contract",
    }


@pytest.mark.parametrize("scheme", ["G2G", "INDEPENDENT"])
def test_job_selection_opens_no_placement_agreement_outside_p3mi(scheme):
    j = new(scheme)
    j.complete("job_selection")
    assert set(j.s.available_steps()) == {
        "family_consent",
        "medical_check",
        "competency_training",
        "employment_contract",
    }


def test_passport_needs_both_registration_and_family_consent():
    j = new()
    j.complete("job_selection")
    assert j.step("passport") == "locked"
    j.complete("family_consent")
    assert j.step("passport") == "available"


def test_social_security_opens_with_the_employment_contract():
    j = new().through("job_selection")
    assert j.step("social_security") == "locked"
    j.complete("employment_contract")
    assert j.step("social_security") == "available"


def test_work_visa_needs_both_passport_and_employment_contract():
    j = new().through("job_selection")
    j.complete("employment_contract")
    assert j.step("work_visa") == "locked"
    j.complete("passport")
    assert j.step("work_visa") == "available"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_document_verification_stays_locked_until_the_last_document_is_in(scheme):
    j = new(scheme).through("social_security")
    assert j.step("document_verification") == "locked"
    j.complete("work_visa")
    assert j.step("document_verification") == "available"


def test_a_waived_requirement_satisfies_like_a_completed_one():
    j2 = new("P3MI")
    for step in ("family_consent", "job_selection", "medical_check", "competency_training", "passport"):
        j2.complete(step)
    j2.act("placement_agreement", "waive", reason="agreement signed on paper", actor=SUPERVISOR)
    for step in ("employment_contract", "social_security", "work_visa"):
        j2.complete(step)
    assert j2.step("placement_agreement") == "waived"
    assert j2.step("document_verification") == "available"


def test_orientation_then_departure_then_placement_open_in_turn():
    j = new().through("document_verification")
    assert j.step("pre_departure_orientation") == "available"
    assert j.step("departure") == "locked"
    j.complete("pre_departure_orientation")
    assert j.step("departure") == "available"
    assert j.s.phase == "pre_departure"
    j.complete("departure")
    assert j.s.phase == "placement"
    assert set(j.s.available_steps()) == {"arrival_report", "employment"}
    assert j.step("return") == "locked"


def test_step_ids_and_phases_are_those_of_the_tables():
    assert STEP_BY_ID["arrival_report"].phase == "placement"
    assert STEP_BY_ID["employment"].phase == "placement"
    assert {STEP_BY_ID[s].phase for s in ("return", "reintegration_assessment", "reintegration_program")} == {
        "reintegration"
    }
    assert {STEP_BY_ID[s].phase for s in PRE_DEPARTURE_DOCUMENTS} == {"pre_departure"}
