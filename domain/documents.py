"""Documents that lapse before departure (DOMAIN.md): when each completed one stops being valid.

The medical check lapses `medical_validity_months` after the examination (its `valid_until`); under
rules version 3 the passport and the work visa lapse at their `expires_at`, and the BPJS cover at the
end of its `covered_until` day (midnight UTC after it). Each lapses only before departure: a document
that was valid when the worker left has served its purpose.
"""

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from domain.events import end_of, instant
from domain.rules import rules_of
from domain.state import JourneyState, StepStatus
from domain.steps import COMPLETED, EXPIRED

MEDICAL = "medical_check"
# The documents that lapse under version 3, besides the medical check.
TRAVEL_DOCUMENTS = ("passport", "work_visa", "social_security")


def lapsing_steps(state: JourneyState) -> tuple[str, ...]:
    """The steps whose document lapses under the journey's rules."""
    return (MEDICAL, *TRAVEL_DOCUMENTS) if rules_of(state).documents_lapse else (MEDICAL,)


def lapses_at(status: StepStatus) -> datetime | None:
    """The moment the step's document stops being valid, from its evidence; None if it never does."""
    if status.step == MEDICAL:
        return status.valid_until
    if status.step in ("passport", "work_visa") and "expires_at" in status.evidence:
        return instant(str(status.evidence["expires_at"]))
    if status.step == "social_security" and "covered_until" in status.evidence:
        return end_of(date.fromisoformat(str(status.evidence["covered_until"])))
    return None


def last_valid_day(status: StepStatus) -> date | None:
    """The last day a passport or a BPJS cover is valid, by `lapses_at`: the passport's expiry day, the
    cover's `covered_until`; None for another step or one without the date."""
    if status.step not in ("passport", "social_security"):
        return None
    moment = lapses_at(status)
    if moment is None:
        return None
    return moment.date() if status.step == "passport" else moment.date() - timedelta(days=1)


def lapses(state: JourneyState, states: frozenset[str] = frozenset({COMPLETED})) -> Iterator[tuple[str, datetime]]:
    """(step, moment) of each lapsing document in one of `states`, in step order."""
    for step in lapsing_steps(state):
        status = state.steps.get(step)
        if status is not None and status.state in states:
            moment = lapses_at(status)
            if moment is not None:
                yield step, moment


def next_lapse(state: JourneyState) -> tuple[str, datetime] | None:
    """The completed document that lapses first, while the worker has not departed."""
    if state.departed:
        return None
    return min(lapses(state), key=lambda item: item[1], default=None)


def invalid_at(state: JourneyState, moment: datetime) -> list[str]:
    """The travel documents (not the medical check, which has its own rule) no longer valid at `moment`:
    those that had lapsed by then, whether or not their lapse has been recorded yet."""
    if not rules_of(state).documents_lapse:
        return []
    return [step for step, at in lapses(state, frozenset({COMPLETED, EXPIRED})) if step != MEDICAL and at <= moment]
