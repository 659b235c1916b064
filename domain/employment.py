"""The employment period's events (DOMAIN.md, Placement): contract extended, employer changed,
welfare check, remittance reported, and early termination (an extension)."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from domain import events as ev
from domain.contracts import RecordEmploymentEvent
from domain.decide import Emitted, check_active, check_version
from domain.errors import EvidenceInvalid, InvalidTransition, RuleViolation, error_fields
from domain.evidence import DocumentDate, within_bounds
from domain.state import JourneyState

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


_EMPLOYMENT_MODELS: dict[str, type[BaseModel]] = {
    "contract_extended": _Extension,
    "employer_changed": _EmployerChange,
    "welfare_check": _Welfare,
    "remittance_reported": _Remittance,
    "early_termination": _Termination,
}


def employment_event(state: JourneyState, cmd: RecordEmploymentEvent, now: datetime) -> list[Emitted]:
    """Events of the employment period; the period must be running."""
    check_version(state, cmd.expected_version)
    check_active(state, "employment")
    current = state.step_state("employment")
    if current != "available":
        raise InvalidTransition(f"employment is {current}", state=current)
    try:
        data: Any = _EMPLOYMENT_MODELS[cmd.kind].model_validate(cmd.data)
    except ValidationError as exc:
        fields = error_fields("data", exc)
        raise EvidenceInvalid(f"{cmd.kind} data is invalid", fields=fields) from None
    if cmd.kind == "contract_extended":
        if state.contract_end is None:  # the contract step was waived: there is no end to move
            raise RuleViolation("no_contract_end", "the employment contract was waived: no end date to extend")
        if data.new_end_date <= state.contract_end:
            raise RuleViolation("extension_must_extend", f"the contract already runs until {state.contract_end}")
        event: ev.DomainEvent = ev.ContractExtended(
            previous_end=state.contract_end, new_end_date=data.new_end_date, family_consent_ref=data.family_consent_ref
        )
    elif cmd.kind == "employer_changed":
        event = ev.EmployerChanged(employer_name=data.employer_name, reason=data.reason)
    elif cmd.kind == "welfare_check":
        event = ev.WelfareChecked(checked_at=data.checked_at or now, status=data.status, note=data.note)
    elif cmd.kind == "remittance_reported":
        event = ev.RemittanceReported(amount=f"{data.amount:.2f}", currency=data.currency, period=data.period)
    else:
        event = ev.EmploymentEnded(reason=f"early_termination: {data.reason}", ended_at=now)
    return [Emitted(event, cmd.actor)]
