"""`decide(state, command) -> events`: every rule of DOMAIN.md's step tables.

Returns `Emitted` (event + actor); raises a `DomainError` for a refusal. The caller passes
`now` (the workflow's clock) and never anything read from the world.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from domain import events as ev
from domain.contracts import (
    SUPERVISOR_ROLES,
    SYSTEM,
    Actor,
    EndJourney,
    NewEvent,
    RecordFollowUp,
    StartJourney,
    StepCommand,
)
from domain.documents import TRAVEL_DOCUMENTS, invalid_at, lapsing_steps, last_valid_day
from domain.errors import (
    EvidenceInvalid,
    Forbidden,
    InvalidTransition,
    NotFound,
    RuleViolation,
    VersionConflict,
)
from domain.events import instant
from domain.evidence import evidence_json, parse_evidence
from domain.evolve import contract_end
from domain.regions import local_date
from domain.rules import CURRENT, rules_of
from domain.standing import check_step
from domain.state import JourneyState
from domain.steps import (
    ACTIONABLE,
    DONE,
    EXPIRED,
    PRE_DEPARTURE_DOCUMENTS,
    STEP_BY_ID,
    requirements,
)

SUPERVISORS = frozenset(SUPERVISOR_ROLES)
DOCUMENT_EXPIRED = "document_expired"
ARRIVAL_OVERDUE = "arrival_report_overdue"
FOLLOW_UP_OVERDUE = "follow_up_overdue"


@dataclass(frozen=True)
class Emitted:
    event: ev.DomainEvent
    actor: Actor

    def recorded(self, seq: int, occurred_at: datetime) -> NewEvent:
        """The event as the stream records it: the one shape every fold and the store take."""
        return NewEvent(
            seq=seq,
            type=self.event.type_name(),
            version=self.event.VERSION,
            occurred_at=occurred_at,
            actor=self.actor,
            data=ev.event_data(self.event),
        )


def start(cmd: StartJourney, rules: int = CURRENT) -> list[Emitted]:
    started = ev.JourneyStarted(
        rules=rules,
        journey_id=cmd.journey_id,
        scheme=cmd.scheme,
        worker=cmd.worker,
        p3mi_id=cmd.p3mi_id,
        job_order_id=cmd.job_order_id,
        destination_country=cmd.destination_country,
        occupation=cmd.occupation,
        sector=cmd.sector,
        policy=cmd.policy,
        p3mi_licence_valid_until=cmd.p3mi_licence_valid_until if rules_of(rules).placement_standing else None,
    )
    return [Emitted(started, cmd.actor)]


def opening(cmd: StartJourney, rules: int, fold: Callable[[list[Emitted]], JourneyState]) -> str | None:
    """A journey's first commits: its start, then its registration refused at once when the worker is
    under age. `fold` commits what it is given and returns the state after. The workflow opens the
    journey so, and the API answers a start with the same fold (`api.services.journeys`). The refusal,
    or None: the registration goes to the registries."""
    state = fold(start(cmd, rules))
    refused = registration_refusal(state)
    if refused:
        fold(registration_result(state, None, refused))
    return refused


def registration_refusal(state: JourneyState) -> str | None:
    """The registration rule checked before the registry is asked: 18+ on the start date, the date
    in the worker's province (a journey started at 06:00 WIB is started on that day, not the UTC one)."""
    start_date = (
        local_date(state.started_at, state.worker.province_code)
        if rules_of(state).age_on_local_start_date
        else state.started_at.date()
    )
    age = relativedelta(start_date, state.worker.birth_date).years
    if age < state.policy.minimum_age_years:
        return f"worker is under {state.policy.minimum_age_years} on the start date"
    return None


def registration_result(state: JourneyState, registration_no: str | None, refusal: str | None) -> list[Emitted]:
    """The outcome of the Dukcapil check and SIAPkerja/SISKOP2MI registration."""
    if state.step_state("registration") not in ACTIONABLE:
        return []
    if refusal is not None:
        return [Emitted(ev.StepRejected(step="registration", reason=refusal), SYSTEM)]
    evidence = {"registration_no": registration_no, "nik_verified": True}
    return [Emitted(ev.StepCompleted(step="registration", evidence=evidence), SYSTEM)]


