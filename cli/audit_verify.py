"""`pmi audit verify`: verify many journeys at once, as the API's `POST /verify` does for one.

Each journey gets the same checks (`api.services.audit.verify_journey`): its hash chain and its cases'
chains, the fold of its events against its state, and, unless `--no-replay`, the replay of its
recorded workflow runs against the installed code. With `--no-replay` the journeys are read a few
hundred at a time (`api.services.audit_bulk`); with replay they run concurrently. A progress bar shows
how far it is, a table sums up the verdicts, and a JSON report holds each journey's answer. The exit
code is 1 when any journey failed a check, 0 when all passed.
"""

import asyncio
import json
import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from config import Settings

# The verdict of one journey, worst first: a journey is counted under the first that applies.
VERDICTS = ("broken", "checkpoint_mismatch", "nondeterministic", "state_mismatch", "unavailable", "ok")


def verdict(result: dict[str, Any], replay: bool) -> str:
    """One word for a journey's verify answer (the summary table's rows)."""
    if result.get("error"):
        return "unavailable"
    cases = result.get("cases", [])
    if result["hash_chain"] != "ok" or any(c["hash_chain"] != "ok" for c in cases) or result.get("archive_broken"):
        return "broken"
    if result.get("checkpoint") == "mismatch" or any(c.get("checkpoint") == "mismatch" for c in cases):
        return "checkpoint_mismatch"
    if result["replay"] == "nondeterministic":
        return "nondeterministic"
    if not result["state_matches"]:
        return "state_mismatch"
    if replay and result["replay"] != "ok":
        return "unavailable"
    return "ok"


async def verify_many(
    settings: Settings,
    journey_ids: list[str] | None,
    since: datetime | None,
    replay: bool,
    concurrency: int,
    console: Console,
) -> tuple[dict[str, dict[str, Any]], float]:
    """Each journey's verify answer (or the error that kept it from one), and the seconds it took."""
    from api.services.audit import verify_journey
    from api.services.audit_bulk import verify_stored_many
    from cli.services import open_services
    from store.read_model import journey_ids_since

    # Replays run in child processes: one per core, at most one per concurrent verify.
    processes = min(max(1, concurrency), os.cpu_count() or 1)
    async with open_services(settings, replay_processes=processes) as services:
        ids = journey_ids if journey_ids else await journey_ids_since(services.engine, since)
        results: dict[str, dict[str, Any]] = {}
        queue: asyncio.Queue[str] = asyncio.Queue()
        for journey_id in ids:
            queue.put_nowait(journey_id)
        columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        started = time.perf_counter()
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("verify", total=len(ids))
            if not replay:
                # Chain and fold only: read a few hundred journeys per round of queries, judge each.
                results = await verify_stored_many(services, ids, progress=lambda n: progress.advance(task, n))
                return results, time.perf_counter() - started

            async def work() -> None:
                while not queue.empty():
                    journey_id = queue.get_nowait()
                    try:
                        results[journey_id] = await verify_journey(services, journey_id, replay_histories=replay)
                    except Exception as exc:  # a journey that cannot be checked is reported, not fatal
                        results[journey_id] = {"error": type(exc).__name__}
                    progress.advance(task)

            await asyncio.gather(*(work() for _ in range(max(1, concurrency))))
        return results, time.perf_counter() - started


def summary(results: dict[str, dict[str, Any]], replay: bool, seconds: float) -> tuple[Table, Counter]:
    counts = Counter(verdict(r, replay) for r in results.values())
    table = Table(title=f"{len(results)} journeys in {seconds:.1f} s ({len(results) / max(seconds, 1e-9):.0f}/s)")
    table.add_column("verdict")
    table.add_column("journeys", justify="right")
    for name in VERDICTS:
        table.add_row(name.replace("_", " "), str(counts.get(name, 0)))
    return table, counts


def run(args: Any, settings: Settings) -> int:
    """`pmi audit verify`: exit 1 when any journey failed, 2 when none was selected."""
    console = Console(stderr=True)
    since = datetime.fromisoformat(args.since).replace(tzinfo=UTC) if args.since else None
    if not (args.all or since or args.journey_ids):
        console.print("give journey ids, --since DATE or --all")
        return 2
    results, seconds = asyncio.run(
        verify_many(settings, args.journey_ids or None, since, not args.no_replay, args.concurrency, console)
    )
    if not results:
        console.print("no journey matched")
        return 2
    table, counts = summary(results, not args.no_replay, seconds)
    Console().print(table)
    report = {
        "verified_at": datetime.now(UTC).isoformat(),
        "replay": not args.no_replay,
        "seconds": round(seconds, 3),
        "counts": {name: counts.get(name, 0) for name in VERDICTS},
        "journeys": {jid: {"verdict": verdict(r, not args.no_replay), **r} for jid, r in sorted(results.items())},
    }
    Path(args.report).write_text(json.dumps(report, indent=2, sort_keys=True))
    console.print(f"report: {args.report}")
    return 0 if counts.get("ok", 0) == len(results) else 1
