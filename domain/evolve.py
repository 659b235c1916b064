"""`evolve(state, event) -> state`: the one fold used by the workflow, the read model and the auditor."""

from collections.abc import Iterable
from datetime import UTC, date, datetime

from dateutil.relativedelta import relativedelta

from domain import events as ev
from domain.contracts import NewEvent
from domain.documents import lapses_at, lapsing_steps
from domain.rules import rules_of
from domain.state import CaseRef, FollowUp, HeldEvidence, JourneyState, StepStatus, Task
from domain.state_copy import deep_copy
from domain.steps import AVAILABLE, COMPLETED, EXPIRED, LOCKED, REJECTED, WAIVED, requirements, steps_for


def contract_end(start: date, months: int) -> date:
    return start + relativedelta(months=months)


def evolve(state: JourneyState | None, recorded: NewEvent) -> JourneyState:
    """Apply one recorded event. Pure: returns a new state, the input is left untouched."""
    return _apply(state, recorded, in_place=False)


def evolve_in_place(state: JourneyState | None, recorded: NewEvent) -> JourneyState:
    """`evolve` without its copy of the state, which was most of its cost: `state` itself is changed and
    returned (a JourneyStarted returns a new one). For a fold nobody watches between events, as `fold`;
    keep a state past the next event with `domain.state_copy.deep_copy`. An event that cannot be
    applied may leave `state` half changed."""
    return _apply(state, recorded, in_place=True)


def fold(recorded: Iterable[NewEvent]) -> JourneyState | None:
    """The state after these events (None for none): the same states as `evolve` over each, changing
    one state in place instead of copying it per event."""
    state: JourneyState | None = None
    for r in recorded:
        state = evolve_in_place(state, r)
    return state


def _apply(state: JourneyState | None, recorded: NewEvent, *, in_place: bool) -> JourneyState:
    """One event applied to `state` itself (`in_place`) or to a copy of it (`evolve`)."""
    event = ev.upcast(recorded.type, recorded.version, recorded.data)
    if isinstance(event, ev.JourneyStarted):
        new = _started(event, recorded)
    else:
        if state is None:
            raise ValueError(f"{recorded.type} before JourneyStarted")
        new = state if in_place else deep_copy(state)
        _APPLY[type(event)](new, event, recorded)
    new.version = recorded.seq
    new.updated_at = recorded.occurred_at
    if isinstance(event, ev.StepReopened) and rules_of(new).reopen_relocks_dependents:
        _relock_dependents(new, event.step)
    if isinstance(event, ev.StepReopened) and event.step == "job_selection" and rules_of(new).job_order_kept:
        new.job_order_id = None  # its unit is given back: the job order may be chosen again
    _unlock(new)
    return new


def _started(e: ev.JourneyStarted, r: NewEvent) -> JourneyState:
    state = JourneyState(
        journey_id=e.journey_id,
        scheme=e.scheme,
        worker=e.worker,
        p3mi_id=e.p3mi_id,
        job_order_id=e.job_order_id,
        destination_country=e.destination_country,
        occupation=e.occupation,
        sector=e.sector,
        policy=e.policy,
        rules=e.rules,
        p3mi_licence_status="active" if e.p3mi_id else None,
        p3mi_licence_valid_until=e.p3mi_licence_valid_until,
        started_at=r.occurred_at,
        updated_at=r.occurred_at,
    )
    for d in steps_for(e.scheme):
        state.steps[d.step] = StepStatus(step=d.step, state=LOCKED)
    return state


def _relock_dependents(state: JourneyState, reopened: str) -> None:
    """Reopening a step takes back what it made available: the steps that require it and are not
    done yet are locked again, and in turn the steps that require those (a reopened document
    verification must be done again before orientation and departure). Steps already done stay
    done; `decide` refuses a reopen they rely on. An expired document does not relock anything:
    document verification refuses it instead (DOMAIN.md)."""
    pending = [reopened]
    while pending:
        step = pending.pop()
        for status in state.steps.values():
            if status.state in (AVAILABLE, REJECTED) and step in requirements(status.step, state.scheme):
                status.state = LOCKED
                pending.append(status.step)


def _unlock(state: JourneyState) -> None:
    """A locked step becomes available once everything it requires is completed or waived."""
    if state.status != "active":
        return
    for status in state.steps.values():
        if status.state == LOCKED and all(state.is_done(r) for r in requirements(status.step, state.scheme)):
            status.state = AVAILABLE