def check_version(state: JourneyState, expected: int | None) -> None:
    if expected is not None and expected != state.version:
        raise VersionConflict(f"journey is at version {state.version}, not {expected}", current_version=state.version)


def check_active(state: JourneyState, step: str | None = None) -> None:
    if state.status != "active":
        detail = {"state": state.step_state(step)} if step else {"state": "ended"}
        raise InvalidTransition(f"journey has ended ({state.outcome})", **detail)


def _known_step(state: JourneyState, step: str) -> None:
    if step not in STEP_BY_ID:
        raise NotFound(f"unknown step {step!r}")
    if step not in state.steps:
        # A known step that this scheme does not have can never be available: INVALID_TRANSITION.
        raise InvalidTransition(f"{step} is not a step of the {state.scheme} scheme", state="not_in_scheme")


def step_action(state: JourneyState, cmd: StepCommand, now: datetime) -> list[Emitted]:
    """An officer's or supervisor's action on a step."""
    _known_step(state, cmd.step)
    check_version(state, cmd.expected_version)
    if cmd.action in ("waive", "reopen") and cmd.actor.role not in SUPERVISORS:
        raise Forbidden(f"only a supervisor may {cmd.action} a step")
    if cmd.action == "reopen":
        return _reopen(state, cmd)
    check_active(state, cmd.step)
    current = state.step_state(cmd.step)
    if STEP_BY_ID[cmd.step].system_only and cmd.actor.role not in ("system",):
        raise InvalidTransition(f"{cmd.step} is recorded by the engine, not by an officer", state=current)
    if current not in ACTIONABLE:
        raise InvalidTransition(f"{cmd.step} is {current}", state=current)
    if cmd.action == "complete":
        _same_job_order(state, cmd)
        return complete(state, cmd.step, cmd.evidence, cmd.actor, now, note=cmd.note)
    reason = (cmd.reason or "").strip()
    if not reason:
        raise EvidenceInvalid("a reason is required", fields=["reason"])
    if cmd.action == "reject":
        return [Emitted(ev.StepRejected(step=cmd.step, reason=reason), cmd.actor)]
    return [Emitted(ev.StepWaived(step=cmd.step, reason=reason), cmd.actor)]


def _same_job_order(state: JourneyState, cmd: StepCommand) -> None:
    """A journey started with a job order selects that one (rules 3): it is refused, not silently swapped
    for another. To choose again a supervisor reopens job_selection, which gives back the unit."""
    chosen = cmd.evidence.get("job_order_id")
    if cmd.step != "job_selection" or not rules_of(state).job_order_kept or chosen is None:
        return
    if state.job_order_id is not None and chosen != state.job_order_id:
        raise RuleViolation(
            "job_order_differs", f"the journey was started for job order {state.job_order_id}, not {chosen}"
        )


def _reopen(state: JourneyState, cmd: StepCommand) -> list[Emitted]:
    current = state.step_state(cmd.step)
    reason = (cmd.reason or "").strip()
    if not reason:
        raise EvidenceInvalid("a reason is required", fields=["reason"])
    out: list[Emitted] = []
    if state.status != "active":
        # An unfit medical result ends the journey "unless a supervisor reopens the step".
        if not (state.outcome == "medically_unfit" and cmd.step == "medical_check"):
            check_active(state, cmd.step)
        out.append(Emitted(ev.JourneyResumed(reason=reason), cmd.actor))
    if current not in DONE | {"rejected", EXPIRED}:
        raise InvalidTransition(f"{cmd.step} is {current}", state=current)
    dependents = [s for s in state.steps if cmd.step in requirements(s, state.scheme) and state.step_state(s) in DONE]
    if dependents:
        raise RuleViolation(
            "dependent_steps_completed", f"{', '.join(dependents)} already rely on {cmd.step}", steps=dependents
        )
    out.append(Emitted(ev.StepReopened(step=cmd.step, reason=reason), cmd.actor))
    return out


