"""The standing of a placement (DOMAIN.md, reference data; rules version 3): the licence of the
journey's P3MI and the status of its destination country, both kept by admins and both able to change
while the journey runs.

- A P3MI whose licence is suspended, revoked or past its last valid day blocks `job_selection`,
  `placement_agreement` and `departure` (409 `RULE_VIOLATION` `p3mi_licence_not_active`).
- A closed destination blocks `departure` (`destination_closed`) until it reopens or a supervisor
  waives the rule for the journey.
- Either flags a journey that has not departed (and the flag tells its office); the flag clears when
  the standing is good again. An admin's change reaches the journey as a `StandingChange` signal.

The checks are here (`decide` uses them); the events are `domain.standing_events`.
"""

from datetime import date, datetime

from domain.errors import RuleViolation
from domain.events import end_of
from domain.rules import rules_of
from domain.state import JourneyState

LICENCE_NOT_ACTIVE = "p3mi_licence_not_active"
DESTINATION_CLOSED = "destination_closed"
LICENSED_STEPS = frozenset({"job_selection", "placement_agreement", "departure"})


def licence_lapses_at(valid_until: date | None) -> datetime | None:
    """The moment a licence stops being valid: midnight (UTC) after its last valid day."""
    return end_of(valid_until) if valid_until else None


def licence_problem(p3mi_id: str, status: str | None, valid_until: date | None, now: datetime) -> str | None:
    """Why a P3MI's licence is not active at `now` (suspended, revoked, or past its last valid day), or None.
    The one rule the API checks at a journey's start and the journey checks while it runs."""
    if status not in (None, "active"):
        return f"the licence of {p3mi_id} is {status}"
    lapses = licence_lapses_at(valid_until)
    if lapses is not None and lapses <= now:
        return f"the licence of {p3mi_id} expired after {valid_until}"
    return None


def licence_refusal(state: JourneyState, now: datetime) -> str | None:
    """Why the journey's P3MI may not act for it now, or None (also for journeys without a P3MI)."""
    if not rules_of(state).placement_standing or state.p3mi_id is None:
        return None
    return licence_problem(state.p3mi_id, state.p3mi_licence_status, state.p3mi_licence_valid_until, now)


def destination_blocked(state: JourneyState) -> bool:
    return (
        rules_of(state).placement_standing
        and state.destination_status == "closed"
        and DESTINATION_CLOSED not in state.waived_rules
    )


def check_step(state: JourneyState, step: str, now: datetime) -> None:
    """Refuse completing a step the placement's standing blocks."""
    if step in LICENSED_STEPS:
        refused = licence_refusal(state, now)
        if refused:
            raise RuleViolation(LICENCE_NOT_ACTIVE, refused)
    if step == "departure" and destination_blocked(state):
        raise RuleViolation(DESTINATION_CLOSED, f"{state.destination_country} is closed to placements")
