"""Documents that lapse before departure (issue 9, item 4; rules version 3): the passport, the work
visa and the BPJS cover lapse as the medical check does, each flagging the journey and telling its office."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import RuleViolation
from tests.domain.harness import new


def lapsed_effects(j, count: int) -> list[str]:
    return sorted(e.kind for e in j.effects[count:])


def test_a_passport_lapses_at_its_expiry_before_departure_and_flags_the_journey():
    j = new().through("family_consent")
    j.complete("passport", expires_at="2025-03-01T00:00:00Z")
    j.advance(datetime(2025, 2, 28, 23, 59, tzinfo=UTC) - j.now)
    assert j.step("passport") == "completed" and j.s.flags == []
    count = len(j.effects)
    j.advance(minutes=1)
    assert j.step("passport") == "expired"
    assert j.s.flags == ["document_expired"]
    assert j.events[-2].data == {"step": "passport", "reason": "passport lapsed at 2025-03-01"}
    assert lapsed_effects(j, count) == ["notify_office", "sms"]  # the office and the worker hear of it
    j.complete("passport", expires_at="2030-01-01")  # renewed
    assert j.step("passport") == "completed" and j.s.flags == []


def test_a_work_visa_lapses_and_the_flag_stays_while_another_document_is_expired():
    j = new().through("social_security")
    j.complete("work_visa", expires_at="2025-05-01")
    j.advance(datetime(2025, 5, 2, tzinfo=UTC) - j.now)
    # The medical check (valid until 2025-04-06) lapsed first, then the visa.
    assert (j.step("medical_check"), j.step("work_visa")) == ("expired", "expired")
    j.complete("work_visa", expires_at="2027-12-31")
    assert j.s.flags == ["document_expired"]  # the medical check is still expired
    j.complete("medical_check")
    assert j.s.flags == []


def test_the_bpjs_cover_lapses_at_the_end_of_its_last_day():
    j = new().through("employment_contract")
    j.complete("social_security", covered_until="2027-06-01")  # exactly the contract end
    j.now = datetime(2027, 6, 1, 23, tzinfo=UTC)
    j.advance()
    assert j.step("social_security") == "completed"
    j.advance(hours=1)
    assert j.step("social_security") == "expired"
    assert "document_expired" in j.s.flags


def test_departure_with_a_passport_invalid_at_departure_is_refused_even_before_its_lapse_is_recorded():
    j = new().through("pre_departure_orientation")
    # The passport of the harness expires in 2030; the visa's expiry is changed to just before departure.
    j.s.steps["work_visa"].evidence["expires_at"] = "2025-02-01T00:00:00Z"
    with pytest.raises(RuleViolation) as err:
        j.complete("departure", departed_at="2025-02-02T00:00:00Z")
    assert err.value.extra["rule"] == "document_expired"
    assert err.value.extra["steps"] == ["work_visa"]


def test_a_document_that_lapsed_after_the_departure_it_served_is_completed_again():
    j = new().through("pre_departure_orientation")
    j.s.steps["work_visa"].evidence["expires_at"] = "2025-02-01T00:00:00Z"
    j.advance(datetime(2025, 2, 3, tzinfo=UTC) - j.now)
    assert j.step("work_visa") == "expired" and "document_expired" in j.s.flags
    j.integrate(
        "departure.recorded", "imigrasi", {"departed_at": "2025-01-31T22:00:00Z", "port": "CGK", "flight_no": "CI1"}
    )
    assert j.s.departed
    assert j.step("work_visa") == "completed" and "document_expired" not in j.s.flags


def test_nothing_lapses_after_departure():
    j = new().departed()
    j.advance(timedelta(days=365 * 3))
    assert all(j.step(s) != "expired" for s in ("passport", "work_visa", "social_security", "medical_check"))


def test_journeys_under_rules_2_keep_only_the_medical_lapse():
    j = new(rules=2).through("family_consent")
    j.complete("passport", expires_at="2025-03-01T00:00:00Z")
    j.advance(days=40)
    assert j.step("passport") == "completed"
    assert j.step("medical_check") in ("available", "expired")
