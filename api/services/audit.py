"""Audit (API.md, Audit): a journey as it stood at any point, verification of its hash chain and
workflow histories, and a one-document export. Everything is recomputed from the stored events
with the same `evolve` the workflow uses."""

import asyncio
import base64
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import structlog
from temporalio.client import (
    RPCTimeoutOrCancelledError,
    WorkflowExecutionStatus,
    WorkflowHistory,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller
from api.services import access
from api.services.container import Services
from api.services.errors import Unavailable, invalid, not_found, unavailable
from api.services.journey_access import find_in_store, query_state
from api.services.replay import ReplayUnavailable, run_id_of
from domain.audit_bundle import BUNDLE_FORMAT, sign_bundle
from domain.audit_signing import checkpoint_status
from domain.case_events import evolve_case_in_place
from domain.contracts import NewEvent
from domain.events import instant
from domain.evolve import evolve_in_place, fold
from domain.pii import same_document
from domain.state_copy import deep_copy
from domain.view import JourneyView, journey_view
from store.event_store import CorruptEvent
from store.journey_keys import JourneyErased
from store.keyring import KeyringMissing
from store.timefmt import now_text
from workflows.client import codec_for
from workflows.codec import history_in_the_clear

log = structlog.get_logger(__name__)
# Temporal (or its client) being down or slow: what is asked of it is `unavailable`, the rest still answers.
TEMPORAL_DOWN = (RPCError, RPCTimeoutOrCancelledError, TimeoutError, Unavailable)


def _recorded(documents: list[dict[str, Any]]) -> list[NewEvent]:
    keys = ("seq", "type", "version", "occurred_at", "actor", "data")
    return [NewEvent.model_validate({k: d[k] for k in keys}) for d in documents]


async def state_at(
    services: Services, caller: Caller, journey_id: str, as_of: datetime | None, seq: int | None
) -> JourneyView:
    """The journey exactly as it stood after event `seq`, or at time `as_of`: a fold of its events."""
    if (as_of is None) == (seq is None):
        raise invalid(["as_of", "seq"], "Give exactly one of as_of or seq")
    await find_in_store(services, caller, journey_id)
    documents = await opened(services, journey_id, await services.events.read_all(journey_id))
    if seq is not None:
        if not documents or seq > documents[-1]["seq"]:
            raise not_found(f"The journey has no event {seq}")
        chosen = [d for d in documents if d["seq"] <= seq]
    else:
        chosen = [d for d in documents if instant(d["occurred_at"]) <= as_of]
    state = fold(_recorded(chosen))
    if state is None:
        raise not_found("The journey had no events then")
    await access.record(services, caller, [journey_id], "journey_state", access.JOURNEY_FIELDS)
    return journey_view(state)


@dataclass
class Runs:
    """The recorded runs of a journey's workflows (the journey and its cases) for replay: the archived
    ones and those Temporal still holds, each once. `complete` is False when a run is known to be
    missing (a continue-as-new predecessor neither archived nor in Temporal, or Temporal unreachable
    while a workflow's last archived run is not final); `broken` are archived runs whose bytes no
    longer match their SHA-256."""

    histories: list[WorkflowHistory]
    complete: bool
    temporal_reached: bool
    broken: list[dict[str, str]]
    archived: int


async def _runs(services: Services, workflow_ids: list[str]) -> Runs:
    archived = await services.archive.runs_of(workflow_ids) if services.archive is not None else []
    by_run = {run.run_id: run.history for run in archived if run.intact}
    # An erased journey's archived runs are gone by design, not altered: neither replayed nor broken.
    broken = [{"workflow_id": r.workflow_id, "run_id": r.run_id} for r in archived if not r.intact and not r.erased]
    reached, last_ok = True, {r.run_id for r in archived if r.final}
    try:
        client = await services.temporal.client()
        for workflow_id in workflow_ids:
            async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
                if execution.status != WorkflowExecutionStatus.CONTINUED_AS_NEW:
                    last_ok.add(execution.run_id)  # running, or closed for good
                if execution.run_id not in by_run:
                    handle = client.get_workflow_handle(workflow_id, run_id=execution.run_id)
                    try:
                        by_run[execution.run_id] = await handle.fetch_history()
                    except RPCError as exc:  # deleted since it was listed (visibility lags): a missing run
                        if exc.status != RPCStatusCode.NOT_FOUND:
                            raise
    except TEMPORAL_DOWN as exc:
        log.warning("histories_unavailable", error_type=type(exc).__name__, archived=len(by_run))
        reached = False
    histories = list(by_run.values())
    complete = _chains_complete(histories, workflow_ids, last_ok) and not broken
    return Runs(histories, complete, reached, broken, len(archived))


def _chains_complete(histories: list[WorkflowHistory], workflow_ids: list[str], last_ok: set[str]) -> bool:
    """Each workflow's runs form one unbroken continue-as-new chain from its first run to a last run that
    is final or still running: no run of it is missing."""
    for workflow_id in workflow_ids:
        started = {}
        for history in histories:
            if history.workflow_id == workflow_id and history.events:
                attributes = history.events[0].workflow_execution_started_event_attributes
                started[run_id_of(history)] = attributes.continued_execution_run_id
        if not started:
            return False
        firsts = [run for run, before in started.items() if not before]
        predecessors = {before for before in started.values() if before}
        lasts = [run for run in started if run not in predecessors]
        if len(firsts) != 1 or not predecessors <= set(started) or len(lasts) != 1 or lasts[0] not in last_ok:
            return False
    return True


async def case_documents(services: Services, journey_id: str) -> list[dict[str, Any]]:
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
    case_ids = [c["case_id"] for c in await case_documents(services, journey_id)]
    if not replay_histories:
        live = await services.read_model.get(journey_id)
        stored = await load_stored(services, journey_id, case_ids)
        return judge(stored, live, _trusted_keys(services), Replayed("skipped"))
    replayed = await replay_journey(services, [journey_id, *case_ids])
    live = await _live_state(services, journey_id)
    await _caught_up(services, journey_id, live.get("version", 0) if live else 0)
    stored = await load_stored(services, journey_id, case_ids)
    answer = judge(stored, live, _trusted_keys(services), replayed)
    keys = getattr(services, "journey_keys", None)
    if keys is not None and await keys.erased(journey_id):
        # Its keys are destroyed: nothing of it can be replayed, and its personal fields read as erased.
        answer["personal_data"] = "erased"
    return answer


@dataclass
class Replayed:
    """The replay part of a verify answer."""

    status: str  # ok | nondeterministic | unavailable | skipped
    runs: int = 0
    divergences: list[dict[str, Any]] = field(default_factory=list)
    archive_broken: list[dict[str, str]] = field(default_factory=list)


async def replay_journey(services: Services, workflow_ids: list[str]) -> Replayed:
    """Replay every recorded run of these workflows (archived and live) against the installed code."""
    runs = await _runs(services, workflow_ids)
    replayed = Replayed("unavailable", archive_broken=runs.broken)
    if runs.histories:
        try:
            report = await services.replays.replay(runs.histories)
        except ReplayUnavailable:
            return replayed
        replayed.runs, replayed.divergences = report.runs, [d.as_json() for d in report.divergences]
        for divergence in replayed.divergences:
            log.warning("replay_diverged", **{k: v for k, v in divergence.items() if k != "message"})
    if replayed.divergences:
        replayed.status = "nondeterministic"
    elif runs.histories and runs.complete:
        replayed.status = "ok"
    return replayed


@dataclass
class StoredStreams:
    """What verify reads from the engine's own database for one journey: its stream and its cases'
    streams, each as `EventStore.read_checked` returns it (first broken seq, readable documents), and
    the latest signed checkpoint of each stream."""

    journey_id: str
    journey: tuple[int | None, list[dict[str, Any]]]
    cases: dict[str, tuple[int | None, list[dict[str, Any]]]]
    checkpoints: dict[str, dict[str, Any]]


async def load_stored(services: Services, journey_id: str, case_ids: list[str]) -> StoredStreams:
    streams = [journey_id, *case_ids]
    checkpoints = await services.checkpoints.latest_many(streams) if services.checkpoints is not None else {}
    stored = StoredStreams(
        journey_id=journey_id,
        journey=await services.events.read_checked(journey_id),
        cases={case_id: await services.events.read_checked(case_id) for case_id in case_ids},
        checkpoints=checkpoints,
    )
    return await opened_streams(services, stored)


async def opened(services: Services, stream_id: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored event documents with their sealed personal values opened under the stream's key (erased
    ones as placeholders), for folding (`JourneyKeys.open_documents`)."""
    keys = getattr(services, "journey_keys", None)
    return documents if keys is None else await keys.open_documents(stream_id, documents)


async def opened_streams(services: Services, stored: StoredStreams) -> StoredStreams:
    """`opened` over every stream verify reads of one journey, each under its own key."""

    async def each(
        stream_id: str, checked: tuple[int | None, list[dict[str, Any]]]
    ) -> tuple[int | None, list[dict[str, Any]]]:
        return checked[0], await opened(services, stream_id, checked[1])

    return replace(
        stored,
        journey=await each(stored.journey_id, stored.journey),
        cases={case_id: await each(case_id, checked) for case_id, checked in stored.cases.items()},
    )


def _trusted_keys(services: Services) -> dict[str, str]:
    """The public keys verify trusts: the engine's keyring (never the database's copy of the keys,
    which whoever could rewrite a chain could also extend)."""
    if services.keyring is None:
        return {}
    try:
        return services.keyring.load().public_keys()
    except KeyringMissing:
        log.warning("audit_keyring_missing")
        return {}


def judge(
    stored: StoredStreams, live: dict[str, Any] | None, public_keys: dict[str, str], replayed: Replayed
) -> dict[str, Any]:
    """The verify answer from what was read: the chains of the journey and its cases, their checkpoints,
    the fold against `live`, and the replay. Pure: the bulk verify reads many journeys at once and
    judges each with this."""
    version = live.get("version", 0) if live else 0
    # Compare like with like: the fold of exactly the events the live state had seen; a stream broken
    # before that point cannot match.
    broken_at, folded = _sound_stream(*stored.journey, evolve_in_place, until=version)
    matches = folded is not None and live is not None and same_document(journey_view(folded).document(), live)
    cases = []
    for case_id, checked in stored.cases.items():
        case_broken_at, _ = _sound_stream(*checked, evolve_case_in_place)
        cases.append(
            {
                "case_id": case_id,
                "hash_chain": "ok" if case_broken_at is None else "broken",
                "broken_at_seq": case_broken_at,
                "checkpoint": _checkpoint(stored.checkpoints.get(case_id), checked[1], public_keys),
            }
        )
    answer: dict[str, Any] = {
        "hash_chain": "ok" if broken_at is None else "broken",
        "broken_at_seq": broken_at,
        "replay": replayed.status,
        "runs_replayed": replayed.runs,
        "state_matches": matches,
        "checkpoint": _checkpoint(stored.checkpoints.get(stored.journey_id), stored.journey[1], public_keys),
        "cases": cases,
    }
    if replayed.divergences:
        answer["replay_failures"] = replayed.divergences
    if replayed.archive_broken:
        answer["archive_broken"] = replayed.archive_broken
    return answer


def _checkpoint(checkpoint: dict[str, Any] | None, documents: list[dict[str, Any]], keys: dict[str, str]) -> str:
    return checkpoint_status(checkpoint, {d["seq"]: d["hash"] for d in documents}, keys)


# What a stored event that no longer reads as its type raises when folded (pydantic's ValidationError
# is a ValueError; an unknown type is a KeyError in the event tables).
_UNREADABLE = (ValueError, KeyError, TypeError, AttributeError)


def _sound_stream(
    broken_at: int | None, documents: list[dict[str, Any]], evolve_one: Any, until: int | None = None
) -> tuple[int | None, Any]:
    """The first broken seq of a stream (None when sound) and its fold after event `until` (None when
    the stream is broken before that, or has no such event). Broken: the hash chain (`broken_at`, from
    `EventStore.read_checked`), data that is no longer JSON, or an event that no longer reads as its
    type or cannot follow the ones before it. Corruption is a finding, never an error (API.md)."""
    state, state_until = None, None
    for document in documents:
        try:
            # In place: one state for the whole fold, copied only where it is kept (`until`).
            state = evolve_one(state, _recorded([document])[0])
        except _UNREADABLE:
            broken_at = document["seq"] if broken_at is None else min(broken_at, document["seq"])
            break
        if document["seq"] == until and (broken_at is None or broken_at > until):
            state_until = deep_copy(state)
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


async def _stream_key(services: Services, stream_id: str) -> dict[str, str] | None:
    keys = getattr(services, "journey_keys", None)
    try:
        key = await keys.key(stream_id) if keys is not None else None
    except JourneyErased:
        key = None
    return {"algorithm": "AES-256-GCM", "key": base64.b64encode(key).decode("ascii")} if key else None


async def export(services: Services, caller: Caller, journey_id: str) -> dict[str, Any]:
    """The signed export bundle (docs/audit.md): the journey, its events with hashes, its cases with
    theirs, every recorded workflow history (archived and live), the streams' latest checkpoints and
    the public keys, signed as a whole with the engine's current key."""
    await find_in_store(services, caller, journey_id)
    bundle = await export_bundle(services, journey_id)
    await access.record(services, caller, [journey_id], "export", access.EXPORT_FIELDS)
    return bundle


