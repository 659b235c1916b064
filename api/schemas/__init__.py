"""API-only request and response shapes (shared contracts live in `domain.contracts`)."""

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints, ValidationInfo

from domain.evidence import DOCUMENT_WINDOW, multi_line, single_line
from domain.pii import mask_text

# Free text an officer or a complainant writes (notes, reasons, descriptions) is recorded in events:
# NIK-, phone- and passport-like numbers in it are masked on the way in (API.md: events never hold
# personal data in the clear). Trimmed; never empty, whitespace only, or holding control characters
# other than tab and line breaks, nor lone surrogates (which no database write survives).
FreeText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(multi_line), AfterValidator(mask_text)
]
# A name or a label on one line (a worker's or an employer's name, an occupation): trimmed, never empty,
# no control character at all.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(single_line)]
# A reference code (a P3MI's, a job order's): ASCII letters and digits, then `_`, `.` or `-`.
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=CODE)]
# The store keeps a P3MI id in 32 characters (a longer one would fail the write on PostgreSQL).
P3miId = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=CODE)]
# A version or a sequence number: the store keeps them as 32-bit integers, so a larger one would be an
# out-of-range error in PostgreSQL rather than an answer.
MAX_INT32 = 2**31 - 1


def _not_bool_or_text(value: object) -> object:
    """JSON `true` and `"3"` are not integers, though pydantic's lax mode would read them as 1 and 3
    (`{"expected_version": true}` acted on version 1)."""
    if isinstance(value, bool | str):
        raise ValueError("must be an integer")
    return value


# An integer of a JSON body is a number (`3`, or `3.0`), never a boolean or a string: put after the
# field's constraints (`Annotated[int, Field(ge=0), NOT_BOOL_OR_TEXT]`), which then stay in its schema.
NOT_BOOL_OR_TEXT = BeforeValidator(_not_bool_or_text)
Version = Annotated[int, Field(ge=0, le=MAX_INT32), NOT_BOOL_OR_TEXT]


def today(info: ValidationInfo) -> date:
    """Today, for the bounds of dates at the edge: the validation context's `today` (tests), else the clock.
    Only the API reads the clock; the domain's models keep fixed bounds (`domain.evidence`)."""
    given = info.context.get("today") if isinstance(info.context, dict) else None
    return given or datetime.now(UTC).date()


def _near_today(value: datetime, info: ValidationInfo) -> datetime:
    # The date as written, not shifted to UTC: the shift itself overflows at the calendar's ends
    # (`0001-01-01T00:00:00+07:00`), and a day either way is nothing against the window.
    now = today(info)
    if not now - DOCUMENT_WINDOW <= value.date() <= now + DOCUMENT_WINDOW:
        raise ValueError("time must be within 50 years of today")
    return value


# A time with zone near today (an event's `occurred_at`, a query's `as_of`): safe to shift to UTC.
RecentInstant = Annotated[AwareDatetime, AfterValidator(_near_today)]
