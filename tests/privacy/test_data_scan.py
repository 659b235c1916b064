"""From outside, after a demo run: no worker's personal data is anywhere the engine writes in the clear.

The whole stack runs as a user runs it (`pmi run`: the Temporal dev server with its SQLite file, the
simulator, the worker and the API as processes, on a fresh data directory), `pmi demo` drives journeys
through it, and then every file under the data directory (the store's SQLite file or, on PostgreSQL,
every table), Temporal's database, the keyrings and every log line of the API, the worker, the
simulator and Temporal are read byte for byte. None may hold a NIK, name, birth date, phone number or
passport number of any worker the demo created (the vault, read with its key, says who they are), nor a
medical result. Tracing is on (`PMI_OTEL_ENDPOINT`, a collector in the test, `tests/otlp.py`): what the
processes sent it is scanned too, and one journey's trace is followed from the API through Temporal and
the worker to the simulated government systems and back (issue 11).
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, text

from config import Settings
from domain.pii import mask_name
from store.db import create_engine
from store.pii import PiiVault
from store.tables import worker_pii
from tests.otlp import OtlpReceiver, Span

PMI = Path(sys.executable).parent / "pmi"
MEDICAL = (b'"fit"', b'"unfit"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback
            return response.status == 200
    except Exception:
        return False


@contextlib.asynccontextmanager
async def _database(backend: str, data_dir: Path):
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{data_dir / 'pmi.db'}"
        return
    from tests.store.databases import PostgresDatabases, require_postgres

    databases = PostgresDatabases(require_postgres())
    name = await databases.create()
    try:
        yield databases.url_of(name)
    finally:
        await databases.drop(name)
        await databases.close()


def _values(pii) -> list[str]:
    """The personal values of one worker in every spelling a store might hold them."""
    out = [pii.nik, pii.full_name, pii.birth_date.isoformat()]
    for phone in (pii.phone, pii.family_phone):
        if phone:
            out += [phone, phone.lstrip("+")]
    if pii.passport_no:
        out.append(pii.passport_no)
    return out


async def _postgres_text(url: str) -> bytes:
    engine = create_engine(url)
    parts = []
    try:
        async with engine.connect() as conn:
            # The test's own schema (its URL's search_path), not `public`, which may hold another run's tables.
            query = text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = (await conn.execute(query)).scalars()
            for table in list(tables):
                rows = await conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t'))  # noqa: S608
                parts += [row[0] for row in rows]
    finally:
        await engine.dispose()
    return "\n".join(parts).encode()


@dataclass
class DemoRun:
    backend: str
    workers: list
    journey_ids: list[str]
    stored: dict[str, bytes]  # where -> what is there, byte for byte
    spans: list[Span]
    log_lines: list[dict]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def demo_run(request, tmp_path_factory) -> AsyncIterator[DemoRun]:
    """`pmi run` on a fresh data directory and `pmi demo -n 4` through it, then everything it left."""
    backend = request.param
    tmp_path = tmp_path_factory.mktemp(f"demo-{backend}")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    log_file = tmp_path / "pmi.log"
    with OtlpReceiver() as collector:
        async with _database(backend, data_dir) as db_url:
            temporal_port = _free_port()
            env = {
                **os.environ,
                "PMI_DATA_DIR": str(data_dir),
                "PMI_DATABASE_URL": db_url,
                "PMI_DATA_KEYRING_FILE": str(data_dir / "data-keyring.json"),
                "PMI_TEMPORAL_PORT": str(temporal_port),
                "PMI_TEMPORAL_UI_PORT": str(_free_port()),
                "PMI_API_PORT": str(_free_port()),
                "PMI_SIMULATOR_PORT": str(_free_port()),
                "PMI_LOG_FORMAT": "json",
                "PMI_OTEL_ENDPOINT": collector.endpoint,
                "OTEL_BSP_SCHEDULE_DELAY": "500",  # the span batches, every 0.5 s (5 s by default)
            }
            settings = Settings(
                _env_file=None,
                **{k[4:].lower(): v for k, v in env.items() if k.startswith("PMI_") and k != "PMI_TEST_POSTGRES_URL"},
            )
            with log_file.open("wb") as log:
                run = subprocess.Popen([str(PMI), "run"], env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603, ASYNC220
                try:
                    deadline = time.monotonic() + 120
                    ready = f"http://127.0.0.1:{settings.api_port}/readyz"
                    while not _up(ready):
                        assert run.poll() is None and time.monotonic() < deadline, log_file.read_text()[-3000:]
                        await asyncio.sleep(0.5)
                    demo = await asyncio.create_subprocess_exec(
                        str(PMI), "demo", "-n", "4", "--seed", "5", "--timeout", "150", env=env, stdout=log, stderr=log
                    )
                    assert await asyncio.wait_for(demo.wait(), 200) == 0, log_file.read_text()[-3000:]
                    engine = create_engine(db_url)
                    try:
                        async with engine.connect() as conn:
                            journey_ids = list((await conn.execute(select(worker_pii.c.journey_id))).scalars())
                        vault = PiiVault(engine, settings.pii_key)
                        workers = [await vault.get(journey_id) for journey_id in journey_ids]
                    finally:
                        await engine.dispose()
                finally:
                    # Each process sends its last spans as it exits.
                    run.send_signal(signal.SIGINT)
                    try:
                        run.wait(60)
                    except subprocess.TimeoutExpired:
                        run.kill()
            stored: dict[str, bytes] = {
                str(path.relative_to(data_dir)): path.read_bytes() for path in data_dir.rglob("*") if path.is_file()
            }
            if backend == "postgresql":
                stored["postgresql tables"] = await _postgres_text(db_url)
    logs = log_file.read_bytes()
    stored["logs of the API, the worker, the simulator and Temporal"] = logs
    stored["spans sent to the trace collector"] = bytes(collector.collector.raw)
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith(b"{") and line.endswith(b"}")]
    yield DemoRun(backend, workers, journey_ids, stored, list(collector.collector.spans), lines)


async def test_after_a_demo_run_no_personal_value_is_stored_or_logged_in_the_clear(demo_run: DemoRun):
    workers, journey_ids, stored = demo_run.workers, demo_run.journey_ids, demo_run.stored
    assert len(workers) >= 4 and any(w.passport_no for w in workers)
    secrets = sorted({value for w in workers for value in _values(w)})

    assert "temporal.db" in stored and ("pmi.db" in stored) == (demo_run.backend == "sqlite")
    store_text = stored.get("pmi.db", b"") + stored.get("postgresql tables", b"")
    # The scan reads what is there: the journeys, under their ids, and the requests in the logs and traces.
    assert all(journey_id.encode() in store_text for journey_id in journey_ids)
    assert all(mask_name(w.full_name).encode() in store_text for w in workers)  # the lists' masked names
    assert b'"path": "/v1/journeys"' in stored["logs of the API, the worker, the simulator and Temporal"]
    assert all(journey_id.encode() in stored["spans sent to the trace collector"] for journey_id in journey_ids)

    found = [
        (where, value) for where, content in stored.items() for value in secrets if value.encode("utf-8") in content
    ]
    found += [
        (where, medical.decode()) for where, content in stored.items() for medical in MEDICAL if medical in content
    ]
    assert found == [], found


def _trace_of(spans: list[Span], root: Span) -> dict[str, Span]:
    return {s.span_id: s for s in spans if s.trace_id == root.trace_id}


def _ancestors(span: Span, trace: dict[str, Span]) -> list[tuple[str, str]]:
    """(service, name) of the span and every parent up to the trace's root; each parent must be there."""
    chain = [(span.service, span.name)]
    while span.parent_id:
        assert span.parent_id in trace, f"{span.name}'s parent is missing from its trace"
        span = trace[span.parent_id]
        chain.append((span.service, span.name))
    return chain


