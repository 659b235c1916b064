"""Request and response shapes of the journey endpoints."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from api.schemas import Code, FreeText, Name, P3miId, Version, today
from domain.contracts import EmploymentEventKind, Scheme
from domain.evidence import EARLIEST, DocumentDate, Instant, check_at_the_edge, multi_line, within_bounds
from store.pii import WorkerPii

# E.164: a country code, then up to 14 more digits; ASCII digits only (`\d` is any script's digit).
PHONE = r"^\+?[1-9][0-9]{7,14}$"


def _surrogate_free(value: Any) -> bool:
    """No lone surrogate in any key or string of `value` (JSON may spell one, `"\\ud800"`; UTF-8 may not)."""
    if isinstance(value, str):
        return not any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return all(_surrogate_free(k) and _surrogate_free(v) for k, v in value.items())
    if isinstance(value, list):
        return all(map(_surrogate_free, value))
    return True


def _free_form(value: dict[str, Any]) -> dict[str, Any]:
    """A free-form object (evidence, event data) goes on to the workflow and the store as sent, and an error
    about one of its keys names that key: a lone surrogate in it could be neither stored nor answered."""
    if not _surrogate_free(value):
        raise ValueError("may not hold lone surrogates")
    return value


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkerIn(Body):
    """The worker at the start of a journey. NIK and phone go to the PII vault, never to the workflow."""

    nik: str = Field(pattern=r"^[0-9]{16}$", description="16-digit NIK (ASCII digits)")
    full_name: Name = Field(max_length=200)
    birth_date: date = Field(description="Between 1900-01-01 and today")
    gender: Literal["F", "M"]
    phone: str | None = Field(None, pattern=PHONE, description="E.164, e.g. +6281234567890")
    family_phone: str | None = Field(
        None, pattern=PHONE, description="The family's contact (E.164); kept only in the PII vault, never echoed"
    )
    province_code: str = Field(pattern=r"^[0-9]{2}$", description="BPS province code")
    regency_code: str | None = Field(None, pattern=r"^[0-9]{4}$", description="BPS regency code")

    @field_validator("birth_date")
    @classmethod
    def _born_between_1900_and_today(cls, value: date, info: ValidationInfo) -> date:
        if not EARLIEST <= value <= today(info):
            raise ValueError("birth date must be between 1900-01-01 and today")
        return value


START_EXAMPLE = {
    "worker": {
        "nik": "3374015501950002",
        "full_name": "Siti Rahayu",
        "birth_date": "1995-01-15",
        "gender": "F",
        "phone": "+6281234567890",
        "province_code": "33",
        "regency_code": "3374",
    },
    "scheme": "P3MI",
    "p3mi_id": "P3MI-0007",
    "job_order_id": "JO-2026-0042",
    "destination_country": "TW",
    "occupation": "caregiver",
    "sector": "informal",
}


class StartJourneyIn(Body):
    """`POST /v1/journeys`. `p3mi_id` is required for `P3MI` and forbidden otherwise (422 naming it);
    an unknown `p3mi_id` or `job_order_id` is 422 naming the field; a P3MI whose licence is not
    `active` is 409 `RULE_VIOLATION` with `rule` `p3mi_licence_not_active`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [START_EXAMPLE]})

    worker: WorkerIn
    scheme: Scheme
    p3mi_id: P3miId | None = None
    job_order_id: Code | None = None
    destination_country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    occupation: Name | None = Field(None, max_length=100)
    sector: Literal["formal", "informal"] | None = None


class StepActionIn(BaseModel):
    """Body of a step action: `complete` takes `evidence` (and a `note`); `reject`, `waive` and `reopen`
    take a `reason`. `expected_version` is optional (409 `VERSION_CONFLICT` when stale)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"evidence": {"consent_ref": "FC-2026-118", "village": "Sumberejo"}, "expected_version": 3},
                {"reason": "Scan unreadable; resubmit", "expected_version": 4},
            ]
        },
    )

    evidence: dict[str, Any] = Field(default_factory=dict)
    note: FreeText | None = Field(None, max_length=2000)
    reason: FreeText | None = Field(None, min_length=1, max_length=2000)
    expected_version: Version | None = None

    @field_validator("evidence")
    @classmethod
    def _dates_near_today(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Document dates within 50 years of today (the step's own field rules come after, in the service)."""
        check_at_the_edge(_free_form(value), today(info))
        return value


