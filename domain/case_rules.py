"""Protection case rules: who may do what, the state machine of DOMAIN.md, deadlines and
automatic closure. Pure, like the journey's decide: `now` and ids are passed in."""

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.case_events import (
    OPEN_STATES,
    RAPID_RESPONSE_TYPES,
    SEVERITY,
    CaseActionTaken,
    CaseClosed,
    CaseEscalated,
    CaseOpened,
    CaseState,
    DeathClaimRecorded,
    FirstResponseMissed,
)
from domain.contracts import SUPERVISOR_ROLES, SYSTEM, CaseCommand, CaseProjection, CaseType, StartCase
from domain.decide import Emitted
from domain.errors import EvidenceInvalid, Forbidden, InvalidTransition, VersionConflict
from domain.events import instant, utc_text
from domain.regions import province_timezone
from domain.rules import CASE_CURRENT, rules_of
from domain.view import Instant, Omitted, View

SUPERVISOR_ACTIONS = frozenset({"escalate", "close"})
ACTING_ROLES = frozenset({"officer", "supervisor", "admin", "integration", "system"})
# action -> (states it may be taken from, state it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "verify": (("reported",), "verified"),
    "request_clarification": (("verified", "in_progress"), "in_progress"),
    "mediate": (("verified", "in_progress"), "in_progress"),
    "refer": (("verified", "in_progress"), "in_progress"),
    "advocate": (("verified", "in_progress"), "in_progress"),
    "shelter": (("verified", "in_progress"), "in_progress"),
    "repatriate": (("verified", "in_progress"), "in_progress"),
    "resolve": (("verified", "in_progress"), "resolved"),
    "escalate": (OPEN_STATES, None),
    "close": (OPEN_STATES, "closed"),
    "clarification_received": (("in_progress",), None),
    "request_documents": (("reported", "verified", "in_progress"), None),
    "documents_received": (OPEN_STATES, None),
    "mark_unreachable": (OPEN_STATES, None),
    "complainant_reached": (OPEN_STATES, None),
}
REQUIRED = {"refer": "to", "advocate": "track", "resolve": "resolution"}
REFER_TO = frozenset({"police", "foreign_ministry", "social_ministry"})


def first_response_overdue(case: dict[str, Any], now: datetime) -> bool:
    """The supervisor's queue (DOMAIN.md): a case is overdue when it is not closed, has had no first
    response, and its first-response deadline has passed. `case` is a case document (CaseProjection's
    members; the times ISO 8601 text). `store.cases` asks the same of its columns in SQL."""
    due = case.get("first_response_due_at")
    return (
        case.get("status") != "closed"
        and case.get("first_response_at") is None
        and due is not None
        and instant(due) < now
    )


def add_working_days(
    start: datetime, days: int, tz: tzinfo = UTC, holidays: Collection[date] = frozenset()
) -> datetime:
    """`days` working days (Monday to Friday, national public holidays excepted) after `start`. The
    day is the one in `tz` (the case's province: Monday 02:00 WIB is a Monday, not a Sunday)."""
    moment, left = start, days
    while left > 0:
        moment += timedelta(days=1)
        local = moment.astimezone(tz)
        if local.weekday() < 5 and local.date() not in holidays:
            left -= 1
    return moment


def escalation_target(case_type: str) -> str:
    return "rapid_response_team" if case_type in RAPID_RESPONSE_TYPES else "supervisor"


def open_case(cmd: StartCase, now: datetime, rules: int = CASE_CURRENT) -> list[Emitted]:
    hours = cmd.policy.case_first_response_hours[cmd.case_type]
    opened = CaseOpened(
        case_id=cmd.case_id,
        journey_id=cmd.journey_id,
        case_type=cmd.case_type,
        severity=SEVERITY[cmd.case_type],
        description=cmd.description,
        reported_via=cmd.reported_via,
        province_code=cmd.province_code,
        first_response_due_at=now + timedelta(hours=hours),
        policy=cmd.policy,
        rules=rules,
        p3mi_id=cmd.p3mi_id,
    )
    out = [Emitted(opened, cmd.actor)]
    if cmd.case_type == "trafficking":
        reason = "trafficking goes to the rapid response team at once"
        out.append(Emitted(CaseEscalated(to="rapid_response_team", reason=reason), SYSTEM))
    return out


