"""The journeys read model: newest version wins; filters, region scoping and pagination."""

from datetime import UTC, datetime

import pytest

from domain.contracts import JourneyProjection
from store.identity import ActiveJourneys
from store.read_model import JourneyFilters, JourneyReadModel

T = datetime(2026, 3, 1, 8, tzinfo=UTC)


def projection(journey_id: str, version: int = 1, **changes) -> JourneyProjection:
    values = {
        "journey_id": journey_id,
        "status": "active",
        "outcome": None,
        "phase": "pre_departure",
        "scheme": "P3MI",
        "province_code": "33",
        "destination_country": "TW",
        "p3mi_id": "P3MI-0007",
        "flags": [],
        "available_steps": ["medical_check"],
        "version": version,
        "started_at": T,
        "updated_at": T,
    }
    values.update(changes)
    values["document"] = {"journey_id": journey_id, "version": version, "updated_at": T, **changes}
    return JourneyProjection(**values)


async def test_an_older_version_never_overwrites_a_newer_one(engine):
    model = JourneyReadModel(engine)
    await model.upsert(projection("j_01", 3, available_steps=["passport"], flags=["document_expired"]))
    await model.upsert(projection("j_01", 2, available_steps=["medical_check"], flags=[]))
    doc = await model.get("j_01")
    assert doc["version"] == 3 and doc["updated_at"] == "2026-03-01T08:00:00Z"
    assert [d["journey_id"] for d in (await model.list(JourneyFilters(step="passport")))[0]] == ["j_01"]
    assert (await model.list(JourneyFilters(step="medical_check")))[0] == []
    assert len((await model.list(JourneyFilters(flag="document_expired")))[0]) == 1
    await model.upsert(projection("j_01", 3, available_steps=["passport"]))  # a retried write of the same version
    await model.upsert(projection("j_01", 4, available_steps=[], flags=[]))
    assert (await model.get("j_01"))["version"] == 4
    assert (await model.list(JourneyFilters(flag="document_expired")))[0] == []
    assert await model.get("j_missing") is None


async def test_the_read_model_leaves_the_nik_claim_to_its_owner(engine):
    # One owner (issue 9, item 12): storing an ended journey frees nothing; the journey's workflow
    # releases the NIK when it closes (`tests/workflows/test_nik_release.py`).
    model, active = JourneyReadModel(engine), ActiveJourneys(engine)
    await active.claim("hash-1", "j_01")
    await model.upsert(projection("j_01", 1))
    await model.upsert(projection("j_01", 2, status="ended", outcome="withdrawn"))
    assert await active.find("hash-1") == "j_01"
    assert [d["journey_id"] for d in (await model.list(JourneyFilters(status="ended")))[0]] == ["j_01"]


@pytest.fixture
async def journeys(engine) -> JourneyReadModel:
    model = JourneyReadModel(engine)
    rows = [
        projection("j_01", province_code="33", available_steps=["medical_check", "passport"]),
        projection("j_02", province_code="35", destination_country="HK", flags=["arrival_report_overdue"]),
        projection("j_03", province_code="33", scheme="G2G", p3mi_id=None, destination_country="KR"),
        projection("j_04", province_code="52", phase="employment", available_steps=[]),
        projection("j_05", province_code="33", flags=["arrival_report_overdue", "document_expired"]),
    ]
    for row in rows:
        await model.upsert(row)
    return model


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (JourneyFilters(), ["j_01", "j_02", "j_03", "j_04", "j_05"]),
        (JourneyFilters(step="passport"), ["j_01"]),
        (JourneyFilters(step="medical_check", province_code="33"), ["j_01", "j_03", "j_05"]),
        (JourneyFilters(flag="arrival_report_overdue"), ["j_02", "j_05"]),
        (JourneyFilters(province_codes=["33", "52"]), ["j_01", "j_03", "j_04", "j_05"]),
        (JourneyFilters(province_codes=["35"], flag="arrival_report_overdue"), ["j_02"]),
        (JourneyFilters(province_codes=[]), []),
        (JourneyFilters(scheme="G2G"), ["j_03"]),
        (JourneyFilters(phase="employment"), ["j_04"]),
        (JourneyFilters(destination_country="HK"), ["j_02"]),
        (JourneyFilters(p3mi_id="P3MI-0007", province_code="33"), ["j_01", "j_05"]),
    ],
)
async def test_list_filters(journeys, filters, expected):
    items, cursor = await journeys.list(filters)
    assert [d["journey_id"] for d in items] == expected
    assert cursor is None


async def test_list_pages_with_an_opaque_cursor(journeys):
    seen, cursor, pages = [], None, 0
    while True:
        items, cursor = await journeys.list(JourneyFilters(), limit=2, cursor=cursor)
        seen += [d["journey_id"] for d in items]
        pages += 1
        if cursor is None:
            break
        assert "j_" not in cursor
    assert seen == ["j_01", "j_02", "j_03", "j_04", "j_05"] and pages == 3
    with pytest.raises(ValueError):
        await journeys.list(JourneyFilters(), cursor="!!not-a-cursor")
