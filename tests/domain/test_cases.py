"""Protection cases in the pure domain: every case type's deadlines and escalation, the state
machine of DOMAIN.md, who may take which action, the automatic rules, and the journey's side."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain import protection
from domain.case_events import SEVERITY, evolve_case
from domain.case_rules import (
    TRANSITIONS,
    add_working_days,
    case_action,
    first_response_overdue,
    next_case_deadline,
    open_case,
    settle_case,
)
from domain.contracts import Actor, CaseChange, CaseCommand, NewEvent, OpenCase, StartCase
from domain.errors import EvidenceInvalid, Forbidden, InvalidTransition, VersionConflict
from domain.policy import Policy

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
OFFICER = Actor(sub="officer-17", role="officer")
SUPERVISOR = Actor(sub="sup-3", role="supervisor")
AUDITOR = Actor(sub="audit-1", role="auditor")
HOURS = {
    "trafficking": 4,
    "violence": 4,
    "detention": 24,
    "death": 24,
    "illness": 24,
    "repatriation": 72,
    "unpaid_wages": 120,
    "fraud": 120,
    "social_security_claim": 240,
}


class Case:
    """Applies decided events the way the case workflow does, with an explicit clock."""

    def __init__(self, case_type: str, policy: Policy | None = None) -> None:
        self.now = T0
        self.state = None
        self.events: list[NewEvent] = []
        start = StartCase(
            case_id="c_01",
            journey_id="j_01",
            case_type=case_type,
            province_code="33",
            actor=OFFICER,
            policy=policy or Policy(),
        )
        self._apply(open_case(start, self.now))

    def _apply(self, emitted) -> None:
        for item in emitted:
            recorded = item.recorded(len(self.events) + 1, self.now)
            self.state = evolve_case(self.state, recorded)
            self.events.append(recorded)

    def act(self, action: str, actor: Actor = OFFICER, **kw):
        self._apply(case_action(self.state, CaseCommand(action=action, actor=actor, **kw), self.now))
        return self.state

    def advance(self, delta: timedelta):
        self.now += delta
        while emitted := settle_case(self.state, self.now):
            self._apply(emitted)
        return self.state

    def types(self) -> list[str]:
        return [e.type for e in self.events]


@pytest.mark.parametrize("case_type", sorted(HOURS))
def test_each_case_type_has_its_severity_and_first_response_deadline(case_type):
    case = Case(case_type)
    assert case.state.severity == SEVERITY[case_type]
    assert case.state.first_response_due_at == T0 + timedelta(hours=HOURS[case_type])
    assert case.state.status == "reported"


@pytest.mark.parametrize("case_type", sorted(HOURS))
def test_a_missed_first_response_escalates_to_the_right_people(case_type):
    case = Case(case_type)
    case.advance(timedelta(hours=HOURS[case_type]) - timedelta(minutes=1))
    assert not case.state.deadline_missed
    case.advance(timedelta(minutes=2))
    assert case.state.deadline_missed and case.state.escalated
    expected = "rapid_response_team" if case_type in ("trafficking", "violence") else "supervisor"
    assert case.state.escalated_to == expected
    assert "FirstResponseMissed" in case.types()


def test_trafficking_goes_to_the_rapid_response_team_at_once_and_is_not_escalated_twice():
    case = Case("trafficking")
    assert case.state.escalated_to == "rapid_response_team" and case.types() == ["CaseOpened", "CaseEscalated"]
    case.advance(timedelta(hours=5))
    assert case.types().count("CaseEscalated") == 1 and case.state.deadline_missed


def test_a_first_response_in_time_prevents_escalation():
    case = Case("violence")
    case.advance(timedelta(hours=3))
    case.act("verify")
    case.advance(timedelta(days=2))
    assert not case.state.escalated and case.state.first_response_at == T0 + timedelta(hours=3)
    assert next_case_deadline(case.state) is None


def test_a_case_moves_reported_verified_in_progress_resolved_closed():
    case = Case("unpaid_wages")
    assert case.act("verify").status == "verified"
    assert case.act("refer", to="police").status == "in_progress"
    assert case.act("advocate", track="non_litigation").status == "in_progress"
    assert case.act("mediate").status == "in_progress"
    assert case.act("resolve", resolution="wages paid").status == "resolved"
    assert case.act("close", actor=SUPERVISOR, note="done").status == "closed"
    assert [a["action"] for a in case.state.actions] == ["verify", "refer", "advocate", "mediate", "resolve"]


@pytest.mark.parametrize(
    "action", ["request_clarification", "mediate", "refer", "advocate", "shelter", "repatriate", "resolve"]
)
def test_handling_actions_need_a_verified_case(action):
    case = Case("fraud")
    with pytest.raises(InvalidTransition) as refused:
        case.act(action, to="police", track="litigation", resolution="x")
    assert refused.value.extra["state"] == "reported"


def test_nothing_can_be_done_to_a_closed_case_and_verify_only_once():
    case = Case("illness")
    case.act("verify")
    with pytest.raises(InvalidTransition):
        case.act("verify")
    case.act("close", actor=SUPERVISOR, note="duplicate report")
    for action in TRANSITIONS:
        with pytest.raises((InvalidTransition, EvidenceInvalid)):
            case.act(action, actor=SUPERVISOR, to="police", track="litigation", resolution="x")


@pytest.mark.parametrize("action", ["escalate", "close"])
def test_only_a_supervisor_may_escalate_or_close(action):
    case = Case("detention")
    with pytest.raises(Forbidden):
        case.act(action)
    case.act(action, actor=SUPERVISOR, note="by hand")
    assert case.state.escalated or case.state.status == "closed"


def test_an_auditor_may_not_act_on_a_case():
    with pytest.raises(Forbidden):
        Case("fraud").act("verify", actor=AUDITOR)


def test_actions_check_their_fields_and_the_expected_version():
    case = Case("fraud")
    case.act("verify")
    with pytest.raises(EvidenceInvalid) as refer:
        case.act("refer")
    assert refer.value.extra["fields"] == ["to"]
    with pytest.raises(EvidenceInvalid):
        case.act("refer", to="rapid_response_team")
    with pytest.raises(EvidenceInvalid):
        case.act("resolve")
    with pytest.raises(VersionConflict) as stale:
        case.act("shelter", expected_version=1)
    assert stale.value.extra["current_version"] == case.state.version


def test_working_days_skip_weekends():
    assert add_working_days(T0, 5) == T0 + timedelta(days=7)  # Monday + 5 working days = next Monday
    friday = T0 + timedelta(days=4)
    assert add_working_days(friday, 1) == friday + timedelta(days=3)
    assert add_working_days(T0, 15) == T0 + timedelta(days=21)


def test_no_clarification_in_15_working_days_goes_to_mediation_but_an_answer_stops_it():
    case = Case("unpaid_wages")
    case.act("verify")
    case.act("request_clarification")
    case.advance(timedelta(days=20))
    assert case.state.actions[-1]["action"] == "request_clarification"
    case.advance(timedelta(days=1, minutes=1))
    assert case.state.actions[-1] == {**case.state.actions[-1], "action": "mediate", "automatic": True}
    other = Case("fraud")
    other.act("verify")
    other.act("request_clarification")
    other.advance(timedelta(days=10))
    other.act("clarification_received", note="P3MI refunded the fee")
    other.advance(timedelta(days=30))
    assert [a["action"] for a in other.state.actions][-1] == "clarification_received"


def test_documents_incomplete_for_30_days_close_the_case():
    case = Case("social_security_claim")
    case.act("request_documents")
    case.advance(timedelta(days=29))
    assert case.state.status == "reported"
    case.advance(timedelta(days=2))
    assert case.state.status == "closed" and case.state.close_reason == "documents_incomplete"


def test_an_unreachable_complainant_closes_the_case_after_60_days_unless_reached():
    case = Case("detention")
    case.act("verify")
    case.act("mark_unreachable")
    case.advance(timedelta(days=61))
    assert case.state.close_reason == "complainant_unreachable"
    reached = Case("detention")
    reached.act("verify")
    reached.act("mark_unreachable")
    reached.advance(timedelta(days=30))
    reached.act("complainant_reached")
    reached.advance(timedelta(days=40))
    assert reached.state.status == "verified"
    with pytest.raises(InvalidTransition):
        reached.act("complainant_reached")


def test_policy_values_change_the_deadlines():
    policy = Policy(case_first_response_hours={**HOURS, "fraud": 1}, case_unreachable_days=10)
    case = Case("fraud", policy)
    assert case.state.first_response_due_at == T0 + timedelta(hours=1)


# ---- the journey's side -------------------------------------------------------------


def journey(departed: bool = True):
    from tests.domain.harness import new

    j = new("P3MI")
    if departed:
        j.through("departure")
    return j


def apply(j, emitted):
    j.commit(emitted)
    return j.s


def test_opening_a_trafficking_case_flags_the_journey_and_closing_it_clears_the_flag():
    j = journey(departed=False)
    cmd = OpenCase(case_id="c_7", case_type="trafficking", actor=OFFICER)
    state = apply(j, protection.open_case(j.s, cmd))
    assert "protection_emergency" in state.flags and state.open_cases[0].case_id == "c_7"
    change = CaseChange(case_id="c_7", case_type="trafficking", status="closed")
    state = apply(j, protection.case_changed(j.s, change, T0))
    assert "protection_emergency" not in state.flags and state.open_cases == []


def test_an_auditor_may_not_open_a_case_and_a_case_id_opens_once():
    j = journey(departed=False)
    with pytest.raises(Forbidden):
        protection.open_case(j.s, OpenCase(case_id="c_1", case_type="fraud", actor=AUDITOR))
    apply(j, protection.open_case(j.s, OpenCase(case_id="c_1", case_type="fraud", actor=OFFICER)))
    with pytest.raises(InvalidTransition):
        protection.open_case(j.s, OpenCase(case_id="c_1", case_type="fraud", actor=OFFICER))


def test_a_repatriation_ends_employment_and_makes_return_available():
    j = journey()
    apply(j, protection.open_case(j.s, OpenCase(case_id="c_2", case_type="repatriation", actor=OFFICER)))
    change = CaseChange(case_id="c_2", case_type="repatriation", status="in_progress", effect="repatriated")
    state = apply(j, protection.case_changed(j.s, change, T0))
    assert state.phase == "reintegration" and state.steps["return"].state == "available"


def test_a_death_case_ends_the_journey_as_deceased_with_the_death_claim():
    j = journey()
    apply(j, protection.open_case(j.s, OpenCase(case_id="c_3", case_type="death", actor=OFFICER)))
    change = CaseChange(
        case_id="c_3",
        case_type="death",
        status="in_progress",
        effect="remains_repatriated",
        death_claim_ref="BPJS-DC-1",
    )
    state = apply(j, protection.case_changed(j.s, change, T0))
    assert state.status == "ended" and state.outcome == "deceased" and "BPJS-DC-1" in state.end_reason


def test_a_case_is_escalated_only_to_the_supervisor_or_the_rapid_response_team():
    case = Case("fraud")
    with pytest.raises(EvidenceInvalid) as refused:
        case.act("escalate", actor=SUPERVISOR, to="police")
    assert refused.value.extra["fields"] == ["to"]
    assert case.act("escalate", actor=SUPERVISOR, to="rapid_response_team").escalated_to == "rapid_response_team"


def test_working_days_are_the_weekdays_of_the_cases_province():
    wib = timezone(timedelta(hours=7))
    monday_2am_wib = datetime(2026, 3, 2, 2, 0, tzinfo=wib)  # Sunday 19:00 UTC
    # Counted in UTC, Sunday would not count and the day after would be taken as the first one.
    assert add_working_days(monday_2am_wib, 1, wib) == monday_2am_wib + timedelta(days=1)
    assert add_working_days(monday_2am_wib, 5, wib) == monday_2am_wib + timedelta(days=7)
    # Counted in UTC it would end on Saturday 02:00 WIB.
    assert add_working_days(monday_2am_wib.astimezone(UTC), 5) == monday_2am_wib + timedelta(days=5)


def test_a_clarification_requested_early_on_monday_in_java_is_due_15_weekdays_later_in_java():
    case = Case("unpaid_wages")
    case.now = datetime(2026, 3, 1, 19, 30, tzinfo=UTC)  # Monday 02:30 WIB
    case.act("verify")
    case.act("request_clarification")
    assert case.state.waits["clarification"] == case.now + timedelta(days=21)


def test_a_resolved_case_waits_for_nobody_and_is_left_for_the_supervisor_to_close():
    case = Case("fraud")
    case.act("verify")
    case.act("request_clarification")
    case.act("request_documents")
    case.act("resolve", resolution="fee refunded by the P3MI")
    assert case.state.status == "resolved" and case.state.waits == {}
    case.advance(timedelta(days=90))
    assert case.state.status == "resolved" and case.types()[-1] == "CaseActionTaken"
    case.act("close", actor=SUPERVISOR)
    assert case.state.status == "closed"


def test_a_repatriation_is_recorded_once():
    case = Case("death")
    case.act("verify")
    case.act("repatriate", note="remains flown to Semarang")
    with pytest.raises(InvalidTransition):
        case.act("repatriate", note="again")
    assert [a["action"] for a in case.state.actions].count("repatriate") == 1


def test_a_case_is_overdue_while_open_unanswered_and_past_its_first_response_deadline():
    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    case = {"status": "open", "first_response_at": None, "first_response_due_at": "2026-03-01T07:59:59.000000Z"}
    assert first_response_overdue(case, now)
    assert not first_response_overdue({**case, "first_response_due_at": "2026-03-01T08:00:00Z"}, now)
    assert not first_response_overdue({**case, "first_response_at": "2026-03-01T07:00:00Z"}, now)
    assert not first_response_overdue({**case, "status": "closed"}, now)
    assert not first_response_overdue({**case, "first_response_due_at": None}, now)
    # Another offset is the same instant.
    assert first_response_overdue({**case, "first_response_due_at": "2026-03-01T14:59:00+07:00"}, now)
