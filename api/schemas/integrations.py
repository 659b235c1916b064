"""Shape of an integration event (API.md, Integrations) and which source may send which type."""

from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from api.schemas import RecentInstant, today
from domain.contracts import IntegrationSource
from domain.evidence import check_at_the_edge, single_line
from domain.steps import INTEGRATION_TYPES

# type -> the sources allowed to send it, and the step its data is evidence for: the domain's table.
EVENT_TYPES = INTEGRATION_TYPES
SOURCES: tuple[str, ...] = get_args(IntegrationSource)


class IntegrationEventIn(BaseModel):
    """A signed event from a government system. Exactly one of `journey_id` and `nik` names the journey."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "event_id": "clinic-7781",
                    "type": "medical.result",
                    "journey_id": "j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A",
                    "occurred_at": "2026-03-02T09:00:00Z",
                    "data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "2026-03-02"},
                },
                {
                    # By the worker's NIK instead of the journey id: matched to that NIK's active journey.
                    "event_id": "clinic-7782",
                    "type": "medical.result",
                    "nik": "3374015501950002",
                    "occurred_at": "2026-03-02T09:00:00Z",
                    "data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "2026-03-02"},
                },
            ]
        },
    )

    # The source's own identifiers, kept as sent (a duplicate is found by them): no control characters.
    event_id: Annotated[str, AfterValidator(single_line)] = Field(min_length=1, max_length=200)
    type: Annotated[str, AfterValidator(single_line)] = Field(min_length=1, max_length=64)
    journey_id: Annotated[str, AfterValidator(single_line)] | None = Field(None, max_length=80)
    nik: str | None = Field(None, pattern=r"^[0-9]{16}$", description="16 ASCII digits")
    occurred_at: RecentInstant = Field(description="Within 50 years of today")
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("data")
    @classmethod
    def _evidence_dates_near_today(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Document dates within 50 years of today; the step's field rules follow (`api.services.integrations`)."""
        check_at_the_edge(value, today(info))
        return value

    @model_validator(mode="after")
    def _one_target(self) -> "IntegrationEventIn":
        if (self.journey_id is None) == (self.nik is None):
            raise ValueError("exactly one of journey_id and nik is required")
        return self


class IntegrationAnswer(BaseModel):
    """`accepted` (202) the first time, `duplicate` (200) for an event id already received."""

    status: str
    journey_id: str
