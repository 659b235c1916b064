"""The access log as the API keeps it (docs/privacy.md): every response that holds a worker's personal
fields in the clear is recorded, before it is served, with who asked, when, for which journey and
through what; `GET /v1/audit/access-log` reads it back.

A read that cannot be recorded is not served: the database being down answers 503, as any read would.
"""

from datetime import datetime

import structlog

from api.auth import Caller
from api.schemas import MAX_INT32
from api.schemas.access_log import AccessEntry, AccessLogPage
from api.services.container import Services
from api.services.errors import invalid
from store.access_log import AccessFilters
from store.pagination import decode_cursor, encode_cursor
from store.timefmt import format_time

# The kinds of personal field each kind of response holds in the clear.
JOURNEY_FIELDS = ("full_name", "birth_date", "evidence")
PERSONAL_DATA_FIELDS = ("nik", "full_name", "birth_date", "phone", "family_phone", "passport_no")
EXPORT_FIELDS = (*JOURNEY_FIELDS, "workflow_histories")
CODEC_FIELDS = ("temporal_payloads",)
# A case holds what people wrote (its description, notes, resolutions), which may name anyone.
CASE_FIELDS = ("free_text",)


def _request_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")


async def record(
    services: Services, caller: Caller, journey_ids: list[str] | list[str | None], through: str, fields: tuple[str, ...]
) -> None:
    """Record that `caller` was served these journeys' personal `fields` through `through`."""
    await services.access_log.record(caller.sub, caller.role, list(journey_ids), through, list(fields), _request_id())


def _before(cursor: str | None) -> int | None:
    """The access id a cursor stands for (None: from the newest); 422 for one we did not issue."""
    if not cursor:
        return None
    try:
        before = int(decode_cursor(cursor) or 0)
    except ValueError:
        before = 0
    if not 1 <= before <= MAX_INT32:
        raise invalid(["cursor"], "The cursor is not valid")
    return before


async def list_access_log(
    services: Services,
    journey_id: str | None,
    sub: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
) -> AccessLogPage:
    """The access log, newest first, filtered by journey, person and time (inclusive)."""
    if since is not None and until is not None and since > until:
        raise invalid(["since"], "since is after until")
    filters = AccessFilters(
        journey_id=journey_id,
        sub=sub,
        since=format_time(since) if since is not None else None,
        until=format_time(until) if until is not None else None,
    )
    items, next_before = await services.access_log.list(filters, _before(cursor), limit)
    return AccessLogPage(
        items=[AccessEntry(**item) for item in items],
        next_cursor=encode_cursor(str(next_before)) if next_before is not None else None,
    )
