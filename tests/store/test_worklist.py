"""The worklist's rows (issue 10, `store.worklist`), on SQLite and PostgreSQL: what waits in a journey
and in a case, in order of when it falls due, within the caller's region and the filters, counted;
documents only inside the lapsing window; nothing once a journey has ended or a case has had its first
response; an older projection arriving late changes nothing; and migration 0010 fills them in for the
journeys and cases stored before it."""

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from domain.contracts import JourneyProjection
from store.cases import CaseReadModel
from store.migrate import alembic_config
from store.read_model import JourneyReadModel, journey_row
from store.tables import journeys
from store.worklist import Worklist, WorklistFilters
from tests.store.test_cases import projection as case_projection

NOW = datetime(2026, 3, 10, 8, tzinfo=UTC)


def z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def journey(n: int, province: str = "33", version: int = 2, status: str = "active", **document) -> JourneyProjection:
    jid = f"j_{n:026d}"
    steps = document.pop("steps", [])
    doc = {"journey_id": jid, "status": status, "steps": steps, "flags": document.pop("flags", []), **document}
    return JourneyProjection(
        journey_id=jid, status=status, outcome=None, phase=document.get("phase", "pre_departure"), scheme="P3MI",
        province_code=province, destination_country="TW", p3mi_id="P3MI-0007", flags=doc["flags"],
        available_steps=[s["step"] for s in steps if s["state"] == "available"], version=version,
        started_at=NOW, updated_at=NOW, document=doc,
    )  # fmt: skip


def step(name: str, state: str, due: datetime | None = None, valid: datetime | None = None) -> dict:
    return {"step": name, "state": state, "due_at": z(due) if due else None, "valid_until": z(valid) if valid else None}


def what(rows: list[dict]) -> list[tuple[str, str, str]]:
    return [(r["journey_id"][-2:], r["kind"], r["what"]) for r in rows]


async def test_the_worklist_is_what_waits_in_order_of_when_it_falls_due(engine):
    model, cases, worklist = JourneyReadModel(engine), CaseReadModel(engine), Worklist(engine)
    await model.upsert(journey(1, steps=[
        step("registration", "completed"),  # done
        step("family_consent", "available", due=NOW + timedelta(days=5)),
        step("medical_check", "completed", valid=NOW + timedelta(days=10)),  # lapses within the window
        step("passport", "completed", valid=NOW + timedelta(days=400)),  # not for a long time
        step("employment", "available"),  # the engine's, not an officer's
    ]))  # fmt: skip
    await model.upsert(journey(2, phase="placement", flags=["arrival_report_overdue"], steps=[
        step("arrival_report", "available", due=NOW - timedelta(days=2)),
    ], follow_ups=[{"number": 1, "status": "due", "due_at": z(NOW + timedelta(days=20))}]))  # fmt: skip
    await model.upsert(journey(3, province="35", steps=[step("family_consent", "available")]))
    first = "j_" + "0" * 25 + "1"
    await cases.upsert(case_projection("c_01", journey_id=first, first_response_due_at=NOW + timedelta(hours=3)))

    region = WorklistFilters(province_codes=["33"])
    rows = await worklist.page(region, NOW, 30, 50, 0)
    assert what(rows) == [
        ("02", "arrival", "arrival_report"),  # two days overdue
        ("01", "case", "unpaid_wages"),  # its first response is due in three hours
        ("01", "step", "family_consent"),
        ("01", "document", "medical_check"),
        ("02", "follow_up", "1"),
    ]
    counts = await worklist.counts(region, NOW, 30)
    assert (counts["total"], counts["overdue"], counts["step"], counts["case"], counts["document"]) == (5, 1, 1, 1, 1)
    # East Java's officer sees East Java's; an auditor's region is every province.
    assert what(await worklist.page(WorklistFilters(province_codes=["35"]), NOW, 30, 50, 0)) == [
        ("03", "step", "family_consent")
    ]
    assert len(await worklist.page(WorklistFilters(), NOW, 30, 50, 0)) == 6
    # Filters, a longer window, and pages.
    assert what(await worklist.page(WorklistFilters(["33"], step="family_consent"), NOW, 30, 50, 0)) == [
        ("01", "step", "family_consent")
    ]
    assert [r["kind"] for r in await worklist.page(WorklistFilters(["33"], phase="placement"), NOW, 30, 50, 0)] == [
        "arrival", "follow_up"
    ]  # fmt: skip
    assert ("01", "document", "passport") in what(await worklist.page(region, NOW, 500, 50, 0))
    assert what(await worklist.page(region, NOW, 30, 2, 2)) == what(rows)[2:4]


async def test_an_ended_journey_a_first_response_and_a_late_projection(engine):
    model, cases, worklist = JourneyReadModel(engine), CaseReadModel(engine), Worklist(engine)
    await model.upsert(journey(1, version=3, steps=[step("family_consent", "available")]))
    older = [step("family_consent", "available"), step("passport", "available")]
    await model.upsert(journey(1, version=2, steps=older))
    assert what(await worklist.page(WorklistFilters(), NOW, 30, 50, 0)) == [("01", "step", "family_consent")]
    await model.upsert(journey(1, version=4, status="ended", steps=[step("family_consent", "available")]))
    assert await worklist.page(WorklistFilters(), NOW, 30, 50, 0) == []

    await cases.upsert(case_projection("c_01", 1))
    assert [r["kind"] for r in await worklist.page(WorklistFilters(), NOW, 30, 50, 0)] == ["case"]
    await cases.upsert(case_projection("c_01", 2, status="verified", first_response_at=NOW))
    await cases.upsert(case_projection("c_01", 1))  # the first version again, late
    assert await worklist.page(WorklistFilters(), NOW, 30, 50, 0) == []


async def test_migration_0010_fills_the_worklist_in_for_what_was_stored_before_it(engine):
    url = engine.url
    if engine.dialect.name == "postgresql":  # the test's database is a schema (`tests.store.databases`)
        async with engine.connect() as conn:
            url = url.update_query_dict(
                {"search_path": (await conn.execute(sa.text("SELECT current_schema()"))).scalar()}
            )
    url = url.render_as_string(hide_password=False)
    await engine.dispose()
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0009")
    before = journey(1, steps=[step("family_consent", "available", due=NOW)])
    row = journey_row(before)
    async with engine.begin() as conn:
        await conn.execute(journeys.insert(), [row])  # the table as it was at 0009: 0010 adds one
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    assert what(await Worklist(engine).page(WorklistFilters(), NOW, 30, 50, 0)) == [("01", "step", "family_consent")]
