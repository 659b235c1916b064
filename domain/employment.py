"""The employment period's events (DOMAIN.md, Placement): contract extended, employer changed,
welfare check, remittance reported, and the extensions early termination and the renewal of a
document the placement depends on (the passport, the BPJS cover).

Rules 5: an extension re-checks the passport and the BPJS cover against the new end. Each that no
longer covers it opens a task for the officer and flags the journey `coverage_gap` (which tells its
office); recording a renewal that covers the contract closes the task, and the flag goes with the last
one. The end of employment closes what is left open (`settle`): nothing more depends on them."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from domain import events as ev
from domain.contracts import SYSTEM, RecordEmploymentEvent
from domain.decide import Emitted, check_active, check_version, coverage_gaps
from domain.documents import last_valid_day
from domain.errors import EvidenceInvalid, InvalidTransition, RuleViolation, error_fields
from domain.evidence import DocumentDate, Instant, evidence_json, within_bounds
from domain.rules import rules_of
from domain.state import JourneyState

COVERAGE_GAP = "coverage_gap"
# The officer's task for each document that no longer covers the contract.
RENEWAL_TASKS = {"passport": "renew_passport", "social_security": "extend_social_security"}
_TASKS = frozenset(RENEWAL_TASKS.values())
_DOCUMENT = {"passport": "the passport", "social_security": "the BPJS cover"}

# The evidence's fixed date bounds hold here too: a rule adding months to a date can never overflow.
_Moment = Annotated[datetime, AfterValidator(within_bounds)]


class _Extension(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_end_date: DocumentDate
    family_consent_ref: str = Field(min_length=1)


class _EmployerChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    employer_name: str = Field(min_length=1)
    reason: str | None = None
    contract_ref: str | None = Field(default=None, min_length=1)  # required from rules 5


class _PassportRenewed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expires_at: Instant


class _CoverExtended(BaseModel):
    model_config = ConfigDict(extra="forbid")
    covered_until: DocumentDate


class _Welfare(BaseModel):
    model_config = ConfigDict(extra="forbid")
    checked_at: _Moment | None = None
    status: str = Field(default="ok", min_length=1)
    note: str | None = None


class _Remittance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: float = Field(gt=0, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    period: str | None = None


class _Termination(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1)


EMPLOYMENT_MODELS: dict[str, type[BaseModel]] = {
    "contract_extended": _Extension,
    "employer_changed": _EmployerChange,
    "welfare_check": _Welfare,
    "remittance_reported": _Remittance,
    "early_termination": _Termination,
    "passport_renewed": _PassportRenewed,
    "social_security_extended": _CoverExtended,
}
_RENEWED_STEP = {"passport_renewed": "passport", "social_security_extended": "social_security"}


def employment_event(state: JourneyState, cmd: RecordEmploymentEvent, now: datetime) -> list[Emitted]:
    """Events of the employment period; the period must be running."""
    check_version(state, cmd.expected_version)
    check_active(state, "employment")
    current = state.step_state("employment")
    if current != "available":
        raise InvalidTransition(f"employment is {current}", state=current)
    try:
        data: Any = EMPLOYMENT_MODELS[cmd.kind].model_validate(cmd.data)
    except ValidationError as exc:
        fields = error_fields("data", exc)
        raise EvidenceInvalid(f"{cmd.kind} data is invalid", fields=fields) from None
    rechecks = rules_of(state).employment_rechecks
    if cmd.kind == "contract_extended":
        if state.contract_end is None:  # the contract step was waived: there is no end to move
            raise RuleViolation("no_contract_end", "the employment contract was waived: no end date to extend")
        if data.new_end_date <= state.contract_end:
            raise RuleViolation("extension_must_extend", f"the contract already runs until {state.contract_end}")
        extended = ev.ContractExtended(
            previous_end=state.contract_end, new_end_date=data.new_end_date, family_consent_ref=data.family_consent_ref
        )
        return [Emitted(extended, cmd.actor), *(_gaps_opened(state, data.new_end_date) if rechecks else [])]
    if cmd.kind in _RENEWED_STEP:
        return _renewed(state, cmd, _RENEWED_STEP[cmd.kind], evidence_json(data))
    if cmd.kind == "employer_changed":
        if rechecks and data.contract_ref is None:
            raise EvidenceInvalid("a new employer comes with a new contract", fields=["data.contract_ref"])
        event: ev.DomainEvent = ev.EmployerChanged(
            employer_name=data.employer_name, reason=data.reason, contract_ref=data.contract_ref
        )
    elif cmd.kind == "welfare_check":
        event = ev.WelfareChecked(checked_at=data.checked_at or now, status=data.status, note=data.note)
    elif cmd.kind == "remittance_reported":
        event = ev.RemittanceReported(amount=f"{data.amount:.2f}", currency=data.currency, period=data.period)
    else:
        event = ev.EmploymentEnded(reason=f"early_termination: {data.reason}", ended_at=now)
    return [Emitted(event, cmd.actor)]


def _gaps_opened(state: JourneyState, end: date) -> list[Emitted]:
    """A task for each document the contract now outlasts (one not already open), and the flag."""
    out: list[Emitted] = []
    open_tasks = state.open_tasks()
    gaps = coverage_gaps(state, end)
    for step, last_day in gaps:
        task = RENEWAL_TASKS[step]
        if task not in open_tasks:
            reason = f"{_DOCUMENT[step]} is valid until {last_day}, before the contract's end {end}"
            out.append(Emitted(ev.TaskOpened(task=task, reason=reason), SYSTEM))
    if gaps and COVERAGE_GAP not in state.flags:
        names = " and ".join(_DOCUMENT[step] for step, _ in gaps)
        out.append(Emitted(ev.FlagRaised(flag=COVERAGE_GAP, reason=f"{names} end before the contract {end}"), SYSTEM))
    return out


def _renewed(state: JourneyState, cmd: RecordEmploymentEvent, step: str, evidence: dict[str, Any]) -> list[Emitted]:
    """A renewal is recorded whatever it covers; it closes the step's task once it covers the contract."""
    if state.step_state(step) != "completed":
        raise InvalidTransition(f"{step} was not completed: there is nothing to renew", state=state.step_state(step))
    out = [Emitted(ev.DocumentRenewed(step=step, evidence=evidence), cmd.actor)]
    task = RENEWAL_TASKS[step]
    if task not in state.open_tasks() or state.contract_end is None:
        return out
    status = state.steps[step]
    last = last_valid_day(status.model_copy(update={"evidence": {**status.evidence, **evidence}}))
    if last is not None and last < state.contract_end:
        return out  # still short of the contract's end: the task stays open
    out.append(Emitted(ev.TaskClosed(task=task, resolution=f"{step} renewed"), cmd.actor))
    if COVERAGE_GAP in state.flags and not [t for t in state.open_tasks() if t in _TASKS and t != task]:
        out.append(Emitted(ev.FlagCleared(flag=COVERAGE_GAP), cmd.actor))
    return out


def close_after_employment(state: JourneyState) -> list[Emitted]:
    """Once employment has ended nothing depends on the documents any more: their open tasks close, and
    the flag with them (rules 5; `timeline.settle` asks)."""
    if not rules_of(state).employment_rechecks or not state.is_done("employment"):
        return []
    out = [
        Emitted(ev.TaskClosed(task=t, resolution="employment ended"), SYSTEM) for t in state.open_tasks() if t in _TASKS
    ]
    if COVERAGE_GAP in state.flags:
        out.append(Emitted(ev.FlagCleared(flag=COVERAGE_GAP), SYSTEM))
    return out
