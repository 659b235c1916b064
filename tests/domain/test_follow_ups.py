"""Reintegration follow-ups as the officer's tasks (issue 9, item 10; rules version 4)."""

from datetime import timedelta

import pytest

from domain import decide
from domain.contracts import RecordFollowUp
from domain.errors import InvalidTransition, NotFound
from tests.domain.harness import OFFICER, new


def record(j, number: int, **outcome):
    cmd = RecordFollowUp(number=number, actor=OFFICER, **({"reached": True} | outcome))
    return j.commit(decide.record_follow_up(j.s, cmd))


def finished_programme():
    j = new().returned()
    j.complete("reintegration_assessment")
    j.complete("reintegration_program")
    return j


def test_a_due_follow_up_is_a_task_the_office_hears_of_and_the_officer_records():
    j = finished_programme()
    count = len(j.effects)
    j.advance(days=92)  # three months after the return
    [due] = j.s.follow_ups
    assert due.number == 1 and due.recorded_at is None
    [notice] = [e for e in j.effects[count:] if e.kind == "notify_office"]
    assert "follow-ups/1" in notice.reason
    record(j, 1, employed=False, business_running=True, needs_help=False, note="Warung open")
    assert j.s.follow_ups[0].outcome == {
        "reached": True,
        "employed": False,
        "business_running": True,
        "needs_help": False,
        "note": "Warung open",
    }
    with pytest.raises(InvalidTransition) as err:
        record(j, 1)
    assert err.value.extra["state"] == "recorded"


def test_a_follow_up_not_yet_due_or_not_in_the_programme_is_refused():
    j = finished_programme()
    with pytest.raises(InvalidTransition) as err:
        record(j, 1)
    assert err.value.extra["state"] == "not_due"
    with pytest.raises(NotFound):
        record(j, 4)


def test_a_follow_up_not_recorded_in_time_flags_the_journey_until_it_is():
    j = finished_programme()
    j.advance(days=92)
    j.advance(days=13)
    assert "follow_up_overdue" not in j.s.flags
    count = len(j.effects)
    j.advance(days=2)
    assert "follow_up_overdue" in j.s.flags
    assert [e.kind for e in j.effects[count:]] == ["notify_office"]
    record(j, 1, reached=False, note="number disconnected")
    assert "follow_up_overdue" not in j.s.flags


def test_the_journey_completes_once_every_follow_up_is_recorded():
    j = finished_programme()
    for months_after, number in ((92, 1), (92, 2), (185, 3)):
        j.advance(days=months_after)
        assert j.s.status == "active"
        record(j, number)
    assert j.s.status == "ended" and j.s.outcome == "completed"


def test_under_rules_3_the_journey_completed_when_its_last_follow_up_was_due():
    j = new(rules=3).returned()
    j.complete("reintegration_assessment")
    j.complete("reintegration_program")
    j.advance(timedelta(days=370))
    assert j.s.status == "ended" and j.s.outcome == "completed"