def case_action(state: CaseState, cmd: CaseCommand, now: datetime) -> list[Emitted]:
    """An officer's or supervisor's action on a case."""
    if cmd.expected_version is not None and cmd.expected_version != state.version:
        raise VersionConflict(f"case is at version {state.version}", current_version=state.version)
    if cmd.actor.role not in ACTING_ROLES:
        raise Forbidden(f"a {cmd.actor.role} may not act on cases")
    if cmd.action in SUPERVISOR_ACTIONS and cmd.actor.role not in SUPERVISOR_ROLES:
        raise Forbidden(f"only a supervisor may {cmd.action} a case")
    allowed, target = TRANSITIONS[cmd.action]
    if state.status not in allowed:
        raise InvalidTransition(f"cannot {cmd.action} a case that is {state.status}", state=state.status)
    needed = REQUIRED.get(cmd.action)
    if needed and not getattr(cmd, needed):
        raise EvidenceInvalid(f"{cmd.action} needs {needed}", fields=[needed])
    if cmd.action == "refer" and cmd.to not in REFER_TO:
        raise EvidenceInvalid("refer goes to police, foreign_ministry or social_ministry", fields=["to"])
    waits = {
        "clarification_received": "clarification",
        "documents_received": "documents",
        "complainant_reached": "unreachable",
    }
    if cmd.action in waits and waits[cmd.action] not in state.waits:
        raise InvalidTransition(f"nothing is waiting for {cmd.action}", state=state.status)
    if cmd.action == "repatriate" and state.repatriated and rules_of(state).repatriated_once:
        # Once: for a death case it files the BPJS death claim and ends the journey.
        raise InvalidTransition("the case's repatriation is already recorded", state=state.status)
    if cmd.action == "escalate" and cmd.to not in (None, "supervisor", "rapid_response_team"):
        raise EvidenceInvalid("a case is escalated to the supervisor or the rapid response team", fields=["to"])
    if cmd.action == "escalate":
        return [
            Emitted(CaseEscalated(to=cmd.to or escalation_target(state.case_type), reason=cmd.note or ""), cmd.actor)
        ]
    if cmd.action == "close":
        return [Emitted(CaseClosed(reason=cmd.note or "closed by a supervisor"), cmd.actor)]
    p = state.policy
    zone = province_timezone(state.province_code) if rules_of(state).working_days_in_province else UTC
    due = {
        "request_clarification": add_working_days(
            now, p.case_clarification_working_days, zone, frozenset(cmd.holidays)
        ),
        "request_documents": now + timedelta(days=p.case_documents_incomplete_days),
        "mark_unreachable": now + timedelta(days=p.case_unreachable_days),
    }.get(cmd.action)
    taken = CaseActionTaken(
        action=cmd.action,
        status=target or state.status,
        note=cmd.note,
        to=cmd.to,
        track=cmd.track,
        resolution=cmd.resolution,
        due_at=due,
    )
    return [Emitted(taken, cmd.actor)]


def death_claim(claim_ref: str) -> list[Emitted]:
    return [Emitted(DeathClaimRecorded(claim_ref=claim_ref), SYSTEM)]


def next_case_deadline(state: CaseState) -> datetime | None:
    if not state.is_open:
        return None
    times = list(state.waits.values())
    if state.first_response_at is None and not state.deadline_missed:
        times.append(state.first_response_due_at)
    return min(times) if times else None


