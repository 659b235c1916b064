"""The dashboard: the ministry's reports (API.md, Reports) as charts with their tables, for a period
and a province, each downloadable as CSV. Supervisors, auditors and admins, within their region, as
the reports' API allows."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BeforeValidator

from api.console import i18n
from api.console.charts import bar_chart
from api.console.forms import N_
from api.console.labels import label
from api.console.web import SignedIn, language, page
from api.deps import ServicesDep
from api.errors import ApiError
from api.routes.reports import Day as ReportDay
from api.services import reports
from domain.contracts import REPORTER_ROLES

router = APIRouter()

CHARTS = (
    ("placements", "month", N_("Placements by month of departure")),
    ("placements", "province_code", N_("Placements by province")),
    ("placements", "destination_country", N_("Placements by destination")),
    ("placements", "sector", N_("Placements by sector")),
    ("placements", "gender", N_("Placements by gender")),
    ("placements", "scheme", N_("Placements by scheme")),
    ("cases", "case_type", N_("Cases by type")),
    ("cases", "status", N_("Cases by status")),
    ("cases", "deadline", N_("First-response deadlines")),
)
TITLES = {(report, group): title for report, group, title in CHARTS}
GROUP_LABELS = {
    "month": N_("Month"),
    "province_code": N_("Province"),
    "destination_country": N_("Destination"),
    "sector": N_("Sector"),
    "gender": N_("Gender"),
    "scheme": N_("Scheme"),
    "case_type": N_("Type"),
    "status": N_("Status"),
    "deadline": N_("Deadline"),
}
DEADLINES = {"met": N_("met"), "missed": N_("missed"), "open": N_("open")}
# A date input left empty sends `from=`: no bound.
Day = Annotated[ReportDay | None, BeforeValidator(lambda value: value or None), Query()]
Province = Annotated[str | None, Query(pattern=r"^([0-9]{2})?$")]


def _reporter(who: Any) -> None:
    if who.caller.role not in REPORTER_ROLES:
        raise ApiError(403, "FORBIDDEN", "Reports are for supervisors, auditors and admins")


def _words(items: list[dict[str, Any]], group: str) -> dict[str, str]:
    """Each value of `group` as the page's language says it (a month or a code stays as it is)."""
    if group in ("month", "province_code", "destination_country", "scheme"):
        return {}
    source = DEADLINES if group == "deadline" else {}
    return {str(i[group]): i18n.gettext(source.get(str(i[group])) or label(i[group])) for i in items if i[group]}


async def _report(services: Any, who: Any, kind: str, group: str, since: Any, until: Any, province: Any) -> dict:
    return await reports.report(services, who.caller, kind, group, since, until, province or None)


@router.get("/dashboard")
async def dashboard(
    request: Request,
    services: ServicesDep,
    who: SignedIn,
    since: Annotated[Day, Query(alias="from")] = None,
    until: Annotated[Day, Query(alias="to")] = None,
    province_code: Province = None,
) -> Response:
    _reporter(who)
    query = {"from": since.isoformat() if since else "", "to": until.isoformat() if until else ""}
    query["province_code"] = province_code or ""
    panels = []
    with i18n.speaking(language(request)):
        for kind, group, title in CHARTS:
            answer = await _report(services, who, kind, group, since, until, province_code)
            words = _words(answer["items"], group)
            rows = [
                (words.get(str(i[group]), i[group] if i[group] is not None else "–"), i["count"])
                for i in answer["items"]
            ]
            panels.append({"report": kind, "group": group, "title": title, "rows": rows, "total": answer["total"]})
    context = {"panels": panels, "query": query, "group_labels": GROUP_LABELS}
    return page(request, "dashboard.html", context, signed_in=who)


async def one_report(
    kind: str,
    group: str,
    services: ServicesDep,
    who: SignedIn,
    since: Annotated[Day, Query(alias="from")] = None,
    until: Annotated[Day, Query(alias="to")] = None,
    province_code: Province = None,
) -> dict[str, Any]:
    """The report a chart or a CSV file of the dashboard is drawn from (404 for one it does not show)."""
    _reporter(who)
    if (kind, group) not in TITLES:
        raise ApiError(404, "NOT_FOUND", "No such report")
    return await _report(services, who, kind, group, since, until, province_code)


OneReport = Annotated[dict[str, Any], Depends(one_report)]


@router.get("/dashboard/{kind}/{group}.svg")
async def chart(request: Request, group: str, answer: OneReport) -> Response:
    with i18n.speaking(language(request)):
        words, empty = _words(answer["items"], group), i18n.gettext(N_("Nothing counted in this period."))
    # The page titles the chart; a chart opened on its own is titled by its file name.
    svg = await run_in_threadpool(bar_chart, answer["items"], group, words, "", empty)
    headers = {"Cache-Control": "private, max-age=60", "X-Content-Type-Options": "nosniff"}
    return Response(svg, media_type="image/svg+xml", headers=headers)


@router.get("/dashboard/{kind}/{group}.csv")
async def table(kind: str, group: str, answer: OneReport) -> Response:
    """The report as `GET /v1/reports/...` with `Accept: text/csv` answers it, to download."""
    headers = {"Content-Disposition": f'attachment; filename="{kind}-by-{group}.csv"'}
    return Response(reports.as_csv(answer), media_type="text/csv; charset=utf-8", headers=headers)
