"""The events of a placement's standing (`domain.standing`): an admin's change recorded by the
journey, a supervisor's waiver, and the flags time and those changes call for."""

from datetime import datetime

from domain import events as ev
from domain.contracts import SUPERVISOR_ROLES, SYSTEM, StandingChange, WaiveRule
from domain.decide import Emitted, check_active, check_version
from domain.errors import EvidenceInvalid, Forbidden, InvalidTransition
from domain.rules import rules_of
from domain.standing import (
    DESTINATION_CLOSED,
    LICENCE_NOT_ACTIVE,
    destination_blocked,
    licence_lapses_at,
    licence_refusal,
)
from domain.state import JourneyState


def standing_changed(state: JourneyState, change: StandingChange) -> list[Emitted]:
    """An admin's change, as the journey records it: only if it is about this journey's P3MI or
    destination, the worker has not departed, and it changes what the journey knows."""
    if state.status != "active" or state.departed or not rules_of(state).placement_standing:
        return []
    if change.kind == "p3mi_licence" and change.key == state.p3mi_id:
        known = (state.p3mi_licence_status, state.p3mi_licence_valid_until)
        if known != (change.status, change.valid_until) and change.status in ("active", "suspended", "revoked"):
            return [Emitted(ev.P3miLicenceChanged(status=change.status, valid_until=change.valid_until), SYSTEM)]
    if change.kind == "destination" and change.key == state.destination_country:
        if change.status != state.destination_status and change.status in ("open", "closed"):
            return [Emitted(ev.DestinationStatusChanged(status=change.status), SYSTEM)]
    return []


def waive(state: JourneyState, cmd: WaiveRule) -> list[Emitted]:
    """A supervisor lets the journey depart to a closed destination (e.g. a worker whose visa and
    flight are booked, with the ministry's consent)."""
    check_version(state, cmd.expected_version)
    check_active(state)
    if cmd.actor.role not in SUPERVISOR_ROLES:
        raise Forbidden("only a supervisor may waive a rule")
    reason = cmd.reason.strip()
    if not reason:
        raise EvidenceInvalid("a reason is required", fields=["reason"])
    if state.departed:
        raise InvalidTransition("the worker has departed", state="departed")
    if not destination_blocked(state):
        raise InvalidTransition(f"{state.destination_country} is not closed for this journey", state="not_blocked")
    return [Emitted(ev.RuleWaived(rule=cmd.rule, reason=reason), cmd.actor)]


def settle(state: JourneyState, now: datetime) -> list[Emitted]:
    """The flags the standing calls for, raised or cleared (the journey is active and has not departed)."""
    if not rules_of(state).placement_standing or state.departed:
        return []
    refused = licence_refusal(state, now)
    if refused and LICENCE_NOT_ACTIVE not in state.flags:
        return [Emitted(ev.FlagRaised(flag=LICENCE_NOT_ACTIVE, reason=refused), SYSTEM)]
    if not refused and LICENCE_NOT_ACTIVE in state.flags:
        return [Emitted(ev.FlagCleared(flag=LICENCE_NOT_ACTIVE), SYSTEM)]
    blocked = destination_blocked(state)
    if blocked and DESTINATION_CLOSED not in state.flags:
        reason = f"{state.destination_country} was closed to placements"
        return [Emitted(ev.FlagRaised(flag=DESTINATION_CLOSED, reason=reason), SYSTEM)]
    if not blocked and DESTINATION_CLOSED in state.flags:
        return [Emitted(ev.FlagCleared(flag=DESTINATION_CLOSED), SYSTEM)]
    return []


def next_deadline(state: JourneyState) -> datetime | None:
    """When the licence lapses, while it matters (before departure, not yet flagged)."""
    if not rules_of(state).placement_standing or state.departed or LICENCE_NOT_ACTIVE in state.flags:
        return None
    return licence_lapses_at(state.p3mi_licence_valid_until)
