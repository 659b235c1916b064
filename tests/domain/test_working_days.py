"""Working days skip weekends and Indonesia's national public holidays (issue 9, item 9)."""

from datetime import date, datetime, timedelta

from domain.case_events import evolve_case
from domain.case_rules import add_working_days, case_action, open_case
from domain.contracts import Actor, CaseCommand, StartCase
from domain.regions import WIB
from store.seed_data import HOLIDAYS

SEEDED = frozenset(date.fromisoformat(day) for day, _ in HOLIDAYS)
OFFICER = Actor(sub="officer-17", role="officer")


def test_a_clarification_deadline_spanning_idul_fitri_moves_past_the_holidays():
    asked = datetime(2026, 3, 16, 9, 0, tzinfo=WIB)  # Monday before Nyepi and Idul Fitri 1447 H
    without = add_working_days(asked, 15, WIB)
    with_holidays = add_working_days(asked, 15, WIB, SEEDED)
    assert without.date() == date(2026, 4, 6)
    # Nyepi (Thu 19 March), Idul Fitri (Fri 20 March; the Saturday is a weekend anyway) and Good Friday
    # (3 April) are not working days: three more days.
    assert with_holidays.date() == date(2026, 4, 9)
    assert with_holidays.time() == asked.time()


def test_a_holiday_on_a_weekend_changes_nothing_and_none_lies_in_a_weekend_twice():
    saturday = date(2026, 3, 21)
    asked = datetime(2026, 3, 23, 9, 0, tzinfo=WIB)  # the Monday after
    assert add_working_days(asked, 5, WIB, {saturday}) == add_working_days(asked, 5, WIB)


def test_the_holiday_is_the_provinces_date_not_the_utc_one():
    # 23:30 WIB on Wednesday 18 March is 16:30 UTC: the next day in Jakarta is Thursday the 19th (Nyepi).
    asked = datetime(2026, 3, 18, 23, 30, tzinfo=WIB)
    assert add_working_days(asked, 1, WIB, SEEDED).astimezone(WIB).date() == date(2026, 3, 23)


def test_the_seed_covers_2026_and_2027_with_both_idul_fitri_days():
    assert {d.year for d in SEEDED} == {2026, 2027}
    idul_fitri = [d for d, name in HOLIDAYS if "Idul Fitri" in name]
    assert idul_fitri == ["2026-03-20", "2026-03-21", "2027-03-10", "2027-03-11"]


def test_a_case_action_counts_the_holidays_its_command_carries():
    now = datetime(2026, 3, 16, 2, 0, tzinfo=WIB)
    start = StartCase(case_id="c_1", journey_id="j_1", case_type="fraud", province_code="31", actor=OFFICER)
    state = None
    for seq, emitted in enumerate(open_case(start, now), start=1):
        state = evolve_case(state, emitted.recorded(seq, now))
    verify = case_action(state, CaseCommand(action="verify", actor=OFFICER), now)
    state = evolve_case(state, verify[0].recorded(state.version + 1, now))
    plain = CaseCommand(action="request_clarification", actor=OFFICER)
    holidays = plain.model_copy(update={"holidays": sorted(SEEDED)})
    [due_plain] = [e.event.due_at for e in case_action(state, plain, now)]
    [due_holidays] = [e.event.due_at for e in case_action(state, holidays, now)]
    assert due_holidays - due_plain == timedelta(days=3)
