"""The worklist's rows (issue 10): everything in a journey or a case that waits for a person, kept
with the read model so the console's landing page is one indexed query however many journeys the
region holds.

What waits, and how urgent a tie is (`priority`; the order itself is when it falls due):

- a case with no first response yet: its first-response deadline (0);
- an overdue arrival report: its due date (1);
- a document that has lapsed or will within the window asked for: its last valid day (2);
- a reintegration follow-up that is due, an officer's open task (3);
- a step an officer can do: its due date, if it has one (4).

Documents are written whatever their validity; the query keeps those inside the window, so a
document enters the worklist as its day comes near, with nothing rewritten.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.contracts import CaseProjection, JourneyProjection
from domain.decide import ARRIVAL_OVERDUE
from domain.events import instant
from domain.steps import ACTIONABLE, PRE_DEPARTURE_DOCUMENTS, STEP_BY_ID
from store.tables import work_items
from store.timefmt import format_time

NEVER = "9999-12-31T23:59:59.999999Z"  # `sort_at` of what has no date: last
# Documents that matter once the worker has left (her passport, her cover, her visa).
ABROAD = ("passport", "social_security", "work_visa")
OPEN_CASE = ("reported", "verified", "in_progress")
KINDS = ("case", "arrival", "document", "follow_up", "task", "step")


def _time(text: str | None) -> str | None:
    return format_time(instant(text)) if text else None


def _item(p: Any, subject: str, item: str, kind: str, what: str, due: str | None, priority: int) -> dict:
    return {
        "subject_id": subject,
        "item": item,
        "journey_id": p["journey_id"],
        "kind": kind,
        "what": what,
        "due_at": due,
        "sort_at": due or NEVER,
        "priority": priority,
        "province_code": p["province_code"],
        "phase": p.get("phase"),
        "scheme": p.get("scheme"),
        "p3mi_id": p.get("p3mi_id"),
    }


def journey_items(projection: JourneyProjection) -> list[dict[str, Any]]:
    """The rows of what in the journey waits for a person (none once it has ended)."""
    if projection.status != "active":
        return []
    doc = projection.document
    p = {
        "journey_id": projection.journey_id,
        "province_code": projection.province_code,
        "phase": projection.phase,
        "scheme": projection.scheme,
        "p3mi_id": projection.p3mi_id,
    }
    jid, out = projection.journey_id, []
    documents = PRE_DEPARTURE_DOCUMENTS if projection.phase == "pre_departure" else ABROAD
    for step in doc.get("steps", []):
        name, state = step.get("step"), step.get("state")
        if name == "arrival_report" and ARRIVAL_OVERDUE in projection.flags and state in ACTIONABLE:
            out.append(_item(p, jid, "arrival", "arrival", name, _time(step.get("due_at")), 1))
        elif state in ACTIONABLE and name in STEP_BY_ID and not STEP_BY_ID[name].system_only:
            out.append(_item(p, jid, f"step:{name}", "step", name, _time(step.get("due_at")), 4))
        if state == "completed" and name in documents and step.get("valid_until"):
            out.append(_item(p, jid, f"document:{name}", "document", name, _time(step.get("valid_until")), 2))
    for follow_up in doc.get("follow_ups") or []:
        if follow_up.get("status") == "due":
            number = str(follow_up.get("number"))
            out.append(_item(p, jid, f"follow_up:{number}", "follow_up", number, _time(follow_up.get("due_at")), 3))
    for task in doc.get("tasks") or []:
        if task.get("status") == "open":
            name = str(task.get("task"))
            out.append(_item(p, jid, f"task:{name}", "task", name, _time(task.get("opened_at")), 3))
    return out


def case_items(projection: CaseProjection) -> list[dict[str, Any]]:
    """The row of an open case still waiting for its first response (none otherwise)."""
    if projection.status not in OPEN_CASE or projection.first_response_at is not None:
        return []
    p = {"journey_id": projection.journey_id, "province_code": projection.province_code}
    due = format_time(projection.first_response_due_at)
    return [_item(p, projection.case_id, "case", "case", projection.case_type, due, 0)]


_DELETE_ITEMS = delete(work_items).where(work_items.c.subject_id == bindparam("subject_id"))
_INSERT_ITEMS = work_items.insert()


async def replace_items(conn: AsyncConnection, subject_id: str, rows: list[dict[str, Any]]) -> None:
    """The subject's rows become `rows` (within the caller's transaction: the read-model row's)."""
    await conn.execute(_DELETE_ITEMS, {"subject_id": subject_id})
    if rows:
        await conn.execute(_INSERT_ITEMS, rows)


@dataclass(frozen=True)
class WorklistFilters:
    """The worklist's filters; None is "any". `province_codes` is the caller's region."""

    province_codes: list[str] | None = None
    province_code: str | None = None
    phase: str | None = None
    scheme: str | None = None
    p3mi_id: str | None = None
    step: str | None = None
    kind: str | None = None


class Worklist:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _where(self, filters: WorklistFilters, now: datetime, lapsing_days: int) -> Any:
        t = work_items.c
        lapsing = format_time(now + timedelta(days=lapsing_days))
        clauses = [or_(t.kind != "document", t.sort_at <= lapsing)]
        if filters.province_codes is not None:
            clauses.append(t.province_code.in_(filters.province_codes))
        for name in ("province_code", "phase", "scheme", "p3mi_id", "kind"):
            value = getattr(filters, name)
            if value is not None:
                clauses.append(t[name] == value)
        if filters.step is not None:
            clauses.append(and_(t.what == filters.step, t.kind.in_(("step", "document", "arrival"))))
        return and_(*clauses)

    async def page(
        self, filters: WorklistFilters, now: datetime, lapsing_days: int, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """The rows in order of when they fall due (what has no date last), a tie by priority."""
        t = work_items.c
        query = (
            select(work_items)
            .where(self._where(filters, now, lapsing_days))
            .order_by(t.sort_at, t.priority, t.subject_id, t.item)
            .limit(limit)
            .offset(offset)
        )
        async with self._engine.connect() as conn:
            return [dict(row._mapping) for row in await conn.execute(query)]

    async def counts(self, filters: WorklistFilters, now: datetime, lapsing_days: int) -> dict[str, int]:
        """How many rows of each kind, and how many of them are past due (`overdue`)."""
        t = work_items.c
        overdue = func.sum(case((t.due_at < format_time(now), 1), else_=0))
        query = select(t.kind, func.count(), overdue).where(self._where(filters, now, lapsing_days)).group_by(t.kind)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        out = {kind: 0 for kind in KINDS} | {row[0]: int(row[1]) for row in rows}
        out["overdue"] = sum(int(row[2] or 0) for row in rows)
        out["total"] = sum(int(row[1]) for row in rows)
        return out