def complete(
    state: JourneyState,
    step: str,
    raw_evidence: dict[str, Any],
    actor: Actor,
    now: datetime,
    *,
    note: str | None = None,
    source_event: str | None = None,
) -> list[Emitted]:
    """Complete an actionable step with evidence, applying the step's business rules."""
    parsed = parse_evidence(step, state.scheme, raw_evidence)
    evidence = evidence_json(parsed)
    check_step(state, step, now)
    valid_until: datetime | None = None
    out: list[Emitted] = []
    p = state.policy
    if step == "medical_check":
        valid_until = parsed.examined_at + relativedelta(months=p.medical_validity_months)
    elif step == "passport":
        _passport_covers_contract(state, parsed.expires_at.date(), state.contract_end)
    elif step == "employment_contract":
        months = parsed.duration_months or p.contract_default_months
        if not p.contract_min_months <= months <= p.contract_max_months:
            raise EvidenceInvalid(
                f"a contract runs {p.contract_min_months} to {p.contract_max_months} months",
                fields=["evidence.duration_months"],
            )
        evidence["duration_months"] = months
        end = contract_end(parsed.start_date, months)
        passport = state.steps.get("passport")
        if passport and passport.state in DONE and "expires_at" in passport.evidence:
            _passport_covers_contract(state, instant(passport.evidence["expires_at"]).date(), end)
    elif step == "social_security":
        if state.contract_end and parsed.covered_until < state.contract_end:
            raise RuleViolation(
                "social_security_cover_too_short",
                f"cover ends {parsed.covered_until}, before the contract ends {state.contract_end}",
            )
    elif step == "document_verification":
        _documents_valid(state, now)
    elif step == "departure":
        # Valid at `departed_at`, whatever has happened since: an exit recorded after the check's
        # lapse timer fired is still a departure made with a valid check (rules compare the fields).
        medical = state.steps.get("medical_check")
        lapsed_later = (
            rules_of(state).departure_after_lapse_accepted
            and medical is not None
            and medical.state == EXPIRED
            and medical.valid_until is not None
        )
        if (
            medical is None
            or (medical.state not in DONE and not lapsed_later)
            or (medical.valid_until is not None and medical.valid_until < parsed.departed_at)
        ):
            raise RuleViolation("medical_check_not_valid", "the medical check is no longer valid at departure")
        lapsed = invalid_at(state, parsed.departed_at)
        if lapsed:
            raise RuleViolation(DOCUMENT_EXPIRED, f"not valid at departure: {', '.join(lapsed)}", steps=lapsed)
    out.append(
        Emitted(
            ev.StepCompleted(
                step=step, evidence=evidence, note=note, valid_until=valid_until, source_event=source_event
            ),
            actor,
        )
    )
    if step == "medical_check":
        if parsed.result == "unfit":
            out.append(Emitted(ev.JourneyEnded(outcome="medically_unfit", reason="medical check: unfit"), actor))
        elif DOCUMENT_EXPIRED in state.flags and not _other_expired(state, step):
            out.append(Emitted(ev.FlagCleared(flag=DOCUMENT_EXPIRED), actor))
    elif step in TRAVEL_DOCUMENTS and step in lapsing_steps(state):
        if DOCUMENT_EXPIRED in state.flags and not _other_expired(state, step):
            out.append(Emitted(ev.FlagCleared(flag=DOCUMENT_EXPIRED), actor))  # renewed
    if (
        step == "departure"
        and rules_of(state).departure_after_lapse_accepted
        and DOCUMENT_EXPIRED in state.flags
        and not _other_expired(state, *lapsing_steps(state))
    ):
        # What lapsed did so after the departure (anything invalid at departure refused it above).
        out.append(Emitted(ev.FlagCleared(flag=DOCUMENT_EXPIRED), SYSTEM))
    if step == "departure":
        # A waived contract leaves no end date: employment then ends by termination or repatriation.
        end = state.contract_end
        due = parsed.departed_at + relativedelta(days=p.arrival_report_due_days)
        out.append(Emitted(ev.EmploymentStarted(contract_end=end, arrival_report_due_at=due), SYSTEM))
    if step == "arrival_report" and ARRIVAL_OVERDUE in state.flags:
        out.append(Emitted(ev.FlagCleared(flag=ARRIVAL_OVERDUE), actor))
    return out


def _other_expired(state: JourneyState, *steps: str) -> bool:
    return any(s.state == EXPIRED for s in state.steps.values() if s.step not in steps)


def _passport_covers_contract(state: JourneyState, expires: date, end: date | None) -> None:
    if end is not None and expires < end:
        raise RuleViolation(
            "passport_expires_before_contract_end", f"passport expires {expires}, before the contract ends {end}"
        )


