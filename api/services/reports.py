"""The ministry's reports (API.md, Reports): the counts `store.reports` makes, within the caller's
region, as JSON or as CSV."""

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from api.auth import Caller
from api.services.container import Services
from api.services.errors import invalid
from store.reports import CASE_GROUPS, PLACEMENT_GROUPS, ReportFilters

GROUPS = {"placements": tuple(PLACEMENT_GROUPS), "cases": CASE_GROUPS}


def group_names(report: str, group_by: str | None) -> list[str]:
    """`month,scheme` -> the groups, each once, in the order given; 422 naming `group_by` for any other."""
    names = [name.strip() for name in (group_by or "").split(",") if name.strip()]
    if any(name not in GROUPS[report] for name in names):
        raise invalid(["group_by"], f"group_by takes {', '.join(GROUPS[report])}")
    return list(dict.fromkeys(names))


async def report(
    services: Services,
    caller: Caller,
    kind: str,
    group_by: str | None,
    since: date | None,
    until: date | None,
    province_code: str | None,
) -> dict[str, Any]:
    names = group_names(kind, group_by)
    if since is not None and until is not None and since > until:
        raise invalid(["from"], "from is after to")
    filters = ReportFilters(since, until, province_code, caller.province_codes)
    if kind == "placements":
        items = await services.reports.placements(names, filters)
    else:
        items = await services.reports.cases(names, filters, datetime.now(UTC))
    return {
        "report": kind,
        "group_by": names,
        "from": since.isoformat() if since else None,
        "to": until.isoformat() if until else None,
        "province_code": province_code,
        "items": items,
        "total": sum(item["count"] for item in items),
    }


def as_csv(answer: dict[str, Any]) -> str:
    """The report's rows as CSV: a column per group, then `count`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = [*answer["group_by"], "count"]
    writer.writerow(columns)
    for item in answer["items"]:
        writer.writerow(["" if item[c] is None else item[c] for c in columns])
    return out.getvalue()
