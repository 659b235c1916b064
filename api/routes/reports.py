"""`/v1/reports`: the ministry's numbers (API.md, Reports): supervisors, auditors and admins, within
their region; `Accept: text/csv` gives CSV."""

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.deps import Reporter, ServicesDep
from api.schemas.errors import error_responses
from api.schemas.reference import CalendarDate
from api.services import reports
from store.reports import CASE_GROUPS, PLACEMENT_GROUPS

router = APIRouter(prefix="/v1/reports", tags=["reports"])

_ERRORS = error_responses(
    {
        401: "UNAUTHENTICATED",
        403: "FORBIDDEN: reports are for supervisors, auditors and admins",
        422: "VALIDATION_ERROR with `fields` (an unknown `group_by`, a bad date, `from` after `to`)",
        503: "UNAVAILABLE (the database)",
    }
)


def _iso_day(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


class ReportOut(BaseModel):
    """Counts, one item per group that has any (each item: the group's values and `count`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    report: str
    group_by: list[str]
    # The first and last day counted, as given (`from` is a name Python keeps for itself).
    since: date | None = Field(None, alias="from")
    to: date | None = None
    province_code: str | None
    items: list[dict[str, Any]]
    total: int


Province = Annotated[str | None, Query(pattern=r"^[0-9]{2}$")]
# A day as `YYYY-MM-DD` only (a bare number is not a day, though pydantic would read `0` as 1970-01-01).
Day = Annotated[CalendarDate, BeforeValidator(_iso_day)]
Since = Annotated[Day | None, Query(alias="from", description="first day counted (inclusive), YYYY-MM-DD")]
Until = Annotated[Day | None, Query(alias="to", description="last day counted (inclusive), YYYY-MM-DD")]


def _answer(request: Request, answer: dict[str, Any]) -> Any:
    if "text/csv" in request.headers.get("accept", ""):
        filename = f"{answer['report']}.csv"
        return Response(
            reports.as_csv(answer),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return answer


_CSV = {"text/csv": {"schema": {"type": "string"}}}


def _report_route(kind: str, groups: tuple[str, ...], summary: str) -> None:
    """`GET /v1/reports/<kind>`: the counts as JSON, or CSV for `Accept: text/csv`."""

    async def report(
        request: Request,
        caller: Reporter,
        services: ServicesDep,
        group_by: Annotated[str | None, Query(max_length=200, description=", ".join(groups))] = None,
        since: Since = None,
        until: Until = None,
        province_code: Province = None,
    ) -> Any:
        answer = await reports.report(services, caller, kind, group_by, since, until, province_code)
        return _answer(request, answer)

    report.__name__ = f"{kind}_report"
    router.add_api_route(
        f"/{kind}",
        report,
        methods=["GET"],
        summary=summary,
        response_model=ReportOut,
        responses={200: {"content": _CSV}, **_ERRORS},
    )


_report_route(
    "placements",
    tuple(PLACEMENT_GROUPS),
    "Placements (departures) counted by month, province, destination, sector, gender or scheme",
)
_report_route("cases", CASE_GROUPS, "Protection cases counted by type, status and first-response deadline")
