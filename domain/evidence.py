"""Evidence each step accepts (DOMAIN.md step tables) and its field rules.

Field rules fail with `EvidenceInvalid` (HTTP 422, listing field paths, never values);
business rules that need the journey's state live in `domain.decide`.

Dates have two bounds. The models here, which the workflow runs too, keep only fixed ones
(`EARLIEST`..`LATEST`): the domain never reads the clock. The API, which may, also holds document
dates to within `DOCUMENT_WINDOW` of today, through `check_at_the_edge` (a validation context).
"""

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain.errors import EvidenceInvalid, NotFound, error_fields
from domain.steps import STEP_BY_ID

# Fixed bounds of every date the domain accepts. Far enough from the calendar's ends (years 1 and
# 9999) that nothing a rule adds to a date (a 600-month contract, a medical validity, a follow-up,
# a shift to UTC) can overflow, inside the workflow or out; wide enough for any real document.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
# Checked by the API only (it reads the clock): a document date more than this from today is a typo.
DOCUMENT_WINDOW = relativedelta(years=50)
# The longest contract the models accept; the policy's own bounds (1-60) are checked in `decide`.
MAX_CONTRACT_MONTHS = 600

# Control characters (Unicode Cc) and lone surrogates (Cs). The surrogates cannot be encoded as UTF-8,
# so a database write of them fails; NUL is refused by PostgreSQL; the others garble what is shown.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Multi-line free text (notes, reasons, descriptions) may also hold tabs and line breaks.
_CONTROL_EXCEPT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def single_line(value: str) -> str:
    """Text on one line: no control character at all, no lone surrogate. The message names no value."""
    if _CONTROL.search(value):
        raise ValueError("text may not hold control characters or lone surrogates")
    return value


def multi_line(value: str) -> str:
    """Free text: tab, LF and CR are allowed, other control characters and lone surrogates are not."""
    if _CONTROL_EXCEPT_LINE_BREAKS.search(value):
        raise ValueError("text may not hold control characters (other than tab and line breaks) or lone surrogates")
    return value


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def within_bounds(value: date, info: ValidationInfo) -> date:
    """Within the fixed bounds always; within `DOCUMENT_WINDOW` of `today` when the context gives one."""
    day = _day(value)
    if not EARLIEST <= day <= LATEST:
        raise PydanticCustomError("date_out_of_range", "Date should be between 1900-01-01 and 2199-12-31")
    today = info.context.get("today") if isinstance(info.context, Mapping) else None
    if today is not None and not today - DOCUMENT_WINDOW <= day <= today + DOCUMENT_WINDOW:
        raise PydanticCustomError("date_out_of_range", "Date should be within 50 years of today")
    return value


def to_utc_datetime(value: Any) -> Any:
    """`*_at` fields take a date-time with zone or a plain date (read as 00:00 UTC)."""
    try:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("date-time needs a zone")
            return value.astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, time(0), tzinfo=UTC)
        if isinstance(value, str):
            text = value.strip()
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                raise ValueError("date-time needs a zone")
            return parsed.astimezone(UTC)
    except OverflowError:
        # `0001-01-01T00:00:00+07:00` is before year 1 in UTC. Pydantic turns a ValueError into a
        # validation error, but lets an OverflowError through (a 500, or a failed workflow task).
        raise ValueError("date-time is out of range") from None
    return value


Instant = Annotated[datetime, BeforeValidator(to_utc_datetime), AfterValidator(within_bounds)]
DocumentDate = Annotated[date, AfterValidator(within_bounds)]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(single_line)
]
# The workflow sees a passport number masked (`C*****67`, `domain.pii`), so the star is allowed here;
# the clear number the API receives is held to ASCII letters and digits by `check_at_the_edge`.
PassportNo = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9*]+$")
]
ClearPassportNo = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=6, max_length=20, pattern=r"^[A-Za-z0-9]+$")
]
Need = Literal["entrepreneurship", "financial_literacy", "psychosocial", "job_placement", "kur_loan", "desmigratif"]


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoEvidence(Evidence):
    pass


class RegistrationEvidence(Evidence):
    registration_no: Text


class FamilyConsentEvidence(Evidence):
    consent_ref: Text
    village: Text


class JobOrderSelection(Evidence):
    job_order_id: Text


class EmployerOffer(Evidence):
    employer_name: Text
    offer_ref: Text


class PlacementAgreementEvidence(Evidence):
    agreement_no: Text
    signed_at: Instant


class MedicalCheckEvidence(Evidence):
    clinic_id: Text
    result: Literal["fit", "unfit"]
    examined_at: Instant


class CompetencyEvidence(Evidence):
    certificate_no: Text
    institution_id: Text
    issued_at: Instant


class PassportEvidence(Evidence):
    passport_no: PassportNo
    expires_at: Instant


