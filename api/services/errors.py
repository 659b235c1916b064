"""What a service refuses, or cannot do just now, said without HTTP.

Services raise these and the domain's refusals (`domain.errors`); each carries its API code (API.md)
and the extra fields of its error body. `api.errors` is the one place that maps a code to its HTTP
status and writes the body, for these as for the domain's.
"""

from typing import Any

from domain.errors import DomainError, EvidenceInvalid, Forbidden, InvalidTransition, NotFound


class ServiceError(DomainError):
    """A refusal of the service layer rather than of a journey's rules (a NIK already claimed, an id
    already taken, a forged signature) or a dependency it could not reach."""


class ActiveJourneyExists(ServiceError):
    code = "ACTIVE_JOURNEY_EXISTS"


class Duplicate(ServiceError):
    """An id that is already taken (`ALREADY_EXISTS`)."""

    code = "ALREADY_EXISTS"


class BadSignature(ServiceError):
    code = "BAD_SIGNATURE"


class Unavailable(ServiceError):
    """A dependency down, slow or not ready: try again (the answer carries `Retry-After`)."""

    code = "UNAVAILABLE"


class IdempotencyKeyReused(ServiceError):
    code = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyInProgress(ServiceError):
    code = "IDEMPOTENCY_IN_PROGRESS"


def not_found(what: str = "Not found") -> NotFound:
    return NotFound(what)


def forbidden(message: str = "Your role or region does not allow this") -> Forbidden:
    return Forbidden(message)


def invalid(fields: list[str], message: str = "The request is not valid") -> EvidenceInvalid:
    """`VALIDATION_ERROR` naming the bad fields (never their values)."""
    return EvidenceInvalid(message, fields=fields)


def unavailable(message: str = "The workflow service is unavailable; try again", **extra: Any) -> Unavailable:
    return Unavailable(message, **extra)


def not_in_state(message: str, state: str) -> InvalidTransition:
    """`INVALID_TRANSITION` for something in a state that refuses the change (`state` says which)."""
    return InvalidTransition(message, state=state)
