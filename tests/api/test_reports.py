"""The ministry's reports (API.md, Reports; issue 10): placements and cases counted from the read model,
grouped and filtered, within the caller's region, as JSON or CSV; on SQLite and PostgreSQL."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.contracts import CaseProjection, JourneyProjection
from store.cases import CaseReadModel
from store.read_model import JourneyReadModel
from tests.api.conftest import bearer
from tests.api.test_list_pages import list_settings  # noqa: F401  (the fixture: a store of each backend)

T = datetime(2026, 3, 1, 8, tzinfo=UTC)


def journey(
    n: int, province: str, destination: str, scheme: str, gender: str, departed: date | None, sector="informal"
):
    return JourneyProjection(
        journey_id=f"j_{n:026d}",
        status="active",
        outcome=None,
        phase="placement" if departed else "pre_departure",
        scheme=scheme,
        province_code=province,
        destination_country=destination,
        p3mi_id="P3MI-0007" if scheme == "P3MI" else None,
        flags=[],
        available_steps=[],
        version=1,
        started_at=T,
        updated_at=T,
        document={"journey_id": f"j_{n:026d}"},
        sector=sector,
        gender=gender,
        departed_on=departed,
    )


def a_case(n: int, province: str, case_type: str, status: str, due: datetime, answered: datetime | None):
    return CaseProjection.model_validate(
        {
            "case_id": f"c_{n:026d}",
            "journey_id": f"j_{n:026d}",
            "case_type": case_type,
            "status": status,
            "severity": "high",
            "province_code": province,
            "first_response_due_at": due,
            "first_response_at": answered,
            "escalated": False,
            "escalated_to": None,
            "version": 1,
            "opened_at": T,
            "updated_at": T,
            "closed_at": None,
            "document": {"case_id": f"c_{n:026d}"},
        }
    )


@pytest.fixture
async def seeded(app_with):
    app = app_with
    engine = app.state.services.engine
    model, case_model = JourneyReadModel(engine), CaseReadModel(engine)
    rows = [
        journey(1, "33", "TW", "P3MI", "F", date(2026, 3, 2)),
        journey(2, "33", "TW", "P3MI", "F", date(2026, 3, 30)),
        journey(3, "33", "HK", "P3MI", "F", date(2026, 4, 1)),
        journey(4, "35", "KR", "G2G", "M", date(2026, 4, 15), sector="formal"),
        journey(5, "33", "TW", "P3MI", "F", None),  # not departed: no placement
    ]
    for row in rows:
        await model.upsert(row)
    now = datetime.now(UTC)
    for case in (
        a_case(1, "33", "unpaid_wages", "verified", now - timedelta(days=1), now - timedelta(days=2)),  # met
        a_case(2, "33", "unpaid_wages", "reported", now - timedelta(hours=1), None),  # missed
        a_case(3, "33", "trafficking", "reported", now + timedelta(hours=5), None),  # open
        a_case(4, "35", "abuse", "verified", now - timedelta(days=3), now - timedelta(days=1)),  # missed (late)
    ):
        await case_model.upsert(case)
    return app


@pytest.fixture
async def app_with(list_settings):  # noqa: F811
    from api.app import create_app

    app = create_app(list_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(seeded):
    import httpx

    transport = httpx.ASGITransport(app=seeded, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
        yield c, seeded.state.settings


def _counts(body: dict, *keys: str) -> dict:
    return {tuple(item[k] for k in keys): item["count"] for item in body["items"]}


async def test_placements_are_departures_grouped_by_month_and_scheme(client):
    c, settings = client
    r = await c.get(
        "/v1/reports/placements", params={"group_by": "month,scheme"}, headers=bearer(settings, "auditor", "*")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["group_by"] == ["month", "scheme"] and body["total"] == 4
    assert _counts(body, "month", "scheme") == {("2026-03", "P3MI"): 2, ("2026-04", "G2G"): 1, ("2026-04", "P3MI"): 1}


async def test_every_grouping_and_the_period_filter(client):
    c, settings = client
    auditor = bearer(settings, "auditor", "*")
    params = {"group_by": "destination_country,gender,sector,province_code", "from": "2026-03-15", "to": "2026-04-01"}
    body = (await c.get("/v1/reports/placements", params=params, headers=auditor)).json()
    assert _counts(body, "destination_country", "gender", "sector", "province_code") == {
        ("HK", "F", "informal", "33"): 1,
        ("TW", "F", "informal", "33"): 1,
    }
    body = (await c.get("/v1/reports/placements", headers=auditor)).json()
    assert body["items"] == [{"count": 4}] and body["total"] == 4


async def test_a_supervisor_counts_only_the_region(client):
    c, settings = client
    body = (
        await c.get(
            "/v1/reports/placements", params={"group_by": "province_code"}, headers=bearer(settings, "supervisor", "33")
        )
    ).json()
    assert _counts(body, "province_code") == {("33",): 3}
    other = await c.get(
        "/v1/reports/placements", params={"province_code": "35"}, headers=bearer(settings, "supervisor", "33")
    )
    assert other.json()["items"] == [] and other.json()["total"] == 0


async def test_cases_by_type_and_deadline(client):
    c, settings = client
    body = (
        await c.get("/v1/reports/cases", params={"group_by": "deadline"}, headers=bearer(settings, "auditor", "*"))
    ).json()
    assert _counts(body, "deadline") == {("met",): 1, ("missed",): 2, ("open",): 1}
    body = (
        await c.get(
            "/v1/reports/cases", params={"group_by": "case_type,status"}, headers=bearer(settings, "admin", "*")
        )
    ).json()
    assert _counts(body, "case_type", "status") == {
        ("abuse", "verified"): 1,
        ("trafficking", "reported"): 1,
        ("unpaid_wages", "reported"): 1,
        ("unpaid_wages", "verified"): 1,
    }


async def test_a_report_downloads_as_csv(client):
    c, settings = client
    headers = {**bearer(settings, "auditor", "*"), "Accept": "text/csv"}
    r = await c.get("/v1/reports/cases", params={"group_by": "deadline"}, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows == [["deadline", "count"], ["met", "1"], ["missed", "2"], ["open", "1"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "month,nik"}, "group_by"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "from"),
        ({"to": "soon"}, "to"),
    ],
)
async def test_a_bad_report_request_is_a_validation_error(client, params, field):
    c, settings = client
    r = await c.get("/v1/reports/placements", params=params, headers=bearer(settings, "auditor", "*"))
    assert r.status_code == 422 and r.json()["error"]["fields"] == [field]


async def test_officers_may_not_read_reports(client):
    c, settings = client
    r = await c.get("/v1/reports/cases", headers=bearer(settings, "officer", "33"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