class EndJourneyIn(BaseModel):
    """`withdraw` (before departure) and `cancel`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Worker changed plans", "expected_version": 7}]},
    )

    reason: FreeText = Field(min_length=1, max_length=2000)
    expected_version: Version | None = None


class FollowUpIn(BaseModel):
    """Extension: what a reintegration follow-up found (DOMAIN.md, reintegration)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reached": True,
                    "employed": False,
                    "business_running": True,
                    "needs_help": False,
                    "note": "Warung open",
                }
            ]
        },
    )

    reached: Annotated[bool, Field(strict=True)]
    employed: Annotated[bool, Field(strict=True)] | None = None
    business_running: Annotated[bool, Field(strict=True)] | None = None
    needs_help: Annotated[bool, Field(strict=True)] | None = None
    note: FreeText | None = Field(None, max_length=2000)
    expected_version: Version | None = None


class WaiverIn(BaseModel):
    """Extension: a supervisor lets one journey past a rule that blocks it (`destination_closed`: the
    worker may depart to a destination closed after her journey started)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"rule": "destination_closed", "reason": "Visa issued and flight booked; ministry consent"}]
        },
    )

    rule: Literal["destination_closed"]
    reason: FreeText = Field(min_length=1, max_length=2000)
    expected_version: Version | None = None


class EmploymentEventIn(BaseModel):
    """Extension: an event of the employment period (DOMAIN.md, `employment`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "welfare_check", "data": {"checked_at": "2026-09-01T09:00:00+07:00", "status": "ok"}},
                {
                    "kind": "contract_extended",
                    "data": {"new_end_date": "2029-03-01", "family_consent_ref": "FC-9"},
                },
                {
                    "kind": "employer_changed",
                    "data": {"employer_name": "Chen Household", "contract_ref": "CT-2027-118", "reason": "transfer"},
                },
                {"kind": "passport_renewed", "data": {"expires_at": "2034-02-01T00:00:00Z"}},
                {"kind": "social_security_extended", "data": {"covered_until": "2029-04-01"}},
            ]
        },
    )

    kind: EmploymentEventKind
    data: dict[str, Any] = Field(default_factory=dict)
    expected_version: Version | None = None

    @field_validator("data")
    @classmethod
    def _dates_near_today_and_finite_amounts(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """The workflow reads `data` (`domain.employment`); what only the edge can check is checked here."""
        check_at_the_edge(_free_form(value), today(info), EMPLOYMENT_EDGE_TYPES)
        return value


# What the edge checks in employment-event data before `domain.employment` reads it in the workflow:
# dates held like document dates (`checked_at` with or without a zone, as the domain takes it), a
# remitted amount that is a finite number (JSON `1e400` is infinity), and text without control
# characters or lone surrogates. The data goes on to the workflow as sent.
_NAME = TypeAdapter(Name)
_FREE_TEXT = TypeAdapter(Annotated[str, AfterValidator(multi_line)] | None)
EMPLOYMENT_EDGE_TYPES: dict[str, TypeAdapter] = {
    "new_end_date": TypeAdapter(DocumentDate),
    "covered_until": TypeAdapter(DocumentDate),
    "expires_at": TypeAdapter(Instant),
    "contract_ref": _NAME,
    "checked_at": TypeAdapter(Annotated[datetime, AfterValidator(within_bounds)] | None),
    "amount": TypeAdapter(Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]),
    "employer_name": _NAME,
    "family_consent_ref": _NAME,
    "status": _NAME,
    "period": TypeAdapter(Name | None),
    "reason": _FREE_TEXT,
    "note": _FREE_TEXT,
}


class Page(BaseModel):
    """A page of a list: `next_cursor` is null on the last page."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None


class SearchIn(Body):
    """A NIK to find the worker's journeys by; it travels in the body, never in a URL."""

    nik: str = Field(pattern=r"^[0-9]{16}$", description="16-digit NIK (ASCII digits)")


class PersonalDataOut(WorkerPii):
    """The worker's identifiers in the clear (supervisor, admin; every read is in the access log)."""
