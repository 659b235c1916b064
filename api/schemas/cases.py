"""Request shapes of the protection case endpoints (API.md, Protection cases)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import FreeText, Version
from domain.contracts import CaseAction, CaseType, ReportedVia

CaseStatus = Literal["reported", "verified", "in_progress", "resolved", "closed"]


class OpenCaseIn(BaseModel):
    """`POST /v1/journeys/{journey_id}/cases`. A bad `case_type` or `reported_via` is 422 naming the field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "case_type": "unpaid_wages",
                    "description": "Three months of wages unpaid",
                    "reported_via": "hotline",
                }
            ]
        },
    )

    case_type: CaseType
    description: FreeText = Field("", max_length=4000)
    reported_via: ReportedVia = "officer"


class CaseActionIn(BaseModel):
    """`POST /v1/cases/{case_id}/actions`: `refer` needs `to` (police|foreign_ministry|social_ministry),
    `advocate` needs `track`, `resolve` needs `resolution`; `escalate` (optionally with `to`
    supervisor|rapid_response_team) and `close` are for supervisors. `expected_version` is optional
    (409 `VERSION_CONFLICT` when stale)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "verify", "note": "Called the worker back", "expected_version": 1},
                {"action": "refer", "to": "police", "note": "Report filed", "expected_version": 2},
                {"action": "resolve", "resolution": "Wages paid", "expected_version": 3},
            ]
        },
    )

    action: CaseAction
    note: FreeText | None = Field(None, max_length=2000)
    expected_version: Version | None = None
    to: Literal["police", "foreign_ministry", "social_ministry", "supervisor", "rapid_response_team"] | None = None
    track: Literal["litigation", "non_litigation"] | None = None
    resolution: FreeText | None = Field(None, min_length=1, max_length=2000)
