"""Bulk verification throughput: `pmi audit verify` over N journeys, in two modes.

    .venv/bin/python bench/audit_verify.py [--journeys 1000] [--concurrency 8] [--database-url URL]
                                           [--no-checkpoints]

1. fill: a fresh store (a SQLite file in a temp dir unless --database-url, which must name an empty
   database) gets N journeys, each a real event stream: journeys driven through `domain.decide` /
   `domain.evolve` / `timeline.settle` (the population of `bench/list_load.py`, at every stage of the
   step graph), appended with `EventStore.append` (hash-chained as the engine writes them) and
   projected into the read model as the event-store activity does. Then every head is signed, as
   the audit sweep signs them (a keyring in the temp dir), unless --no-checkpoints.
2. chain and fold: `cli.audit_verify.verify_many(..., replay=False)`, what `pmi audit verify
   --no-replay` runs: a few hundred journeys read per round of queries (`api.services.audit_bulk`),
   and for each journey its chain and its cases' chains recomputed, its checkpoints' signatures and
   heads checked, its events folded and compared with its read-model state.
3. replay: the engine's replay (`api.services.replay.replay`, what verify runs on the histories it
   fetches from Temporal) over N recorded histories of `tests/workflows/histories/`, round robin.
   Fetching the histories from Temporal is not included (one RPC per run).

Prints journeys/s for both and exits 1 unless every journey verified. 127.0.0.1 only; no server.
For PostgreSQL, a throw-away database, e.g.:

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_audit'
    .venv/bin/python bench/audit_verify.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_audit
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE bench_audit'
"""

import argparse
import asyncio
import io
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from temporalio.client import WorkflowHistory

sys.path.insert(0, str(Path(__file__).resolve().parent))
import list_load  # noqa: E402  (the population of real journeys)

from api.services.replay import replay  # noqa: E402
from cli.audit_verify import summary, verify_many  # noqa: E402
from config import Settings  # noqa: E402
from domain.contracts import NewEvent  # noqa: E402
from domain.evolve import fold  # noqa: E402
from domain.view import projection  # noqa: E402
from store.checkpoints import CheckpointStore  # noqa: E402
from store.db import create_engine  # noqa: E402
from store.event_store import EventStore  # noqa: E402
from store.keyring import KeyringFile  # noqa: E402
from store.migrate import upgrade_async  # noqa: E402
from store.read_model import JourneyReadModel, journey_ids_since  # noqa: E402

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "workflows" / "histories"


class Recording(list_load.Aggregate):
    """An aggregate that keeps the events it records, as the workflow hands them to the store."""

    def __init__(self, placement: tuple, now) -> None:
        self.recorded: list[NewEvent] = []
        super().__init__(placement, now)

    def commit(self, emitted) -> None:
        pending = list(emitted)
        while pending:
            for item in pending:
                event = item.recorded((self.state.version if self.state else 0) + 1, self.now)
                self.recorded.append(event)
                self.state = list_load.evolve(self.state, event)
            pending = list_load.timeline.settle(self.s, self.now)


def streams(seed: int) -> list[list[NewEvent]]:
    """Event streams of journeys at several stages (templates: each journey gets its own id)."""
    out = []
    for placement in list_load.PLACEMENTS:
        for done in (2, 6, len(list_load.PRE_DEPARTURE)):
            journey = Recording(placement, list_load.datetime(2025, 9, 1, 8, tzinfo=list_load.UTC))
            out.append(journey.through(done).recorded)
    return out


def as_journey(template: list[NewEvent], journey_id: str) -> list[NewEvent]:
    first = template[0].model_copy(update={"data": {**template[0].data, "journey_id": journey_id}})
    return [first, *template[1:]]


class NotEmpty(Exception):
    """The database given already holds journeys: the figures would not be of N journeys."""


async def fill(url: str, n: int, seed: int, keyring: Path | None) -> float:
    started = time.perf_counter()
    await upgrade_async(url)
    engine = create_engine(url)
    store, read_model = EventStore(engine), JourneyReadModel(engine)
    templates = streams(seed)
    _, members = list_load.population(n, seed)
    try:
        if await journey_ids_since(engine):
            raise NotEmpty(url)
        for i, member in enumerate(members):
            events = as_journey(templates[i % len(templates)], member.journey_id)
            await store.append(member.journey_id, events)
            await read_model.upsert(projection(fold(events)))
        if keyring is not None:
            await CheckpointStore(engine).sign_heads(KeyringFile(keyring).load())
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def chain_and_fold(url: str, concurrency: int, keyring: Path) -> tuple[int, float, dict]:
    settings = Settings(database_url=url, log_level="WARNING", audit_keyring_file=keyring)
    results, seconds = await verify_many(settings, None, None, False, concurrency, Console(file=io.StringIO()))
    _, counts = summary(results, False, seconds)
    return len(results), seconds, dict(counts)


async def replays(n: int) -> tuple[int, float, int]:
    files = sorted(HISTORIES.glob("*.json"))
    histories = [WorkflowHistory.from_json(p.stem, json.loads(p.read_text())) for p in files]
    batch = [histories[i % len(histories)] for i in range(n)]
    started = time.perf_counter()
    report = await replay(batch)
    return report.runs, time.perf_counter() - started, len(report.divergences)


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'audit.db'}"
        keyring = Path(tmp) / "audit-keyring.json"
        try:
            filled = await fill(url, args.journeys, args.seed, None if args.no_checkpoints else keyring)
        except NotEmpty:
            print("the database already holds journeys: give an empty one", file=sys.stderr)
            return 2
        verified, seconds, counts = await chain_and_fold(url, args.concurrency, keyring)
        runs, replay_seconds, divergences = await replays(args.journeys)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    signed = "no checkpoints" if args.no_checkpoints else "every head signed"
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"fill: {args.journeys} journeys in {filled:.1f} s ({backend}, {signed})")
    print("| mode | journeys | seconds | journeys/s | verdicts |\n| --- | --- | --- | --- | --- |")
    print(f"| chain and fold | {verified} | {seconds:.2f} | {verified / seconds:.0f} | {counts} |")
    print(f"| replay (recorded runs) | {runs} | {replay_seconds:.2f} | {runs / replay_seconds:.0f} | "
          f"{divergences} diverged |")  # fmt: skip
    print(f"chain and fold: {(verified / seconds) / (runs / replay_seconds):.0f}x the replay's rate")
    return 0 if counts.get("ok") == verified == args.journeys and divergences == 0 else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journeys", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", help="a fresh PostgreSQL database (default: SQLite in a temp dir)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-checkpoints", action="store_true", help="verify streams nobody signed")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
