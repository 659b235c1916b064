"""The error body every error answer has (API.md, Conventions), for the OpenAPI document."""

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorDetail(BaseModel):
    """`code` and `message`, and whatever the error adds (`fields`, `journey_id`, `current_version`, ...)."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str


class ErrorOut(BaseModel):
    """`{"error": {"code": "UPPER_SNAKE", "message": "...", ...}}`."""

    error: ErrorDetail


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """FastAPI `responses` for error answers: each status with its description and the error body's schema."""
    return {status: {"description": text, "model": ErrorOut} for status, text in descriptions.items()}
