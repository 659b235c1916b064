"""The protection cases read model: newest version wins; filters, region scoping, pagination and
the supervisor's overdue queue (on SQLite and PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.contracts import CaseProjection
from store.cases import CaseFilters, CaseReadModel

T = datetime(2026, 3, 2, 8, tzinfo=UTC)
DUE = T + timedelta(hours=24)


def projection(case_id: str, version: int = 1, **changes) -> CaseProjection:
    values = {
        "case_id": case_id,
        "journey_id": "j_01",
        "case_type": "unpaid_wages",
        "status": "reported",
        "severity": "medium",
        "province_code": "33",
        "first_response_due_at": DUE,
        "first_response_at": None,
        "escalated": False,
        "escalated_to": None,
        "version": version,
        "opened_at": T,
        "updated_at": T,
        "closed_at": None,
    }
    values.update(changes)
    values["document"] = {"case_id": case_id, "version": version, "status": values["status"]}
    return CaseProjection(**values)


def ids(items: list[dict]) -> list[str]:
    return [d["case_id"] for d in items]


async def test_an_older_version_never_overwrites_a_newer_one(engine):
    model = CaseReadModel(engine)
    await model.upsert(projection("c_01", 3, status="verified", first_response_at=T + timedelta(hours=1)))
    await model.upsert(projection("c_01", 2, status="reported"))
    doc = await model.get("c_01", now=T)
    assert (doc["version"], doc["status"], doc["overdue"]) == (3, "verified", False)
    assert ids((await model.list(CaseFilters(status="verified"), now=T))[0]) == ["c_01"]
    assert (await model.list(CaseFilters(status="reported"), now=T))[0] == []
    await model.upsert(projection("c_01", 3, status="verified"))  # a retried write of the same version
    await model.upsert(projection("c_01", 4, status="closed", closed_at=T + timedelta(days=2)))
    assert (await model.get("c_01"))["status"] == "closed"
    assert await model.get("c_missing") is None


async def test_filters_region_scoping_and_pagination(engine):
    model = CaseReadModel(engine)
    await model.upsert(projection("c_01", province_code="33", case_type="unpaid_wages"))
    await model.upsert(projection("c_02", province_code="35", case_type="violence", journey_id="j_02"))
    await model.upsert(projection("c_03", province_code="33", case_type="violence", status="verified"))
    await model.upsert(projection("c_04", province_code="52", case_type="fraud", journey_id="j_02"))

    async def listed(**filters) -> list[str]:
        return ids((await model.list(CaseFilters(**filters), now=T))[0])

    assert await listed() == ["c_01", "c_02", "c_03", "c_04"]
    assert await listed(case_type="violence") == ["c_02", "c_03"]
    assert await listed(province_code="33") == ["c_01", "c_03"]
    assert await listed(status="verified") == ["c_03"]
    assert await listed(journey_id="j_02") == ["c_02", "c_04"]
    assert await listed(province_codes=["33", "52"]) == ["c_01", "c_03", "c_04"]
    assert await listed(province_codes=["35"], case_type="fraud") == []
    assert await listed(province_codes=[]) == []

    first, cursor = await model.list(CaseFilters(), limit=3, now=T)
    assert ids(first) == ["c_01", "c_02", "c_03"] and cursor is not None
    second, end = await model.list(CaseFilters(), limit=3, cursor=cursor, now=T)
    assert ids(second) == ["c_04"] and end is None
    scoped, cursor = await model.list(CaseFilters(province_codes=["33", "52"]), limit=2, now=T)
    assert ids(scoped) == ["c_01", "c_03"]
    assert ids((await model.list(CaseFilters(province_codes=["33", "52"]), limit=2, cursor=cursor, now=T))[0]) == [
        "c_04"
    ]
    with pytest.raises(ValueError):
        await model.list(CaseFilters(), cursor="!!not-ours!!")


async def test_the_overdue_queue(engine):
    model = CaseReadModel(engine)
    late = T + timedelta(hours=30)  # past DUE
    await model.upsert(projection("c_01"))  # past due, no first response: overdue
    await model.upsert(projection("c_02", first_response_at=T + timedelta(hours=2), status="verified"))  # answered
    await model.upsert(projection("c_03", status="closed", closed_at=T + timedelta(hours=3)))  # closed
    await model.upsert(projection("c_04", first_response_due_at=late + timedelta(hours=1)))  # not yet due
    await model.upsert(projection("c_05", status="resolved", first_response_due_at=DUE))  # open, never answered

    overdue, _ = await model.list(CaseFilters(overdue=True), now=late)
    assert ids(overdue) == ["c_01", "c_05"] and all(d["overdue"] for d in overdue)
    rest, _ = await model.list(CaseFilters(overdue=False), now=late)
    assert ids(rest) == ["c_02", "c_03", "c_04"] and not any(d["overdue"] for d in rest)
    every = {d["case_id"]: d["overdue"] for d in (await model.list(CaseFilters(), now=late))[0]}
    assert every == {"c_01": True, "c_02": False, "c_03": False, "c_04": False, "c_05": True}
    # Exactly at the deadline it is not yet overdue; before it nothing is.
    assert (await model.list(CaseFilters(overdue=True), now=DUE))[0] == []
    assert (await model.list(CaseFilters(overdue=True), now=T))[0] == []
    assert (await model.get("c_01", now=late))["overdue"] is True

    # Once answered, or closed, the case leaves the queue.
    await model.upsert(projection("c_01", 2, status="verified", first_response_at=late))
    await model.upsert(projection("c_05", 2, status="closed", closed_at=late))
    assert (await model.list(CaseFilters(overdue=True), now=late))[0] == []
    # Combined with region scoping.
    await model.upsert(projection("c_06", province_code="35"))
    assert ids((await model.list(CaseFilters(overdue=True, province_codes=["33"]), now=late))[0]) == []
    assert ids((await model.list(CaseFilters(overdue=True, province_codes=["35"]), now=late))[0]) == ["c_06"]


async def test_overdue_defaults_to_the_current_time(engine):
    model = CaseReadModel(engine)
    now = datetime.now(UTC)
    await model.upsert(projection("c_01", first_response_due_at=now - timedelta(minutes=5)))
    await model.upsert(projection("c_02", first_response_due_at=now + timedelta(days=1)))
    assert ids((await model.list(CaseFilters(overdue=True)))[0]) == ["c_01"]
    assert (await model.get("c_02"))["overdue"] is False
