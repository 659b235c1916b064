"""Request and response shapes of the journey endpoints."""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import FreeText
from domain.contracts import EmploymentEventKind, Scheme


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkerIn(Body):
    """The worker at the start of a journey. NIK and phone go to the PII vault, never to the workflow."""

    nik: str = Field(pattern=r"^\d{16}$", description="16-digit NIK")
    full_name: str = Field(min_length=1, max_length=200)
    birth_date: date
    gender: Literal["F", "M"]
    phone: str | None = Field(None, pattern=r"^\+?[1-9]\d{7,14}$", description="E.164, e.g. +6281234567890")
    family_phone: str | None = Field(
        None,
        pattern=r"^\+?[1-9]\d{7,14}$",
        description="The family's contact (E.164); kept only in the PII vault, never echoed",
    )
    province_code: str = Field(pattern=r"^\d{2}$", description="BPS province code")
    regency_code: str | None = Field(None, pattern=r"^\d{4}$", description="BPS regency code")


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
    p3mi_id: str | None = Field(None, max_length=64)
    job_order_id: str | None = Field(None, max_length=64)
    destination_country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    occupation: str | None = Field(None, max_length=100)
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
    expected_version: int | None = Field(None, ge=0)


class EndJourneyIn(BaseModel):
    """`withdraw` (before departure) and `cancel`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Worker changed plans", "expected_version": 7}]},
    )

    reason: FreeText = Field(min_length=1, max_length=2000)
    expected_version: int | None = Field(None, ge=0)


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
            ]
        },
    )

    kind: EmploymentEventKind
    data: dict[str, Any] = Field(default_factory=dict)
    expected_version: int | None = Field(None, ge=0)


class Page(BaseModel):
    """A page of a list: `next_cursor` is null on the last page."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None
