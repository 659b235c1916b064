"""Audit (API.md, Audit): a journey as it stood at any point, verification of its hash chain and
workflow histories, and a one-document export. Everything is recomputed from the stored events
with the same `evolve` the workflow uses."""

import asyncio
from datetime import datetime
from typing import Any

import structlog
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowHistory, WorkflowQueryFailedError
from temporalio.service import RPCError

from api.auth import Caller
from api.errors import ApiError, invalid, not_found
from api.services.container import Services
from api.services.journey_access import find_in_store, query_state
from api.services.replay import replay as replay_runs
from domain.case_events import evolve_case
from domain.contracts import NewEvent
from domain.evolve import evolve, fold
from domain.view import journey_view
from store.event_store import CorruptEvent

log = structlog.get_logger(__name__)
# Temporal (or its client) being down or slow: what is asked of it is `unavailable`, the rest still answers.
TEMPORAL_DOWN = (RPCError, RPCTimeoutOrCancelledError, TimeoutError, ApiError)


def _recorded(documents: list[dict[str, Any]]) -> list[NewEvent]:
    keys = ("seq", "type", "version", "occurred_at", "actor", "data")
    return [NewEvent.model_validate({k: d[k] for k in keys}) for d in documents]


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def state_at(
    services: Services, caller: Caller, journey_id: str, as_of: datetime | None, seq: int | None
) -> dict[str, Any]:
    """The journey exactly as it stood after event `seq`, or at time `as_of`: a fold of its events."""
    if (as_of is None) == (seq is None):
        raise invalid(["as_of", "seq"], "Give exactly one of as_of or seq")
    await find_in_store(services, caller, journey_id)
    documents = await services.events.read_all(journey_id)
    if seq is not None:
        if not documents or seq > documents[-1]["seq"]:
            raise not_found(f"The journey has no event {seq}")
        chosen = [d for d in documents if d["seq"] <= seq]
    else:
        chosen = [d for d in documents if _instant(d["occurred_at"]) <= as_of]
    state = fold(_recorded(chosen))
    if state is None:
        raise not_found("The journey had no events then")
    return journey_view(state)


async def _histories(services: Services, journey_id: str) -> list[WorkflowHistory]:
    """Every recorded run of the journey (continue-as-new makes several) and of its cases' workflows."""
    client = await services.temporal.client()
    case_ids = [c["case_id"] for c in await _case_documents(services, journey_id)]
    histories: list[WorkflowHistory] = []
    for workflow_id in [journey_id, *case_ids]:
        query = f"WorkflowId = '{workflow_id}'"
        async for execution in client.list_workflows(query):
            handle = client.get_workflow_handle(workflow_id, run_id=execution.run_id)
            histories.append(await handle.fetch_history())
    return histories


async def _case_documents(services: Services, journey_id: str) -> list[dict[str, Any]]:
    cases = getattr(services, "cases", None)
    if cases is None:
        return []
    from store.cases import CaseFilters

    items, _ = await cases.list(CaseFilters(journey_id=journey_id), limit=500)
    return items


async def verify(services: Services, caller: Caller, journey_id: str) -> dict[str, Any]:
    """Hash chain, deterministic replay of every recorded run, and fold-vs-live state. With Temporal
    down the chain and the fold are still checked, against the last state the read model holds, and
    the replay is `unavailable`."""
    await find_in_store(services, caller, journey_id)
    return await verify_journey(services, journey_id)


async def verify_journey(services: Services, journey_id: str, *, replay_histories: bool = True) -> dict[str, Any]:
    """`verify` without the caller's region check (the `pmi audit verify` bulk check runs it too).
    Without `replay_histories` Temporal is not asked at all: the replay is `skipped` and the fold is
    compared with the last state the read model holds."""
    if not replay_histories:
        live = await services.read_model.get(journey_id)
        return await _checked(services, journey_id, live, "skipped", 0, [])
    replay, runs, divergences = "unavailable", 0, []
    try:
        histories = await _histories(services, journey_id)
        if histories:
            report = await replay_runs(histories)
            runs, divergences = report.runs, [d.as_json() for d in report.divergences]
            replay = "nondeterministic" if divergences else "ok"
            for divergence in divergences:
                log.warning("replay_diverged", **{k: v for k, v in divergence.items() if k != "message"})
    except TEMPORAL_DOWN as exc:
        log.warning("histories_unavailable", journey_id=journey_id, error_type=type(exc).__name__)
    live = await _live_state(services, journey_id)
    await _caught_up(services, journey_id, live.get("version", 0) if live else 0)
    return await _checked(services, journey_id, live, replay, runs, divergences)


