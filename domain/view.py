"""The journey as API.md shows it, and its read-model projection; both derived from state only."""

from typing import Any

from domain.contracts import JourneyProjection
from domain.events import utc_text
from domain.state import JourneyState


def journey_view(state: JourneyState) -> dict[str, Any]:
    """The journey shape of API.md (personal data masked)."""
    steps = []
    for s in state.steps.values():
        item: dict[str, Any] = {"step": s.step, "state": s.state}
        if s.completed_at:
            item["completed_at"] = utc_text(s.completed_at)
        if s.evidence:
            item["evidence"] = dict(s.evidence)
        if s.reason:
            item["reason"] = s.reason
        item["due_at"] = utc_text(s.due_at)
        item["valid_until"] = utc_text(s.valid_until)
        steps.append(item)
    return (
        {
            "journey_id": state.journey_id,
            "status": state.status,
            "outcome": state.outcome,
            "phase": state.phase,
            "scheme": state.scheme,
            "version": state.version,
            "worker": state.worker.model_dump(mode="json"),
            "destination_country": state.destination_country,
            "p3mi_id": state.p3mi_id,
            "job_order_id": state.job_order_id,
            "occupation": state.occupation,
            "sector": state.sector,
            "contract_end": state.contract_end.isoformat() if state.contract_end else None,
            "steps": steps,
            "open_cases": [c.model_dump() for c in state.open_cases],
            "flags": list(state.flags),
            "started_at": utc_text(state.started_at),
            "updated_at": utc_text(state.updated_at),
            "ended_at": utc_text(state.ended_at),
        }
        | _follow_ups(state)
        | _tasks(state)
    )


def _tasks(state: JourneyState) -> dict[str, Any]:
    """The officer's tasks (rules 5), once there are any."""
    if not state.tasks:
        return {}
    items = [
        {
            "task": t.task,
            "status": "done" if t.closed_at else "open",
            "reason": t.reason,
            "opened_at": utc_text(t.opened_at),
            "closed_at": utc_text(t.closed_at),
            "resolution": t.resolution,
        }
        for t in state.tasks
    ]
    return {"tasks": items}


def _follow_ups(state: JourneyState) -> dict[str, Any]:
    """The follow-ups due, as the officer's tasks (only once there are any: older documents have none)."""
    if not state.follow_ups:
        return {}
    items = [
        {
            "number": f.number,
            "due_at": utc_text(f.due_at),
            "status": "recorded" if f.recorded_at else "due",
            "recorded_at": utc_text(f.recorded_at),
            "outcome": dict(f.outcome),
        }
        for f in state.follow_ups
    ]
    return {"follow_ups": items}


def projection(state: JourneyState) -> JourneyProjection:
    return JourneyProjection(
        journey_id=state.journey_id,
        status=state.status,
        outcome=state.outcome,
        phase=state.phase,
        scheme=state.scheme,
        province_code=state.worker.province_code,
        destination_country=state.destination_country,
        p3mi_id=state.p3mi_id,
        flags=list(state.flags),
        available_steps=state.available_steps(),
        version=state.version,
        started_at=state.started_at,
        updated_at=state.updated_at,
        document=journey_view(state),
    )