def settle_case(state: CaseState, now: datetime) -> list[Emitted]:
    """Deadlines that have passed: a missed first response escalates; waits close or go to mediation."""
    if not state.is_open:
        return []
    if state.first_response_at is None and not state.deadline_missed and state.first_response_due_at <= now:
        out = [Emitted(FirstResponseMissed(due_at=state.first_response_due_at), SYSTEM)]
        target = escalation_target(state.case_type)
        if state.escalated_to != target:
            reason = f"first response was due {state.first_response_due_at:%Y-%m-%d %H:%M} UTC and was missed"
            out.append(Emitted(CaseEscalated(to=target, reason=reason), SYSTEM))
        return out
    if state.status == "resolved" and rules_of(state).resolved_case_waits_for_nobody:
        return []  # resolving ends every wait; only a supervisor's close is left
    for name, due in sorted(state.waits.items(), key=lambda item: item[1]):
        if due > now:
            continue
        if name == "clarification":
            note = f"no clarification from the P3MI within {state.policy.case_clarification_working_days} working days"
            return [Emitted(CaseActionTaken(action="mediate", status="in_progress", note=note, automatic=True), SYSTEM)]
        reason = "documents_incomplete" if name == "documents" else "complainant_unreachable"
        return [Emitted(CaseClosed(reason=reason, automatic=True), SYSTEM)]
    return []


class CaseView(View):
    """The case (API.md, Case shape), plus what an officer needs to act on it: the case workflow's
    updates and `state` query return it, and the case routes declare it. `overdue` is the list's
    (`store.cases`), and `personal_data` marks a stored copy read back."""

    case_id: str
    journey_id: str
    case_type: CaseType
    status: Literal["reported", "verified", "in_progress", "resolved", "closed"]
    severity: str
    version: int
    first_response_due_at: str | None = Instant
    first_response_at: str | None = Instant
    first_response_missed: bool = False
    escalated: bool = False
    escalated_to: str | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list)
    opened_at: str | None = Instant
    closed_at: str | None = Instant
    close_reason: str | None = None
    resolution: str | None = None
    description: str = ""
    reported_via: str | None = None
    province_code: str | None = None
    p3mi_id: str | None = None
    # Open waits of the automatic rules: name -> when it ends.
    waiting_for: dict[str, str | None] = Field(default_factory=dict)
    death_claim_ref: str | None = None
    overdue: bool | None = Omitted
    personal_data: Literal["masked", "erased"] | None = Omitted


class CaseStarting(BaseModel):
    """What the case's `state` query answers before its first task has made the state."""

    case_id: str
    status: Literal["starting"] = "starting"


def case_view(state: CaseState) -> CaseView:
    """The case shape of API.md, plus the fields an officer needs to act on it."""
    return CaseView(
        case_id=state.case_id,
        journey_id=state.journey_id,
        case_type=state.case_type,  # type: ignore[arg-type]
        status=state.status,  # type: ignore[arg-type]
        severity=state.severity,
        version=state.version,
        first_response_due_at=utc_text(state.first_response_due_at),
        first_response_at=utc_text(state.first_response_at),
        first_response_missed=state.deadline_missed,
        escalated=state.escalated,
        escalated_to=state.escalated_to,
        actions=list(state.actions),
        opened_at=utc_text(state.opened_at),
        closed_at=utc_text(state.closed_at),
        close_reason=state.close_reason,
        resolution=state.resolution,
        description=state.description,
        reported_via=state.reported_via,
        province_code=state.province_code,
        p3mi_id=state.p3mi_id,
        waiting_for={k: utc_text(v) for k, v in state.waits.items()},
        death_claim_ref=state.death_claim_ref,
    )


def case_projection(state: CaseState) -> CaseProjection:
    return CaseProjection(
        case_id=state.case_id,
        journey_id=state.journey_id,
        case_type=state.case_type,
        status=state.status,
        severity=state.severity,
        province_code=state.province_code,
        first_response_due_at=state.first_response_due_at,
        first_response_at=state.first_response_at,
        escalated=state.escalated,
        escalated_to=state.escalated_to,
        version=state.version,
        opened_at=state.opened_at,
        updated_at=state.updated_at,
        closed_at=state.closed_at,
        document=case_view(state).document(),
    )