async def _checked(
    services: Services,
    journey_id: str,
    live: dict[str, Any] | None,
    replay: str,
    runs: int,
    divergences: list[dict[str, Any]],
) -> dict[str, Any]:
    """The verify answer: the chains of the journey and its cases, and the fold against `live`."""
    version = live.get("version", 0) if live else 0
    # Compare like with like: the fold of exactly the events the live state had seen; a stream broken
    # before that point cannot match.
    broken_at, folded = await _sound_stream(services, journey_id, evolve, until=version)
    matches = folded is not None and live is not None and journey_view(folded) == live
    cases = []
    for case in await _case_documents(services, journey_id):
        case_broken_at, _ = await _sound_stream(services, case["case_id"], evolve_case)
        cases.append(
            {
                "case_id": case["case_id"],
                "hash_chain": "ok" if case_broken_at is None else "broken",
                "broken_at_seq": case_broken_at,
            }
        )
    return {
        "hash_chain": "ok" if broken_at is None else "broken",
        "broken_at_seq": broken_at,
        "replay": replay,
        "runs_replayed": runs,
        "state_matches": matches,
        "cases": cases,
        **({"replay_failures": divergences} if divergences else {}),
    }


# What a stored event that no longer reads as its type raises when folded (pydantic's ValidationError
# is a ValueError; an unknown type is a KeyError in the event tables).
_UNREADABLE = (ValueError, KeyError, TypeError, AttributeError)


async def _sound_stream(
    services: Services, stream_id: str, evolve_one: Any, until: int | None = None
) -> tuple[int | None, Any]:
    """The first broken seq of a stream (None when sound) and its fold after event `until` (None when
    the stream is broken before that, or has no such event). Broken: the hash chain, data that is no
    longer JSON, or an event that no longer reads as its type or cannot follow the ones before it.
    Corruption is a finding, never an error (API.md). One read of the stream, one fold."""
    broken_at, documents = await services.events.read_checked(stream_id)
    state, state_until = None, None
    for document in documents:
        try:
            state = evolve_one(state, _recorded([document])[0])
        except _UNREADABLE:
            broken_at = document["seq"] if broken_at is None else min(broken_at, document["seq"])
            break
        if document["seq"] == until and (broken_at is None or broken_at > until):
            state_until = state
    return broken_at, state_until


async def _live_state(services: Services, journey_id: str) -> dict[str, Any] | None:
    """The journey from its workflow; when the workflow is gone (retention) or Temporal is down, the
    last state the workflow reported to the read model."""
    try:
        client = await services.temporal.client()
        wait = min(3.0, services.settings.temporal_rpc_timeout_seconds)
        return await query_state(client.get_workflow_handle(journey_id), wait_seconds=wait)
    except (*TEMPORAL_DOWN, WorkflowQueryFailedError):
        return await services.read_model.get(journey_id)


async def _caught_up(services: Services, journey_id: str, version: int) -> list[dict[str, Any]]:
    """The stored events, waiting briefly for the writer to reach the live version (not for a store that
    cannot be read: that is what verify reports)."""
    documents: list[dict[str, Any]] = []
    for _ in range(30):
        try:
            documents = await services.events.read_all(journey_id)
        except CorruptEvent:
            return documents
        if documents and documents[-1]["seq"] >= version:
            return documents
        await asyncio.sleep(0.1)
    return documents


async def export(services: Services, caller: Caller, journey_id: str) -> dict[str, Any]:
    """One JSON document: the journey, its events with hashes, its cases, and its workflow histories."""
    await find_in_store(services, caller, journey_id)
    cases = []
    for case in await _case_documents(services, journey_id):
        cases.append({**case, "events": await services.events.read_all(case["case_id"])})
    try:
        histories = [
            {"workflow_id": h.workflow_id, "history": h.to_json_dict()} for h in await _histories(services, journey_id)
        ]
    except TEMPORAL_DOWN:
        histories = []
    return {
        "journey": await _live_state(services, journey_id),
        "events": await services.events.read_all(journey_id),
        "cases": cases,
        "workflow_histories": histories,
    }