def _documents_valid(state: JourneyState, now: datetime) -> None:
    """Refused while any document is expired or lapses before departure (judged against the contract)."""
    problems: list[str] = []
    for step in PRE_DEPARTURE_DOCUMENTS:
        status = state.steps.get(step)
        if status is None:
            continue
        if status.state == EXPIRED:
            problems.append(step)
        elif status.valid_until is not None and status.valid_until <= now:
            problems.append(step)
        elif "expires_at" in status.evidence and instant(status.evidence["expires_at"]) <= now:
            problems.append(step)
    if state.contract_end:
        problems += [step for step, _ in coverage_gaps(state, state.contract_end)]
    if problems:
        problems = sorted(set(problems))
        raise RuleViolation(DOCUMENT_EXPIRED, f"expired or lapsing documents: {', '.join(problems)}", steps=problems)


def coverage_gaps(state: JourneyState, end: date) -> list[tuple[str, date]]:
    """The documents the contract depends on that stop being valid before `end`: the passport (by its
    expiry) and the BPJS cover (by its last day), with the last day each is valid."""
    gaps: list[tuple[str, date]] = []
    for step in ("passport", "social_security"):
        status = state.steps.get(step)
        last = last_valid_day(status) if status is not None else None
        if last is not None and last < end:
            gaps.append((step, last))
    return gaps


def end_journey(state: JourneyState, cmd: EndJourney, outcome: str) -> list[Emitted]:
    """`withdraw` (officer, before departure), `cancel` (supervisor), or a supervisor's `close` as
    `completed` once the reintegration programme is done (DOMAIN.md: "the journey closes as
    completed after the last follow-up or when a supervisor closes it")."""
    check_version(state, cmd.expected_version)
    check_active(state)
    if not cmd.reason.strip():
        raise EvidenceInvalid("a reason is required", fields=["reason"])
    if outcome in ("cancelled", "completed") and cmd.actor.role not in SUPERVISORS:
        raise Forbidden(f"only a supervisor may {'cancel' if outcome == 'cancelled' else 'close'} a journey")
    if outcome == "completed" and not state.is_done("reintegration_program"):
        raise RuleViolation("close_after_reintegration_program", "a journey closes once its programme is done")
    if outcome == "withdrawn" and state.departed:
        raise RuleViolation("withdraw_only_before_departure", "a worker can withdraw only before departure")
    return [Emitted(ev.JourneyEnded(outcome=outcome, reason=cmd.reason.strip()), cmd.actor)]


def external_request(system: str, step: str, reference: str) -> list[Emitted]:
    """Record what an external system acknowledged (a passport recommendation, BPJS enrolment, e-PMI)."""
    return [Emitted(ev.ExternalRequestRecorded(system=system, step=step, reference=reference), SYSTEM)]


def record_follow_up(state: JourneyState, cmd: RecordFollowUp) -> list[Emitted]:
    """The officer records a reintegration follow-up once it is due (DOMAIN.md, reintegration): each once.
    Recording the last overdue one clears the journey's `follow_up_overdue` flag."""
    check_version(state, cmd.expected_version)
    check_active(state)
    if not 1 <= cmd.number <= len(state.policy.follow_up_months):
        raise NotFound(f"the journey has no follow-up {cmd.number}")
    follow_up = next((f for f in state.follow_ups if f.number == cmd.number), None)
    if follow_up is None:
        raise InvalidTransition(f"follow-up {cmd.number} is not due yet", state="not_due")
    if follow_up.recorded_at is not None:
        raise InvalidTransition(f"follow-up {cmd.number} is already recorded", state="recorded")
    note = (cmd.note or "").strip() or None
    recorded = ev.FollowUpRecorded(
        number=cmd.number,
        reached=cmd.reached,
        employed=cmd.employed,
        business_running=cmd.business_running,
        needs_help=cmd.needs_help,
        note=note,
    )
    out = [Emitted(recorded, cmd.actor)]
    others = [f for f in state.unrecorded_follow_ups() if f.number != cmd.number]
    if FOLLOW_UP_OVERDUE in state.flags and not others:
        out.append(Emitted(ev.FlagCleared(flag=FOLLOW_UP_OVERDUE), cmd.actor))
    return out
