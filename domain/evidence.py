"""Evidence each step accepts (DOMAIN.md step tables) and its field rules.

Field rules fail with `EvidenceInvalid` (HTTP 422, listing field paths, never values);
business rules that need the journey's state live in `domain.decide`.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from domain.errors import EvidenceInvalid, NotFound
from domain.steps import STEP_BY_ID


def to_utc_datetime(value: Any) -> Any:
    """`*_at` fields take a date-time with zone or a plain date (read as 00:00 UTC)."""
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
    return value


Instant = Annotated[datetime, BeforeValidator(to_utc_datetime)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
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
    passport_no: Text
    expires_at: Instant


class EmploymentContractEvidence(Evidence):
    contract_no: Text
    employer_name: Text
    start_date: date
    # Missing: the policy's default; the policy also bounds it (`decide.complete`).
    duration_months: int | None = Field(default=None, ge=1)
    monthly_salary: Decimal = Field(gt=0)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class SocialSecurityEvidence(Evidence):
    membership_no: Text
    covered_until: date


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
        fields = sorted({".".join(["evidence", *map(str, err["loc"])]) for err in exc.errors()})
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
