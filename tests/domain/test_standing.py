"""The standing of a placement (issue 9, items 1 and 3; rules version 3): the P3MI's licence and the
destination's status, changed by admins while journeys run."""

from datetime import date, timedelta

import pytest

from domain.errors import Forbidden, InvalidTransition, RuleViolation
from tests.domain.harness import OFFICER, new


def refused_rule(j, step: str, **overrides) -> str:
    with pytest.raises(RuleViolation) as err:
        j.complete(step, **overrides)
    return err.value.extra["rule"]


@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_a_licence_suspended_or_revoked_after_the_start_blocks_job_selection(status):
    j = new()
    count = len(j.effects)
    j.standing("p3mi_licence", status)
    assert j.types()[-2:] == ["P3miLicenceChanged", "FlagRaised"]
    assert j.s.flags == ["p3mi_licence_not_active"]
    assert [e.kind for e in j.effects[count:]] == ["notify_office"]  # its office hears of it
    assert refused_rule(j, "job_selection") == "p3mi_licence_not_active"
    j.standing("p3mi_licence", "active")  # reinstated
    assert j.s.flags == []
    j.complete("job_selection")


def test_a_lapsed_licence_blocks_the_placement_agreement_and_departure_but_not_other_steps():
    j = new().through("job_selection")
    j.standing("p3mi_licence", "suspended")
    assert refused_rule(j, "placement_agreement") == "p3mi_licence_not_active"
    j.complete("medical_check")  # the worker's own steps go on
    j.standing("p3mi_licence", "active")
    j.through("pre_departure_orientation")
    j.standing("p3mi_licence", "revoked")
    assert refused_rule(j, "departure") == "p3mi_licence_not_active"
    assert j.step("departure") == "available"


def test_an_expired_licence_counts_as_not_active_from_the_day_after_its_last_valid_day():
    j = new(licence_valid_until=date(2025, 1, 10))
    j.complete("job_selection")  # valid on the start date
    j.advance(days=3)  # 2025-01-09 09:00
    assert j.s.flags == []
    j.advance(days=1)  # 2025-01-10 09:00: still its last day
    assert j.s.flags == []
    j.advance(hours=15)  # 2025-01-11 00:00
    assert j.s.flags == ["p3mi_licence_not_active"]
    assert "expired" in j.events[-1].data["reason"]
    assert refused_rule(j, "placement_agreement") == "p3mi_licence_not_active"
    j.standing("p3mi_licence", "active", valid_until=date(2027, 1, 10))  # renewed
    assert j.s.flags == []
    j.complete("placement_agreement")


def test_a_licence_change_of_another_p3mi_or_after_departure_changes_nothing():
    j = new()
    assert j.standing("p3mi_licence", "revoked", key="P3MI-OTHER") == []
    j.departed()
    assert j.standing("p3mi_licence", "revoked") == []
    assert j.s.flags == []


def test_the_same_standing_twice_is_recorded_once():
    j = new()
    assert len(j.standing("p3mi_licence", "suspended")) == 2
    assert j.standing("p3mi_licence", "suspended") == []


def test_g2g_and_independent_journeys_have_no_licence_to_lapse():
    for scheme in ("G2G", "INDEPENDENT"):
        j = new(scheme)
        assert j.standing("p3mi_licence", "revoked", key="P3MI-7") == []
        j.complete("job_selection")


def test_closing_the_destination_flags_the_journey_and_blocks_departure_until_it_reopens():
    j = new().through("pre_departure_orientation")
    count = len(j.effects)
    j.standing("destination", "closed")
    assert j.s.flags == ["destination_closed"]
    assert [e.kind for e in j.effects[count:]] == ["notify_office"]
    assert refused_rule(j, "departure") == "destination_closed"
    j.standing("destination", "open")
    assert j.s.flags == []
    j.complete("departure")
    assert j.s.departed


def test_a_supervisor_waives_a_closure_for_one_journey_and_the_next_closure_needs_its_own_waiver():
    j = new().through("document_verification")
    j.standing("destination", "closed")
    with pytest.raises(Forbidden):
        j.waive_rule(actor=OFFICER)
    j.waive_rule()
    assert j.types()[-2:] == ["RuleWaived", "FlagCleared"]
    assert j.s.flags == []
    j.standing("destination", "open")
    j.standing("destination", "closed")
    assert j.s.flags == ["destination_closed"]  # a waiver answers one closure
    j.waive_rule()
    j.complete("pre_departure_orientation")
    j.complete("departure")
    assert j.s.departed


def test_a_waiver_of_an_open_destination_is_refused():
    j = new()
    with pytest.raises(InvalidTransition):
        j.waive_rule()


def test_a_closure_after_departure_flags_nothing():
    j = new().departed()
    assert j.standing("destination", "closed") == []
    j.advance(timedelta(days=1))
    assert "destination_closed" not in j.s.flags


def test_journeys_under_rules_2_ignore_standing_changes():
    j = new(rules=2)
    assert j.standing("p3mi_licence", "revoked") == []
    assert j.standing("destination", "closed") == []
    j.complete("job_selection")
