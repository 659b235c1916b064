"""Reference data shapes: P3MI registry and job orders (API.md, Reference data)."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.schemas import CODE, NOT_BOOL_OR_TEXT, Code, Name, P3miId

PROVINCE = r"^[0-9]{2}$"
Quota = Annotated[int, Field(ge=0, le=1_000_000), NOT_BOOL_OR_TEXT]
# A calendar date within the years anyone plans for (a licence's last valid day, a holiday).
CalendarDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31), strict=False)]


def _not_null(value: Any) -> Any:
    """A patch leaves out what it does not change; an explicit null would blank a field that is never empty."""
    if value is None:
        raise ValueError("may be left out, not set to null")
    return value


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
                    "licence_valid_until": "2031-01-31",
                }
            ]
        },
    )

    p3mi_id: P3miId
    name: Name = Field(max_length=200)
    licence_no: Name = Field(max_length=64)
    licence_status: Literal["active", "suspended", "revoked"] = "active"
    province_code: str = Field(pattern=PROVINCE)
    # Extension: the licence's last valid day; after it the licence counts as not active.
    licence_valid_until: CalendarDate | None = None


class P3miPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"licence_status": "suspended"}]})

    name: Name | None = Field(None, max_length=200)
    licence_no: Name | None = Field(None, max_length=64)
    licence_status: Literal["active", "suspended", "revoked"] | None = None
    province_code: str | None = Field(None, pattern=PROVINCE)
    # null: the licence has no end date.
    licence_valid_until: CalendarDate | None = None

    _fields_are_not_nullable = field_validator("name", "licence_no", "licence_status", "province_code", mode="before")(
        _not_null
    )


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
    p3mi_id: P3miId | None = None
    employer_name: Name = Field(max_length=200)
    destination_country: str = Field(pattern=r"^[A-Z]{2}$")
    occupation: Name = Field(max_length=100)
    sector: Literal["formal", "informal"]
    quota: Quota
    status: Literal["open", "closed"] = "open"


class JobOrderPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"quota": 12, "status": "open"}]})

    employer_name: Name | None = Field(None, max_length=200)
    destination_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    occupation: Name | None = Field(None, max_length=100)
    sector: Literal["formal", "informal"] | None = None
    quota: Quota | None = None
    status: Literal["open", "closed"] | None = None

    _fields_are_not_nullable = field_validator("*", mode="before")(_not_null)


# ---- the catalogues of codes that evidence names (clinics, training centres, missions) ---------------

CatalogueCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=CODE)]
Regency = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class ClinicIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"clinic_id": "CLN-3374-02", "name": "Klinik Sehat", "province_code": "33"}]},
    )

    clinic_id: CatalogueCode
    name: Name = Field(max_length=200)
    province_code: str = Field(pattern=PROVINCE)
    regency_code: Regency | None = None


class ClinicPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Klinik Sehat Migran"}]})

    name: Name | None = Field(None, max_length=200)
    province_code: str | None = Field(None, pattern=PROVINCE)
    regency_code: Regency | None = None

    _fields_are_not_nullable = field_validator("*", mode="before")(_not_null)


class TrainingCentreIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"institution_id": "LPK-3374-02", "name": "LPK Semarang", "province_code": "33"}]
        },
    )

    institution_id: CatalogueCode
    name: Name = Field(max_length=200)
    province_code: str = Field(pattern=PROVINCE)
    regency_code: Regency | None = None


class TrainingCentrePatch(ClinicPatch):
    pass


class MissionIn(BaseModel):
    """`kind` and `city` are extensions of API.md's shape."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"mission": "KJRI-KHH", "name": "KJRI Kaohsiung", "country": "TW"}]},
    )

    mission: CatalogueCode
    name: Name = Field(max_length=200)
    country: Country
    kind: Literal["embassy", "consulate", "kdei"] = "embassy"
    city: Name | None = Field(None, max_length=100)


class MissionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "KBRI Seoul"}]})

    name: Name | None = Field(None, max_length=200)
    country: Country | None = None
    kind: Literal["embassy", "consulate", "kdei"] | None = None
    city: Name | None = Field(None, max_length=100)

    _fields_are_not_nullable = field_validator("*", mode="before")(_not_null)


class HolidayIn(BaseModel):
    """Extension: a national public holiday, which working days skip."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"date": "2026-03-20", "name": "Hari Raya Idul Fitri 1447 H"},
                # Not seeded: the example of a holiday's removal (`DELETE /v1/holidays/2026-12-24`)
                # removes the one this example adds, so a client trying the examples in order sees both.
                {"date": "2026-12-24", "name": "Cuti bersama Hari Raya Natal"},
            ]
        },
    )

    date: CalendarDate
    name: Name = Field(max_length=200)


class HolidayPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Idul Fitri 1447 H"}]})

    name: Name = Field(max_length=200)


class CountryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "closed"}]})

    status: Literal["open", "closed"]
