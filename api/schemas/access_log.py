"""Response shapes of the access log (API.md, Audit: `GET /v1/audit/access-log`)."""

from pydantic import BaseModel, ConfigDict


class AccessEntry(BaseModel):
    """One served read of a worker's personal fields in the clear, or one codec decode (`journey_id`
    null). `through` names the kind of response (`journey`, `journey_list`, `personal_data`,
    `export`, `codec_decode`, ...); `fields` the kinds of personal field it held, never their values."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_id": 1207,
                    "accessed_at": "2026-03-01T08:00:00.123456Z",
                    "sub": "supervisor-33-01",
                    "role": "supervisor",
                    "journey_id": "j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A",
                    "through": "personal_data",
                    "fields": ["birth_date", "family_phone", "full_name", "nik", "passport_no", "phone"],
                    "request_id": "5f0c3e9b7d2a4c61a1f0c3e9b7d2a64b",
                }
            ]
        }
    )

    access_id: int
    accessed_at: str
    sub: str
    role: str
    journey_id: str | None
    through: str
    fields: list[str]
    request_id: str | None


class AccessLogPage(BaseModel):
    """A page of the access log, newest first: `next_cursor` is null on the last page."""

    items: list[AccessEntry]
    next_cursor: str | None = None
