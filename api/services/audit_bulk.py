"""The chain-and-fold verify of many journeys at once (`pmi audit verify --no-replay`).

`verify_journey(..., replay_histories=False)` reads one journey with five queries (its cases, its
read-model state, its checkpoints, then each stream). Over thousands of journeys those round trips,
not the checks, were the cost, so this reads a few hundred journeys at a time with one query per
kind (states, case ids, every stream's events, checkpoints) and judges each journey with the same
pure `judge`: every journey gets exactly the answer `verify_journey` gives it.
"""

import asyncio
from collections.abc import Callable
from typing import Any

import structlog

from api.services.audit import Replayed, StoredStreams, _trusted_keys, judge, opened_streams
from api.services.container import Services

log = structlog.get_logger(__name__)

# Journeys read per round of queries: enough that the round trips no longer count, few enough that
# a batch's events (some thousands of rows) stay small and the progress bar moves.
BATCH_JOURNEYS = 250
# The cases of one journey that verify checks: the first page `verify_journey` reads
# (`api.services.audit.case_documents`).
CASES_PER_JOURNEY = 500


async def verify_stored_many(
    services: Services,
    journey_ids: list[str],
    *,
    batch: int = BATCH_JOURNEYS,
    progress: Callable[[int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """journey id -> its verify answer without replay, as `verify_journey(..., replay_histories=False)`
    gives it. A journey that cannot be checked (its batch could not be read) answers
    `{"error": <exception type>}`, as `pmi audit verify` reports it. `progress` hears how many
    journeys each batch finished."""
    keys = _trusted_keys(services)
    skipped = Replayed("skipped")
    results: dict[str, dict[str, Any]] = {}
    for start in range(0, len(journey_ids), batch):
        chunk = journey_ids[start : start + batch]
        try:
            stored, live = await read_stored_many(services, chunk)
        except Exception as exc:  # a batch that cannot be read is reported, not fatal
            log.warning("audit_batch_unreadable", journeys=len(chunk), error_type=type(exc).__name__)
            results.update({journey_id: {"error": type(exc).__name__} for journey_id in chunk})
        else:
            for journey_id in chunk:
                try:
                    results[journey_id] = judge(stored[journey_id], live.get(journey_id), keys, skipped)
                except Exception as exc:  # as `pmi audit verify` treats one journey's failure
                    results[journey_id] = {"error": type(exc).__name__}
        if progress is not None:
            progress(len(chunk))
    return results


async def read_stored_many(
    services: Services, journey_ids: list[str]
) -> tuple[dict[str, StoredStreams], dict[str, dict[str, Any]]]:
    """What `load_stored` and the read model give for each of these journeys, in four queries: each
    journey's `StoredStreams`, and its read-model state (absent when it has none)."""
    journey_ids = list(dict.fromkeys(journey_ids))
    cases = getattr(services, "cases", None)
    live, case_ids = await asyncio.gather(
        services.read_model.get_many(journey_ids),
        cases.ids_by_journey(journey_ids, CASES_PER_JOURNEY) if cases is not None else _no_cases(journey_ids),
    )
    streams = [*journey_ids, *(c for ids in case_ids.values() for c in ids)]
    checked, checkpoints = await asyncio.gather(
        services.events.read_checked_many(streams),
        services.checkpoints.latest_many(streams) if services.checkpoints is not None else _nothing(),
    )
    stored = {
        journey_id: await opened_streams(
            services,
            StoredStreams(
                journey_id=journey_id,
                journey=checked[journey_id],
                cases={case_id: checked[case_id] for case_id in case_ids[journey_id]},
                checkpoints={s: checkpoints[s] for s in (journey_id, *case_ids[journey_id]) if s in checkpoints},
            ),
        )
        for journey_id in journey_ids
    }
    return stored, live


async def _no_cases(journey_ids: list[str]) -> dict[str, list[str]]:
    return {journey_id: [] for journey_id in journey_ids}


async def _nothing() -> dict[str, dict[str, Any]]:
    return {}