def _step_completed(s: JourneyState, e: ev.StepCompleted, r: NewEvent) -> None:
    st = s.steps[e.step]
    st.state, st.evidence, st.reason = COMPLETED, dict(e.evidence), None
    st.completed_at, st.completed_by, st.valid_until = r.occurred_at, r.actor.sub, e.valid_until
    if e.step == "employment_contract":
        s.contract_start = date.fromisoformat(e.evidence["start_date"])
        s.contract_end = contract_end(
            s.contract_start, int(e.evidence.get("duration_months") or s.policy.contract_default_months)
        )
        s.employer_name = e.evidence.get("employer_name")
    if e.step == "job_selection" and "job_order_id" in e.evidence:
        s.job_order_id = e.evidence["job_order_id"]
    if e.step == "departure" and rules_of(s).departure_after_lapse_accepted:
        # A document that lapsed after the worker had left served its purpose: it is completed, not
        # expired (and no longer offered as a step to redo).
        departed_at = datetime.fromisoformat(str(e.evidence["departed_at"]))
        if departed_at.tzinfo is None:
            departed_at = departed_at.replace(tzinfo=UTC)
        for step in lapsing_steps(s):
            document = s.steps.get(step)
            if document and document.state == EXPIRED:
                lapsed = lapses_at(document)
                if lapsed and departed_at <= lapsed:
                    document.state, document.reason = COMPLETED, None
    if e.source_event:
        s.held_evidence = [h for h in s.held_evidence if f"{h.source}/{h.event_id}" != e.source_event]


def _step_set(state_name: str):
    def apply(s: JourneyState, e, r: NewEvent) -> None:
        st = s.steps[e.step]
        st.state, st.reason = state_name, e.reason
        if state_name in (AVAILABLE, REJECTED):
            st.evidence, st.completed_at, st.completed_by, st.valid_until = {}, None, None, None
        if state_name == WAIVED:
            st.completed_at, st.completed_by = r.occurred_at, r.actor.sub

    return apply


def _flag_raised(s: JourneyState, e: ev.FlagRaised, r: NewEvent) -> None:
    if e.flag not in s.flags:
        s.flags = sorted([*s.flags, e.flag])


def _flag_cleared(s: JourneyState, e: ev.FlagCleared, r: NewEvent) -> None:
    s.flags = [f for f in s.flags if f != e.flag]


def _employment_started(s: JourneyState, e: ev.EmploymentStarted, r: NewEvent) -> None:
    s.contract_end = e.contract_end
    if "arrival_report" in s.steps:
        s.steps["arrival_report"].due_at = e.arrival_report_due_at
    s.steps["employment"].due_at = None


def _contract_extended(s: JourneyState, e: ev.ContractExtended, r: NewEvent) -> None:
    s.contract_end = e.new_end_date


def _employer_changed(s: JourneyState, e: ev.EmployerChanged, r: NewEvent) -> None:
    s.employer_name = e.employer_name
    if e.contract_ref is not None:  # rules 5: the employment step shows whom the worker works for now
        st = s.steps["employment"]
        st.evidence = {**st.evidence, "employer_name": e.employer_name, "contract_ref": e.contract_ref}


def _document_renewed(s: JourneyState, e: ev.DocumentRenewed, r: NewEvent) -> None:
    st = s.steps[e.step]
    st.evidence = {**st.evidence, **e.evidence}


def _task_opened(s: JourneyState, e: ev.TaskOpened, r: NewEvent) -> None:
    s.tasks = [*s.tasks, Task(task=e.task, reason=e.reason, opened_at=r.occurred_at)]


def _task_closed(s: JourneyState, e: ev.TaskClosed, r: NewEvent) -> None:
    for t in s.tasks:
        if t.task == e.task and t.closed_at is None:
            t.closed_at, t.resolution = r.occurred_at, e.resolution


def _employment_ended(s: JourneyState, e: ev.EmploymentEnded, r: NewEvent) -> None:
    st = s.steps["employment"]
    st.state, st.completed_at, st.reason, st.completed_by = COMPLETED, e.ended_at, e.reason, r.actor.sub
    st.evidence = {**st.evidence, "ended_reason": e.reason}


def _follow_up_due(s: JourneyState, e: ev.FollowUpDue, r: NewEvent) -> None:
    if e.number not in s.follow_ups_due:
        s.follow_ups_due = sorted([*s.follow_ups_due, e.number])
        s.follow_ups = [*s.follow_ups, FollowUp(number=e.number, due_at=e.due_at)]


def _follow_up_recorded(s: JourneyState, e: ev.FollowUpRecorded, r: NewEvent) -> None:
    outcome = e.model_dump(exclude={"number"}, exclude_none=True)
    for f in s.follow_ups:
        if f.number == e.number:
            f.recorded_at, f.recorded_by, f.outcome = r.occurred_at, r.actor.sub, outcome