class EmploymentContractEvidence(Evidence):
    contract_no: Text
    employer_name: Text
    start_date: DocumentDate
    # Missing: the policy's default; the policy also bounds it (`decide.complete`).
    duration_months: int | None = Field(default=None, ge=1, le=MAX_CONTRACT_MONTHS)
    monthly_salary: Decimal = Field(gt=0, lt=10**9, allow_inf_nan=False)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class SocialSecurityEvidence(Evidence):
    membership_no: Text
    covered_until: DocumentDate


class WorkVisaEvidence(Evidence):
    visa_no: Text
    expires_at: Instant


class OrientationEvidence(Evidence):
    attended_at: Instant


class DepartureEvidence(Evidence):
    departed_at: Instant
    port: Text
    flight_no: Text


class ArrivalReportEvidence(Evidence):
    reported_at: Instant
    mission: Text


class ReturnEvidence(Evidence):
    arrived_at: Instant
    port: Text
    reason: Text = "contract_end"


class AssessmentEvidence(Evidence):
    needs: list[Need] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "AssessmentEvidence":
        if len(set(self.needs)) != len(self.needs):
            raise ValueError("needs repeat")
        return self


class ProgramEvidence(Evidence):
    programs: list[Text] = Field(min_length=1)


EVIDENCE_MODELS: dict[str, type[Evidence]] = {
    "registration": RegistrationEvidence,
    "family_consent": FamilyConsentEvidence,
    "placement_agreement": PlacementAgreementEvidence,
    "medical_check": MedicalCheckEvidence,
    "competency_training": CompetencyEvidence,
    "passport": PassportEvidence,
    "employment_contract": EmploymentContractEvidence,
    "social_security": SocialSecurityEvidence,
    "work_visa": WorkVisaEvidence,
    "document_verification": NoEvidence,
    "pre_departure_orientation": OrientationEvidence,
    "departure": DepartureEvidence,
    "arrival_report": ArrivalReportEvidence,
    "employment": NoEvidence,
    "return": ReturnEvidence,
    "reintegration_assessment": AssessmentEvidence,
    "reintegration_program": ProgramEvidence,
}


def evidence_model(step: str, scheme: str) -> type[Evidence]:
    if step == "job_selection":
        return EmployerOffer if scheme == "INDEPENDENT" else JobOrderSelection
    return EVIDENCE_MODELS[step]


def parse_evidence(step: str, scheme: str, evidence: dict[str, Any]) -> Evidence:
    """The typed evidence of `step`, or `EvidenceInvalid` naming each bad field as `evidence.<path>`."""
    if step not in STEP_BY_ID:
        raise NotFound(f"unknown step {step!r}")
    model = evidence_model(step, scheme)
    try:
        return model.model_validate(evidence)
    except ValidationError as exc:
        fields = error_fields("evidence", exc)
        raise EvidenceInvalid(f"evidence for {step} is invalid", fields=fields) from None


def validate_evidence(step: str, scheme: str, evidence: dict[str, Any]) -> dict[str, Any]:
    """Field rules only; returns the evidence normalised to JSON (dates ISO, instants UTC with Z)."""
    return evidence_json(parse_evidence(step, scheme, evidence))


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    data = evidence.model_dump(mode="json")
    for key, value in data.items():
        if isinstance(value, str) and key.endswith("_at") and value.endswith("+00:00"):
            data[key] = value[: -len("+00:00")] + "Z"
    return data


def _edge_types() -> dict[str, TypeAdapter]:
    """Per field name of any step's evidence, the type the API holds it to: the field's own type for
    every date (checked with `today` in the context), and the passport number in the clear."""
    types: dict[str, TypeAdapter] = {"passport_no": TypeAdapter(ClearPassportNo)}
    for model in {*EVIDENCE_MODELS.values(), EmployerOffer, JobOrderSelection}:
        for name, field in model.model_fields.items():
            if field.annotation in (date, datetime):
                types[name] = TypeAdapter(Annotated[(field.annotation, *field.metadata)])
    return types


EDGE_TYPES = _edge_types()


def check_at_the_edge(data: Mapping[str, Any], today: date, types: Mapping[str, TypeAdapter] = EDGE_TYPES) -> None:
    """What the API checks in evidence (a step action's, an integration event's `data`) beyond the step's
    field rules, whatever the step: document dates within `DOCUMENT_WINDOW` of `today`, and a passport
    number in ASCII letters and digits (the workflow only ever sees it masked). `types` names the fields
    to check and their types (the evidence fields by default). Raises a `ValidationError` located at each
    bad field; the messages hold no value."""
    errors: list[InitErrorDetails] = []
    for name, value in data.items():
        adapter = types.get(name)
        if adapter is None:
            continue
        try:
            adapter.validate_python(value, context={"today": today})
        except ValidationError as exc:
            for err in exc.errors(include_url=False, include_context=False, include_input=False):
                errors.append(
                    InitErrorDetails(
                        type=PydanticCustomError(err["type"], err["msg"]), loc=(name, *err["loc"]), input=None
                    )
                )
    if errors:
        raise ValidationError.from_exception_data("evidence", errors)