async def export_bundle(services: Services, journey_id: str) -> dict[str, Any]:
    """`export` without the caller's region check (`pmi audit export`)."""
    cases = await case_documents(services, journey_id)
    case_ids = [c["case_id"] for c in cases]
    runs = await _runs(services, [journey_id, *case_ids])
    live = await _live_state(services, journey_id)
    await _caught_up(services, journey_id, live.get("version", 0) if live else 0)
    streams = [journey_id, *case_ids]
    checkpoints = await services.checkpoints.latest_many(streams) if services.checkpoints is not None else {}
    try:
        keyring = services.keyring.load()
    except KeyringMissing as exc:  # production without PMI_AUDIT_KEYRING_FILE: nothing can be signed
        log.error("audit_keyring_missing")
        raise unavailable("The audit signing key is not configured; exports cannot be signed") from exc
    codec = codec_for(services.settings)
    bundle = {
        "format": BUNDLE_FORMAT,
        "exported_at": now_text(),
        "journey_id": journey_id,
        "journey": live,
        # As stored: personal values sealed, the hashes over the ciphertext. Each stream's key opens its
        # events (null once erased), so the bundle's reader folds them with nothing but the file.
        "events": await services.events.read_all(journey_id),
        "stream_keys": {s: await _stream_key(services, s) for s in streams},
        "cases": [{**case, "events": await services.events.read_all(case["case_id"])} for case in cases],
        # Decrypted, so the bundle's reader replays them with no key: the bundle is a permitted read of
        # personal data (the journey in it is too).
        "workflow_histories": [
            {
                "workflow_id": h.workflow_id,
                "run_id": run_id_of(h),
                "history": (await history_in_the_clear(h, codec)).to_json_dict(),
            }
            for h in runs.histories
        ],
        "histories_complete": runs.complete,
        "checkpoints": [checkpoints[s] for s in streams if s in checkpoints],
        "public_keys": [k.as_api() for k in keyring.keys],
    }
    return sign_bundle(bundle, keyring)
