"""Domain refusals. Each carries the API error code it maps to (API.md)."""

from typing import Any

from pydantic import ValidationError


class DomainError(Exception):
    """A command the domain refuses. `code` is the API error code; `extra` goes into the error body."""

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def as_details(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


class RuleViolation(DomainError):
    """A business rule refused the command; `rule` names it."""

    code = "RULE_VIOLATION"

    def __init__(self, rule: str, message: str, **extra: Any) -> None:
        super().__init__(message, rule=rule, **extra)


class VersionConflict(DomainError):
    code = "VERSION_CONFLICT"


class EvidenceInvalid(DomainError):
    """Evidence failing field rules: `fields` lists the bad paths (values never echoed)."""

    code = "VALIDATION_ERROR"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


ERROR_TYPES: dict[str, type[DomainError]] = {
    cls.code: cls for cls in (InvalidTransition, RuleViolation, VersionConflict, EvidenceInvalid, NotFound, Forbidden)
}


def refusal_from(code: str | None, message: str, details: dict[str, Any] | None) -> DomainError | None:
    """The refusal whose `as_details()` were `details` (a workflow sends them across Temporal), or None
    when `code` is none of the domain's."""
    cls = ERROR_TYPES.get(code or "")
    if cls is None:
        return None
    refusal = Exception.__new__(cls)
    extra = {k: v for k, v in (details or {}).items() if k not in ("code", "message")}
    DomainError.__init__(refusal, message, **extra)
    return refusal


def error_fields(prefix: str, exc: ValidationError) -> list[str]:
    """The dotted paths of the fields a pydantic validation refused, under `prefix` (`evidence.valid_until`),
    sorted and each once: what a 422 names (never the values)."""
    return sorted({".".join([prefix, *map(str, err["loc"])]) for err in exc.errors()})
