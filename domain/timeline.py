"""What time alone changes: expiry, overdue reports, contract end, follow-ups, and held evidence
whose step has become available. `settle(state, now)` returns those events; `next_deadline`
tells the workflow when to look again."""

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from domain import events as ev
from domain import standing_events
from domain.contracts import SYSTEM, Actor
from domain.decide import ARRIVAL_OVERDUE, DOCUMENT_EXPIRED, FOLLOW_UP_OVERDUE, Emitted, complete
from domain.documents import next_lapse
from domain.employment import close_after_employment
from domain.errors import DomainError
from domain.events import instant, midnight
from domain.rules import rules_of
from domain.state import JourneyState
from domain.steps import ACTIONABLE, AVAILABLE


def _arrival_due(state: JourneyState) -> datetime | None:
    arrival = state.steps.get("arrival_report")
    if arrival and arrival.state in ACTIONABLE and arrival.due_at and ARRIVAL_OVERDUE not in state.flags:
        return arrival.due_at
    return None


def _contract_end(state: JourneyState) -> datetime | None:
    if state.step_state("employment") == AVAILABLE and state.contract_end:
        return midnight(state.contract_end)
    return None


def _follow_ups(state: JourneyState) -> list[tuple[int, int, datetime]]:
    """(number, months, due) of follow-ups not yet due, counted from the return's `arrived_at`."""
    ret = state.steps.get("return")
    if not ret or not state.is_done("return"):
        return []
    arrived = ret.evidence.get("arrived_at")
    base = instant(arrived) if arrived else ret.completed_at
    if base is None:
        return []
    return [
        (n, months, base + relativedelta(months=months))
        for n, months in enumerate(state.policy.follow_up_months, start=1)
        if n not in state.follow_ups_due
    ]


def next_deadline(state: JourneyState) -> datetime | None:
    """The earliest moment at which `settle` would have something to do."""
    if state.status != "active":
        return None
    lapse = next_lapse(state)
    candidates = [lapse[1] if lapse else None, _arrival_due(state), _contract_end(state)]
    candidates.append(standing_events.next_deadline(state))
    candidates.append(_next_overdue(state))
    candidates += [due for _, _, due in _follow_ups(state)[:1]]
    present = [c for c in candidates if c is not None]
    return min(present) if present else None


def settle(state: JourneyState, now: datetime) -> list[Emitted]:
    """The next batch of events that time or earlier evidence makes due; empty when nothing is."""
    moot = close_after_employment(state)  # an ended journey's too
    if moot:
        return moot
    if state.status != "active":
        return []
    held = _apply_held(state, now)
    if held:
        return held
    lapse = next_lapse(state)
    if lapse and lapse[1] <= now:
        step, at = lapse
        document = step.replace("_", " ")
        out = [Emitted(ev.StepExpired(step=step, reason=f"{document} lapsed at {at:%Y-%m-%d}"), SYSTEM)]
        if DOCUMENT_EXPIRED not in state.flags:
            out.append(
                Emitted(ev.FlagRaised(flag=DOCUMENT_EXPIRED, reason=f"{document} lapsed before departure"), SYSTEM)
            )
        return out
    flagged = standing_events.settle(state, now)
    if flagged:
        return flagged
    due = _arrival_due(state)
    if due and due <= now:
        return [Emitted(ev.FlagRaised(flag=ARRIVAL_OVERDUE, reason=f"arrival report was due {due:%Y-%m-%d}"), SYSTEM)]
    end = _contract_end(state)
    if end and end <= now:
        return [Emitted(ev.EmploymentEnded(reason="contract_end", ended_at=end), SYSTEM)]
    overdue = _next_overdue(state)
    if overdue and overdue <= now:
        late = [f.number for f in state.unrecorded_follow_ups() if f.due_at + _grace(state) <= now]
        reason = f"follow-up {', '.join(map(str, late))} not recorded within {state.policy.follow_up_overdue_days} days"
        return [Emitted(ev.FlagRaised(flag=FOLLOW_UP_OVERDUE, reason=reason), SYSTEM)]
    pending = _follow_ups(state)
    if pending and pending[0][2] <= now:
        n, months, due_at = pending[0]
        return [Emitted(ev.FollowUpDue(number=n, months=months, due_at=due_at), SYSTEM)]
    if _follow_ups_complete(state) and state.is_done("reintegration_program"):
        reason = "reintegration programme done and the last follow-up is past"
        return [Emitted(ev.JourneyEnded(outcome="completed", reason=reason), SYSTEM)]
    return []


def _follow_ups_complete(state: JourneyState) -> bool:
    if not state.is_done("return") or len(state.follow_ups_due) < len(state.policy.follow_up_months):
        return False
    return not rules_of(state).follow_ups_recorded or not state.unrecorded_follow_ups()


def _grace(state: JourneyState) -> timedelta:
    return timedelta(days=state.policy.follow_up_overdue_days)


def _next_overdue(state: JourneyState) -> datetime | None:
    """When the earliest follow-up not recorded becomes overdue (rules 4), unless the journey is flagged."""
    if not rules_of(state).follow_ups_recorded or FOLLOW_UP_OVERDUE in state.flags:
        return None
    return min((f.due_at + _grace(state) for f in state.unrecorded_follow_ups()), default=None)


def _apply_held(state: JourneyState, now: datetime) -> list[Emitted]:
    """Evidence that arrived before its step was available is applied (or refused) once it is."""
    for held in state.held_evidence:
        if state.step_state(held.step) not in ACTIONABLE:
            continue
        actor = Actor(sub=held.source, role="integration")
        try:
            return complete(state, held.step, held.data, actor, now, source_event=f"{held.source}/{held.event_id}")
        except DomainError as exc:
            refused = ev.HeldEvidenceRefused(
                source=held.source, event_id=held.event_id, step=held.step, reason=f"{exc.code}: {exc.message}"
            )
            return [Emitted(refused, actor)]
    return []
