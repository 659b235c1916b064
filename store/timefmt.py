"""The one text format of times in the store and in event documents: `2026-03-01T08:00:00.123456Z`."""

from datetime import UTC, datetime


def format_time(value: datetime) -> str:
    """UTC, always microseconds, `Z` zone. A naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_text() -> str:
    return format_time(datetime.now(UTC))
