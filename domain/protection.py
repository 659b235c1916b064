"""The journey's side of protection cases: opening one, and what a case's outcome does to the
journey (DOMAIN.md, Protection): repatriation moves it to return, a death case ends it as
`deceased` once remains are repatriated, trafficking and violence flag `protection_emergency`."""

from datetime import datetime

from domain import events as ev
from domain.case_events import EMERGENCY_TYPES
from domain.contracts import SYSTEM, Actor, CaseChange, OpenCase
from domain.decide import Emitted, check_active, check_version
from domain.errors import Forbidden, InvalidTransition
from domain.state import JourneyState

EMERGENCY = "protection_emergency"
OPENING_ROLES = frozenset({"officer", "supervisor", "admin", "integration"})


def open_case(state: JourneyState, cmd: OpenCase) -> list[Emitted]:
    check_version(state, cmd.expected_version)
    check_active(state)
    if cmd.actor.role not in OPENING_ROLES:
        raise Forbidden(f"a {cmd.actor.role} may not open cases")
    if any(c.case_id == cmd.case_id for c in state.open_cases):
        raise InvalidTransition(f"case {cmd.case_id} is already open", state="reported")
    return case_opened(state, cmd.case_id, cmd.case_type, cmd.reported_via, cmd.description, cmd.actor)


def case_opened(
    state: JourneyState, case_id: str, case_type: str, reported_via: str, description: str, actor: Actor
) -> list[Emitted]:
    out = [
        Emitted(
            ev.ProtectionCaseOpened(
                case_id=case_id, case_type=case_type, reported_via=reported_via, description=description
            ),
            actor,
        )
    ]
    if case_type in EMERGENCY_TYPES and EMERGENCY not in state.flags:
        reason = f"{case_type} case {case_id} is open"
        out.append(Emitted(ev.FlagRaised(flag=EMERGENCY, reason=reason), SYSTEM))
    return out


def case_changed(state: JourneyState, change: CaseChange, now: datetime) -> list[Emitted]:
    """A case's news: its status, and repatriation or a death that changes the journey."""
    if state.status != "active":
        return []
    ref = next((c for c in state.open_cases if c.case_id == change.case_id), None)
    out: list[Emitted] = []
    if ref is not None and ref.status != change.status:
        out.append(Emitted(ev.ProtectionCaseUpdated(case_id=change.case_id, status=change.status), SYSTEM))
        still_open = [c for c in state.open_cases if c.case_id != change.case_id or change.status != "closed"]
        if EMERGENCY in state.flags and not any(c.case_type in EMERGENCY_TYPES for c in still_open):
            out.append(Emitted(ev.FlagCleared(flag=EMERGENCY), SYSTEM))
    employed = state.step_state("employment") == "available"
    if change.effect == "repatriated" and employed:
        reason = f"repatriation (case {change.case_id})"
        out.append(Emitted(ev.EmploymentEnded(reason=reason, ended_at=now), SYSTEM))
    if change.effect == "remains_repatriated":
        if employed:
            out.append(Emitted(ev.EmploymentEnded(reason=f"death (case {change.case_id})", ended_at=now), SYSTEM))
        claim = f"; BPJS death claim {change.death_claim_ref}" if change.death_claim_ref else ""
        reason = f"remains repatriated (case {change.case_id}){claim}"
        out.append(Emitted(ev.JourneyEnded(outcome="deceased", reason=reason), SYSTEM))
    return out