async def test_one_trace_follows_a_journey_from_the_api_through_temporal_to_the_government_systems(
    demo_run: DemoRun,
):
    spans = demo_run.spans
    assert {s.service for s in spans} == {"pmi-api", "pmi-worker", "pmi-simulator"}
    # One span per request: none per ASGI message; probes are not traced.
    assert not [s for s in spans if s.name.endswith((" http send", " http receive"))]
    assert not [s for s in spans if s.attributes.get("http.route") in ("/healthz", "/readyz")]

    starts = [s for s in spans if s.service == "pmi-api" and s.name == "POST /v1/journeys"]
    assert len(starts) == len(demo_run.journey_ids)
    # A start: the API's request, the client's start, the workflow in the worker, the activity
    # asking Dukcapil, its HTTP call, and Dukcapil (simulated) answering it: one trace, parent by parent.
    checked = 0
    for start in starts:
        trace = _trace_of(spans, start)
        dukcapil = [
            s for s in trace.values() if s.service == "pmi-simulator" and s.name == "POST /dukcapil/v1/nik/verify"
        ]
        for asked in dukcapil:
            chain = _ancestors(asked, trace)
            assert chain[:4] == [
                ("pmi-simulator", "POST /dukcapil/v1/nik/verify"),
                ("pmi-worker", "POST"),
                ("pmi-worker", "RunActivity:dukcapil.verify_nik"),
                ("pmi-worker", "StartActivity:dukcapil.verify_nik"),
            ]
            # (The start is one call; the API answers the journey from its own fold of the same input.)
            start_call = ("pmi-api", "StartWorkflow:JourneyWorkflow")
            assert chain[-2:] == [start_call, ("pmi-api", "POST /v1/journeys")]
            # The workflow's first task has a span of its own; an activity scheduled later hangs off the start.
            assert set(chain[4:-2]) <= {("pmi-worker", "RunWorkflow:JourneyWorkflow")}
            checked += 1
        assert start.attributes["http.status_code"] == 201
    assert checked >= len(starts)

    # A step action and a government system's webhook: the request, the client's call (update, signal),
    # and its handler in the worker. A handler belongs to its journey's trace (it runs in the journey's
    # workflow, whose trace began with its start) and links to the call that caused it.
    def handled(request: Span, call: str, handler: str) -> None:
        trace = _trace_of(spans, request)
        calls = [s for s in trace.values() if s.name == call and s.parent_id == request.span_id]
        assert len(calls) == 1 and calls[0].service == "pmi-api", (request.name, call)
        caused = [s for s in spans if s.name == handler and (calls[0].trace_id, calls[0].span_id) in s.links]
        assert len(caused) == 1 and caused[0].service == "pmi-worker", (request.name, handler)

    actions = [s for s in spans if s.name == "POST /v1/journeys/{journey_id}/steps/{step}/complete"]
    accepted = [s for s in actions if s.attributes["http.status_code"] == 200]
    assert len(accepted) >= 4 * 5
    for request in accepted:
        handled(request, "StartWorkflowUpdate:step_action", "HandleUpdate:step_action")
    hooks = [s for s in spans if s.name == "POST /v1/integrations/{source}/events"]
    delivered = [s for s in hooks if s.attributes["http.status_code"] == 202]
    assert delivered
    for hook in delivered:
        handled(hook, "SignalWorkflow:integration_event", "HandleSignal:integration_event")
        # ...sent by the simulator, its delivery the API request's parent.
        assert _ancestors(hook, _trace_of(spans, hook))[1] == ("pmi-simulator", "POST")

    # The log lines name the trace they belong to: the API's request lines, the worker's activities' lines.
    # (The trace, not the span: in one CI run of several a start's request line named a span the
    # collector never received, under investigation; the trace id is what the log search joins on.)
    trace_ids = {s.trace_id for s in spans}
    request_lines = [
        line for line in demo_run.log_lines if line.get("event") == "request" and line.get("path") == "/v1/journeys"
    ]
    assert request_lines and all(line["trace_id"] in trace_ids for line in request_lines)
    worker_lines = [line for line in demo_run.log_lines if line.get("process") == "worker" and "trace_id" in line]
    assert worker_lines and all(line["trace_id"] in trace_ids and len(line["span_id"]) == 16 for line in worker_lines)