def _journey_ended(s: JourneyState, e: ev.JourneyEnded, r: NewEvent) -> None:
    s.status, s.outcome, s.end_reason, s.ended_at = "ended", e.outcome, e.reason, r.occurred_at


def _journey_resumed(s: JourneyState, e: ev.JourneyResumed, r: NewEvent) -> None:
    s.status, s.outcome, s.end_reason, s.ended_at = "active", None, None, None


def _integration_received(s: JourneyState, e: ev.IntegrationEventReceived, r: NewEvent) -> None:
    key = f"{e.source}/{e.event_id}"
    if key not in s.seen_integration_events:
        s.seen_integration_events.append(key)
    if e.disposition == "held" and e.step and e.data is not None:
        s.held_evidence.append(
            HeldEvidence(
                source=e.source, event_id=e.event_id, type=e.type, step=e.step, data=e.data, occurred_at=e.occurred_at
            )
        )


def _held_refused(s: JourneyState, e: ev.HeldEvidenceRefused, r: NewEvent) -> None:
    s.held_evidence = [h for h in s.held_evidence if not (h.source == e.source and h.event_id == e.event_id)]


def _external_request(s: JourneyState, e: ev.ExternalRequestRecorded, r: NewEvent) -> None:
    s.external_requests[f"{e.system}:{e.step}"] = e.reference
    if e.system == "siskop2mi" and e.step == "pre_departure_orientation":
        s.steps[e.step].evidence = {**s.steps[e.step].evidence, "epmi_id": e.reference}


def _case_opened(s: JourneyState, e: ev.ProtectionCaseOpened, r: NewEvent) -> None:
    s.open_cases.append(CaseRef(case_id=e.case_id, case_type=e.case_type))


def _case_updated(s: JourneyState, e: ev.ProtectionCaseUpdated, r: NewEvent) -> None:
    if e.status == "closed":
        s.open_cases = [c for c in s.open_cases if c.case_id != e.case_id]
    for c in s.open_cases:
        if c.case_id == e.case_id:
            c.status = e.status


def _licence_changed(s: JourneyState, e: ev.P3miLicenceChanged, r: NewEvent) -> None:
    s.p3mi_licence_status, s.p3mi_licence_valid_until = e.status, e.valid_until


def _destination_changed(s: JourneyState, e: ev.DestinationStatusChanged, r: NewEvent) -> None:
    s.destination_status = e.status
    if e.status == "open":  # a waiver answers one closure; the next needs its own
        s.waived_rules = [w for w in s.waived_rules if w != "destination_closed"]


def _rule_waived(s: JourneyState, e: ev.RuleWaived, r: NewEvent) -> None:
    if e.rule not in s.waived_rules:
        s.waived_rules = sorted([*s.waived_rules, e.rule])


def _nothing(s: JourneyState, e, r: NewEvent) -> None:
    """Events that are a record only (welfare checks, remittances) and change no state."""


_APPLY = {
    ev.StepCompleted: _step_completed,
    ev.StepRejected: _step_set(REJECTED),
    ev.StepWaived: _step_set(WAIVED),
    ev.StepReopened: _step_set(AVAILABLE),
    ev.StepExpired: _step_set(EXPIRED),
    ev.FlagRaised: _flag_raised,
    ev.FlagCleared: _flag_cleared,
    ev.EmploymentStarted: _employment_started,
    ev.ContractExtended: _contract_extended,
    ev.EmployerChanged: _employer_changed,
    ev.DocumentRenewed: _document_renewed,
    ev.TaskOpened: _task_opened,
    ev.TaskClosed: _task_closed,
    ev.WelfareChecked: _nothing,
    ev.RemittanceReported: _nothing,
    ev.EmploymentEnded: _employment_ended,
    ev.FollowUpDue: _follow_up_due,
    ev.FollowUpRecorded: _follow_up_recorded,
    ev.JourneyEnded: _journey_ended,
    ev.JourneyResumed: _journey_resumed,
    ev.IntegrationEventReceived: _integration_received,
    ev.HeldEvidenceRefused: _held_refused,
    ev.ExternalRequestRecorded: _external_request,
    ev.ProtectionCaseOpened: _case_opened,
    ev.ProtectionCaseUpdated: _case_updated,
    ev.P3miLicenceChanged: _licence_changed,
    ev.DestinationStatusChanged: _destination_changed,
    ev.RuleWaived: _rule_waived,
}
