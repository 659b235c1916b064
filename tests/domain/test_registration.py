"""Registration: 18+ on the start date, and the NIK must verify."""

from datetime import UTC, date, datetime

import pytest

from domain import decide
from domain.errors import InvalidTransition
from domain.policy import Policy
from tests.domain.harness import OFFICER, SUPERVISOR, T0, new


def test_a_worker_who_turns_18_on_the_start_date_may_register():
    j = new(birth_date=date(2007, 1, 6))
    assert decide.registration_refusal(j.s) is None
    assert j.step("registration") == "completed"


def test_a_worker_who_turns_18_the_day_after_the_start_date_is_refused():
    j = new(birth_date=date(2007, 1, 7))
    assert decide.registration_refusal(j.s) == "worker is under 18 on the start date"
    assert j.step("registration") == "rejected"
    assert j.s.steps["registration"].reason == "worker is under 18 on the start date"
    assert j.s.available_steps() == ["registration"]


def test_the_age_is_taken_on_the_start_date_not_on_a_later_clock():
    j = new(birth_date=date(2007, 1, 7), register=False)
    j.advance(days=30)
    assert decide.registration_refusal(j.s) is not None


@pytest.mark.parametrize(
    ("started_at", "province", "allowed"),
    [
        # 23:30 UTC on 5 January is 06:30 on the 6th in Central Java (WIB): her 18th birthday.
        (datetime(2025, 1, 5, 23, 30, tzinfo=UTC), "33", True),
        # 15:30 UTC is 00:30 on the 6th in Papua (WIT) but still 22:30 on the 5th in Jakarta (WIB).
        (datetime(2025, 1, 5, 15, 30, tzinfo=UTC), "91", True),
        (datetime(2025, 1, 5, 15, 30, tzinfo=UTC), "31", False),
        # 16:30 UTC is 00:30 on the 6th in Bali (WITA).
        (datetime(2025, 1, 5, 16, 30, tzinfo=UTC), "51", True),
        (datetime(2025, 1, 5, 15, 30, tzinfo=UTC), "51", False),
    ],
)
def test_the_start_date_is_the_date_in_the_workers_province(started_at, province, allowed):
    j = new(birth_date=date(2007, 1, 6), now=started_at, province_code=province, register=False)
    assert (decide.registration_refusal(j.s) is None) == allowed


def test_the_minimum_age_is_a_policy_value():
    j = new(birth_date=date(2005, 1, 7), policy=Policy(minimum_age_years=21), register=False)
    assert decide.registration_refusal(j.s) == "worker is under 21 on the start date"
    assert decide.registration_refusal(new(birth_date=date(2004, 1, 6), register=False).s) is None


def test_a_nik_mismatch_rejects_registration_with_the_registrys_reason():
    reason = "NIK not confirmed by Dukcapil: name does not match"
    j = new(nik_refusal=reason)
    assert j.step("registration") == "rejected"
    assert j.s.steps["registration"].reason == reason
    assert j.types()[-1] == "StepRejected"
    assert j.step("family_consent") == "locked"


def test_a_confirmed_registration_records_the_number_and_the_verified_nik():
    j = new()
    assert j.s.steps["registration"].evidence == {"registration_no": "REG-1", "nik_verified": True}
    assert j.s.steps["registration"].completed_by == "journey-engine"


def test_a_late_registry_answer_for_a_completed_registration_changes_nothing():
    j = new()
    assert decide.registration_result(j.s, "REG-2", None) == []
    assert decide.registration_result(j.s, None, "too late") == []


@pytest.mark.parametrize(
    ("actor", "action"),
    [
        (OFFICER, "complete"),
        (OFFICER, "reject"),
        (SUPERVISOR, "complete"),
        (SUPERVISOR, "reject"),
        (SUPERVISOR, "waive"),
    ],
)
def test_registration_cannot_be_acted_on_by_people(actor, action):
    j = new(register=False)
    with pytest.raises(InvalidTransition) as err:
        j.act("registration", action, {"registration_no": "X"}, actor=actor, reason="because")
    assert err.value.extra["state"] == "available"
    assert j.s.version == 1


def test_the_journey_starts_at_version_one_with_the_clock_it_was_given():
    j = new(register=False)
    assert j.s.version == 1
    assert j.s.started_at == T0
    assert j.s.status == "active"
