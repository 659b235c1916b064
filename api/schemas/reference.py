"""Reference data shapes: P3MI registry and job orders (API.md, Reference data)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class P3miIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "p3mi_id": "P3MI-0007",
                    "name": "PT Maju Sejahtera",
                    "licence_no": "SIP3MI-2024-0007",
                    "licence_status": "active",
                    "province_code": "33",
                }
            ]
        },
    )

    p3mi_id: Code
    name: str = Field(min_length=1, max_length=200)
    licence_no: str = Field(min_length=1, max_length=64)
    licence_status: Literal["active", "suspended", "revoked"] = "active"
    province_code: str = Field(pattern=r"^\d{2}$")


class P3miPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"licence_status": "suspended"}]})

    name: str | None = Field(None, min_length=1, max_length=200)
    licence_no: str | None = Field(None, min_length=1, max_length=64)
    licence_status: Literal["active", "suspended", "revoked"] | None = None
    province_code: str | None = Field(None, pattern=r"^\d{2}$")


class JobOrderIn(BaseModel):
    """`filled` is maintained by the engine and is not accepted here."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "job_order_id": "JO-2026-0042",
                    "scheme": "P3MI",
                    "p3mi_id": "P3MI-0007",
                    "employer_name": "Chen Family",
                    "destination_country": "TW",
                    "occupation": "caregiver",
                    "sector": "informal",
                    "quota": 10,
                    "status": "open",
                }
            ]
        },
    )

    job_order_id: Code
    scheme: Literal["P3MI", "G2G"]
    p3mi_id: str | None = Field(None, max_length=64)
    employer_name: str = Field(min_length=1, max_length=200)
    destination_country: str = Field(pattern=r"^[A-Z]{2}$")
    occupation: str = Field(min_length=1, max_length=100)
    sector: Literal["formal", "informal"]
    quota: int = Field(ge=0, le=1_000_000)
    status: Literal["open", "closed"] = "open"


class JobOrderPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"quota": 12, "status": "open"}]})

    employer_name: str | None = Field(None, min_length=1, max_length=200)
    destination_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    occupation: str | None = Field(None, min_length=1, max_length=100)
    sector: Literal["formal", "informal"] | None = None
    quota: int | None = Field(None, ge=0, le=1_000_000)
    status: Literal["open", "closed"] | None = None
