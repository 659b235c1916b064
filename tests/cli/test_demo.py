"""The demo's generated workers and plans look like the published figures and respect the rules."""

import random
from collections import Counter
from datetime import date

from cli.demo import Outcome, plan_journeys, summary
from cli.demo_data import PROVINCES, emitted_event, make_person, officer_evidence

TODAY = date(2026, 3, 1)
JOB_ORDERS = [
    {"job_order_id": "JO-TW", "scheme": "P3MI", "p3mi_id": "P3MI-0007", "destination_country": "TW",
     "occupation": "caregiver", "sector": "informal", "quota": 1000, "filled": 0},
    {"job_order_id": "JO-HK", "scheme": "P3MI", "p3mi_id": "P3MI-0003", "destination_country": "HK",
     "occupation": "domestic_worker", "sector": "informal", "quota": 2, "filled": 1},
    {"job_order_id": "JO-KR", "scheme": "G2G", "p3mi_id": None, "destination_country": "KR",
     "occupation": "manufacturing_operator", "sector": "formal", "quota": 500, "filled": 0},
]  # fmt: skip


def test_a_generated_nik_encodes_regency_birth_date_and_gender():
    rng = random.Random(7)
    for _ in range(200):
        person = make_person(rng, "TW", TODAY)
        assert len(person.nik) == 16 and person.nik.isdigit()
        assert person.nik[:4] == person.regency_code and person.regency_code[:2] == person.province_code
        day = int(person.nik[6:8]) - (40 if person.gender == "F" else 0)
        assert day == person.birth_date.day
        assert person.nik[8:12] == person.birth_date.strftime("%m%y")
        assert not person.nik.endswith("9999")
        assert 20.9 <= (TODAY - person.birth_date).days / 365.25 <= 41


def test_provinces_follow_the_published_weights():
    rng = random.Random(1)
    counts = Counter(make_person(rng, "MY", TODAY).province_code for _ in range(3000))
    assert set(counts) <= set(PROVINCES)
    assert counts["35"] > counts["33"] > counts["52"] > counts["13"]


def test_plans_are_mostly_p3mi_and_never_overfill_a_job_order():
    plans = plan_journeys(random.Random(3), 400, JOB_ORDERS)
    schemes = Counter(p.scheme for p in plans)
    assert 0.7 < schemes["P3MI"] / 400 < 0.9
    assert schemes["G2G"] > 0
    assert sum(1 for p in plans if p.job_order and p.job_order["job_order_id"] == "JO-HK") <= 1
    for plan in plans:
        if plan.job_order:
            assert plan.job_order["scheme"] == plan.scheme
            assert plan.job_order["destination_country"] == plan.destination


def test_officer_evidence_has_the_fields_domain_md_names():
    journey = {"journey_id": "j_01ABCDEF", "scheme": "P3MI", "destination_country": "TW",
               "worker": {"province_code": "33"}}  # fmt: skip
    rng = random.Random(0)

    def fields(step):
        return set(officer_evidence(step, journey, rng, TODAY, "JO-TW"))

    assert fields("family_consent") == {"consent_ref", "village"}
    assert fields("job_selection") == {"job_order_id"}
    assert fields("placement_agreement") == {"agreement_no", "signed_at"}
    assert fields("competency_training") == {"certificate_no", "institution_id", "issued_at"}
    assert fields("employment_contract") == {
        "contract_no", "employer_name", "start_date", "duration_months", "monthly_salary", "currency"
    }  # fmt: skip
    assert fields("work_visa") == {"visa_no", "expires_at"}
    assert fields("pre_departure_orientation") == {"attended_at"}
    independent = {**journey, "scheme": "INDEPENDENT"}
    offer = officer_evidence("job_selection", independent, rng, TODAY, None)
    assert set(offer) == {"employer_name", "offer_ref"}
    assert officer_evidence("passport", journey, rng, TODAY, None) is None
    assert officer_evidence("employment", journey, rng, TODAY, None) is None  # a period, not an act


def test_integration_steps_are_emitted_by_the_right_source():
    journey = {"journey_id": "j_1", "destination_country": "HK", "worker": {"province_code": "35"}}
    now = "2026-03-01T08:00:00+00:00"
    medical = emitted_event("medical_check", journey, now, TODAY)
    assert (medical["source"], medical["type"]) == ("clinic", "medical.result")
    assert set(medical["data"]) == {"clinic_id", "result", "examined_at"}
    departure = emitted_event("departure", journey, now, TODAY)
    assert (departure["source"], departure["type"]) == ("imigrasi", "departure.recorded")
    assert set(departure["data"]) == {"departed_at", "port", "flight_no"}
    arrival = emitted_event("arrival_report", journey, now, TODAY)
    assert (arrival["source"], arrival["data"]["mission"]) == ("embassy", "KJRI-HKG")
    assert emitted_event("social_security", journey, now, TODAY) is None


def test_summary_counts_journeys_by_phase():
    plans = plan_journeys(random.Random(5), 3, JOB_ORDERS)

    outcomes = [Outcome(plans[0], "j_1", "placement", "active", arrived=True, seconds=3.0),
                Outcome(plans[1], "j_2", "pre_departure", "active", problem="timed out")]  # fmt: skip
    text = summary(outcomes)
    assert "placement" in text and "arrived" in text and "timed out" in text
