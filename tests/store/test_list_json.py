"""Lists as stored JSON text (`list_json`): exactly the documents `list` gives, in the same order,
with the same cursors, without parsing them; and a page read in order from an index (SQLite and PostgreSQL)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from domain.contracts import CaseProjection, JourneyProjection
from store.cases import CaseFilters, CaseReadModel
from store.read_model import JourneyFilters, JourneyReadModel

T = datetime(2026, 3, 1, 8, tzinfo=UTC)


def journey(n: int, province: str, **changes) -> JourneyProjection:
    jid = f"j_{n:04d}"
    values = {
        "journey_id": jid,
        "status": "active",
        "outcome": None,
        "phase": "pre_departure",
        "scheme": "P3MI",
        "province_code": province,
        "destination_country": "TW",
        "p3mi_id": "P3MI-0007",
        "flags": ["document_expired"] if n % 3 == 0 else [],
        "available_steps": ["passport"] if n % 2 else ["medical_check"],
        "version": n,
        "started_at": T,
        "updated_at": T + timedelta(minutes=n),
    }
    values.update(changes)
    document = {
        "journey_id": jid,
        "version": n,
        # Non-ASCII, quotes, a backslash and nesting: the text must survive as it is stored.
        "worker": {"full_name": f"Ni Luh Putu Ayu Sriwahyuni “{n}” \\ Ñ", "province_code": province},
        "steps": [{"step": "passport", "state": "available", "evidence": {}}, {"step": "x", "state": None}],
        "flags": values["flags"],
        "overdue": None,
    }
    return JourneyProjection(**values, document=document)


async def fill(model: JourneyReadModel) -> None:
    for n in range(1, 13):
        await model.upsert(journey(n, "33" if n % 4 else "35", status="ended" if n == 7 else "active"))


async def every_page(list_page, filters, limit: int) -> tuple[list, list]:
    items, cursors, cursor = [], [], None
    while True:
        page, cursor = await list_page(filters, limit, cursor)
        items += page
        cursors.append(cursor)
        if cursor is None:
            return items, cursors


async def test_list_json_gives_exactly_the_documents_list_gives(engine):
    model = JourneyReadModel(engine)
    await fill(model)
    for filters in (
        JourneyFilters(),
        JourneyFilters(province_codes=["33"]),
        JourneyFilters(status="ended"),
        JourneyFilters(step="passport", province_codes=["33"]),
        JourneyFilters(flag="document_expired"),
        JourneyFilters(province_code="35", province_codes=["33"]),
    ):
        texts, text_cursors = await every_page(model.list_json, filters, 5)
        docs, doc_cursors = await every_page(model.list, filters, 5)
        assert all(isinstance(t, str) for t in texts)
        assert [json.loads(t) for t in texts] == docs
        assert text_cursors == doc_cursors
        assert docs == [await model.get(d["journey_id"]) for d in docs]
    ids = [json.loads(t)["journey_id"] for t in (await model.list_json(JourneyFilters(province_codes=["33"]), 50))[0]]
    assert ids == sorted(ids) and len(ids) == 9


async def test_the_case_list_as_text_carries_overdue_as_the_parsed_list_does(engine):
    model = CaseReadModel(engine)
    due = T + timedelta(hours=24)
    base = {
        "journey_id": "j_01",
        "case_type": "unpaid_wages",
        "severity": "medium",
        "province_code": "33",
        "first_response_due_at": due,
        "first_response_at": None,
        "escalated": False,
        "escalated_to": None,
        "version": 1,
        "opened_at": T,
        "updated_at": T,
        "closed_at": None,
    }
    documents = {
        "c_01": {"case_id": "c_01", "case_type": "gaji “tidak dibayar”"},
        "c_02": {"case_id": "c_02", "overdue": "stale value"},  # a member of that name is replaced
        "c_03": {},
    }
    for case_id, document in documents.items():
        status = "closed" if case_id == "c_03" else "reported"
        await model.upsert(CaseProjection(case_id=case_id, status=status, document=document, **base))
    late = due + timedelta(hours=1)
    texts, _ = await model.list_json(CaseFilters(), now=late)
    assert [json.loads(t) for t in texts] == [
        {"case_id": "c_01", "case_type": "gaji “tidak dibayar”", "personal_data": "masked", "overdue": True},
        {"case_id": "c_02", "personal_data": "masked", "overdue": True},
        {"personal_data": "masked", "overdue": False},
    ]
    assert [json.loads(t) for t in texts] == (await model.list(CaseFilters(), now=late))[0]
    early, _ = await model.list_json(CaseFilters(overdue=False), now=T)
    assert [json.loads(t)["overdue"] for t in early] == [False, False, False]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_a_page_of_a_region_is_read_in_order_from_an_index_not_sorted(engine):
    """The list's own statements, explained: no sort of every match for a region, a status or a phase.
    (SQLite only: on a dozen rows PostgreSQL's planner rightly prefers other plans.)"""
    model = JourneyReadModel(engine)
    await fill(model)
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "journeys" in statement:
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        for filters in (
            JourneyFilters(province_codes=["33"]),
            JourneyFilters(province_codes=["33"], status="active"),
            JourneyFilters(phase="pre_departure"),
        ):
            await model.list_json(filters, 5)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert len(statements) == 3
    async with engine.connect() as conn:
        sqlite = (await conn.get_raw_connection()).driver_connection
        for statement, parameters in statements:
            rows = await sqlite.execute_fetchall(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plan = " ".join(str(row[-1]) for row in rows)
            assert "TEMP B-TREE" not in plan and "USING INDEX ix_journeys_" in plan, plan
