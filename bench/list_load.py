"""The journey list under load: C concurrent `GET /v1/journeys` callers against the real API.

    .venv/bin/python bench/list_load.py [--journeys 10000] [--concurrency 100] [--duration 20]
        [--writers 50] [--clients 1] [--database-url postgresql+asyncpg://...] [--json out.json]

1. fill:  migrate a fresh store (a SQLite file in a temp dir unless --database-url) and bulk-insert
          N journeys into the read model. Each document is the real domain's: journeys folded with
          `domain.decide` / `domain.evolve` (and `timeline.settle`, as the workflow commits) to
          every stage of the step graph, then `domain.view.projection` for each journey with its own
          id and worker, spread over provinces, schemes, destinations, phases, steps and flags.
2. serve: `pmi api` (uvicorn, the production command line) in a process of its own on 127.0.0.1,
          Temporal absent (a list reads only the database), its log in a temp file.
3. load:  C callers loop `GET /v1/journeys` (officers, supervisors, auditors, admins; no filter,
          status, province_code, step, flag, phase, scheme, destination, and pages followed by
          `cursor`) from --clients processes, for --warmup s unmeasured, then --duration s measured;
          with --writers K, K writers in another process upsert journeys through
          `JourneyReadModel.upsert` meanwhile (what step actions cause in the store).

Prints throughput, p50/p95/p99/max, counts by status, dropped connections and timeouts, CPU of
the client, server and writer processes, and what the server logged. Stops by itself. See
bench/README.md.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text
from ulid import ULID

from api.auth import create_token
from config import DEV_JWT_SECRET
from domain import decide, timeline
from domain.contracts import Actor, EndJourney, JourneyProjection, StartJourney, StepCommand, WorkerProfile
from domain.decide import Emitted
from domain.evolve import evolve
from domain.state import JourneyState
from domain.steps import ACTIONABLE
from domain.view import projection
from store.db import create_engine
from store.migrate import upgrade_async
from store.read_model import JourneyReadModel, flag_rows, journey_row, step_rows
from store.reference import ReferenceData
from store.tables import journey_available_steps, journey_flags, journeys, work_items
from store.worklist import journey_items

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
OFFICER = Actor(sub="officer-bench", role="officer")
SUPERVISOR = Actor(sub="supervisor-bench", role="supervisor")
# Where the workers come from, weighted roughly as placements are (Central Java, East Java, West Java, NTB...).
PROVINCES = {"33": 24, "35": 22, "32": 18, "52": 10, "18": 6, "36": 5, "53": 4, "34": 3, "12": 3, "51": 2, "73": 2}
# (scheme, destination, P3MI, job order, occupation, sector)
PLACEMENTS = [
    ("P3MI", "TW", "P3MI-0007", "JO-2026-0042", "caregiver", "informal"),
    ("P3MI", "TW", "P3MI-0007", "JO-2026-0043", "factory_operator", "formal"),
    ("P3MI", "HK", "P3MI-0003", "JO-2026-0051", "domestic_worker", "informal"),
    ("P3MI", "MY", "P3MI-0005", "JO-2026-0058", "plantation_worker", "formal"),
    ("P3MI", "JP", "P3MI-0003", "JO-2026-0064", "care_worker", "formal"),
    ("G2G", "KR", None, "JO-G2G-KR-2026", "factory_operator", "formal"),
    ("G2G", "JP", None, "JO-G2G-JP-2026", "care_worker", "formal"),
    ("INDEPENDENT", "SG", None, None, "domestic_worker", "informal"),
]
PRE_DEPARTURE = (
    "family_consent", "job_selection", "placement_agreement", "medical_check", "competency_training",
    "passport", "employment_contract", "social_security", "work_visa", "document_verification",
    "pre_departure_orientation", "departure",
)  # fmt: skip
NAMES = ["Siti", "Sri", "Dewi", "Nur", "Ani", "Rina", "Wati", "Budi", "Agus", "Eko", "Yuni", "Lestari", "Rahayu"]
STEP_FILTERS = ["medical_check", "passport", "job_selection", "work_visa", "arrival_report", "departure"]
FLAG_FILTERS = ["arrival_report_overdue", "document_expired"]


# ---- the population: real journeys at every stage ----------------------------------------------


def evidence(step: str, scheme: str, job_order: str | None, now: datetime) -> dict[str, Any]:
    """Evidence that passes `step`'s rules at `now` (contract start two months on, 24 months)."""
    iso = now.isoformat().replace("+00:00", "Z")
    start = (now + timedelta(days=60)).date()
    return {
        "family_consent": {"consent_ref": "FC-1", "village": "Tegalrejo"},
        "job_selection": (
            {"employer_name": "Tan Household", "offer_ref": "OFFER-9"}
            if scheme == "INDEPENDENT"
            else {"job_order_id": job_order}
        ),
        "placement_agreement": {"agreement_no": "PA-1", "signed_at": now.date().isoformat()},
        "medical_check": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": now.date().isoformat()},
        "competency_training": {"certificate_no": "CERT-1", "institution_id": "LPK-3374-01", "issued_at": iso},
        "passport": {"passport_no": "C*****12", "expires_at": (now + timedelta(days=5 * 365)).date().isoformat()},
        "employment_contract": {
            "contract_no": "EC-1",
            "employer_name": "Tan Household",
            "start_date": start.isoformat(),
            "duration_months": 24,
            "monthly_salary": "20000",
            "currency": "TWD",
        },
        "social_security": {"membership_no": "BPJS-1", "covered_until": (start + timedelta(days=800)).isoformat()},
        "work_visa": {"visa_no": "V-1", "expires_at": (start + timedelta(days=800)).isoformat()},
        "document_verification": {},
        "pre_departure_orientation": {"attended_at": iso},
        "departure": {"departed_at": iso, "port": "CGK", "flight_no": "CI762"},
        "arrival_report": {"reported_at": iso, "mission": "KDEI-TPE"},
        "return": {"arrived_at": iso, "port": "CGK", "reason": "contract_end"},
    }[step]


class Aggregate:
    """decide -> recorded event -> evolve, then whatever `timeline.settle` makes due (as the workflow commits)."""

    def __init__(self, placement: tuple, now: datetime) -> None:
        scheme, country, p3mi, job_order, occupation, sector = placement
        self.now, self.job_order, self.state = now, job_order, None
        worker = WorkerProfile(
            nik_masked="3374********0002", full_name="Siti Rahayu", birth_date=date(1995, 1, 15), gender="F",
            phone_masked="0812*****890", province_code="33", regency_code="3374",
        )  # fmt: skip
        start = StartJourney(
            journey_id="j_TEMPLATE", scheme=scheme, worker=worker, p3mi_id=p3mi, job_order_id=job_order,
            destination_country=country, occupation=occupation, sector=sector, actor=OFFICER,
        )  # fmt: skip
        self.commit(decide.start(start))
        self.commit(decide.registration_result(self.s, "REG-2026-0001", None))

    @property
    def s(self) -> JourneyState:
        assert self.state is not None
        return self.state

    def commit(self, emitted: list[Emitted]) -> None:
        pending = list(emitted)
        while pending:
            for item in pending:
                self.state = evolve(self.state, item.recorded((self.state.version if self.state else 0) + 1, self.now))
            pending = timeline.settle(self.s, self.now)

    def complete(self, step: str, **changes: Any) -> None:
        proof = {**evidence(step, self.s.scheme, self.job_order, self.now), **changes}
        cmd = StepCommand(step=step, action="complete", evidence=proof, actor=OFFICER)
        self.commit(decide.step_action(self.s, cmd, self.now))

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)
        self.commit(timeline.settle(self.s, self.now))

    def through(self, done: int) -> "Aggregate":
        """Complete the first `done` pre-departure steps of the scheme, a day apart."""
        for step in PRE_DEPARTURE[:done]:
            if self.s.step_state(step) in ACTIONABLE:
                self.complete(step)
                self.now += timedelta(days=1)
        return self


def templates(seed: int) -> list[tuple[JourneyState, int]]:
    """Journey states at every stage, each with its weight in the population."""
    rng = random.Random(seed)
    out: list[tuple[JourneyState, int]] = []
    for placement in PLACEMENTS:
        for variant in range(2):

            def fresh(placement: tuple = placement) -> Aggregate:
                return Aggregate(placement, datetime(2025, 9, 1, 8, tzinfo=UTC) + timedelta(days=rng.randrange(150)))

            for done in range(len(PRE_DEPARTURE)):
                out.append((fresh().through(done).s, 6))
            medical_lapsed = fresh().through(5)
            medical_lapsed.advance(100)  # the check lapses before departure: expired, document_expired
            out.append((medical_lapsed.s, 3))
            unfit = fresh().through(3)
            unfit.complete("medical_check", result="unfit")
            out.append((unfit.s, 2))
            departed = fresh().through(len(PRE_DEPARTURE))
            out.append((departed.s, 8))
            overdue = fresh().through(len(PRE_DEPARTURE))
            overdue.advance(31 + variant * 10)  # no arrival report: arrival_report_overdue
            out.append((overdue.s, 5))
            placed = fresh().through(len(PRE_DEPARTURE))
            placed.advance(10)
            placed.complete("arrival_report")
            out.append((placed.s, 20))
            returned = fresh().through(len(PRE_DEPARTURE))
            returned.advance(10)
            returned.complete("arrival_report")
            returned.advance(800)  # past the contract's end: employment ends, the return is due
            returned.complete("return")
            out.append((returned.s, 5))
            for outcome, actor, done in (("withdrawn", OFFICER, 4), ("cancelled", SUPERVISOR, 8)):
                ended = fresh().through(done)
                ended.commit(decide.end_journey(ended.s, EndJourney(reason="bench", actor=actor), outcome))
                out.append((ended.s, 3))
    return out


@dataclass(frozen=True)
class Member:
    """One journey of the population: a template state given its own id and worker."""

    template: int
    journey_id: str
    worker: WorkerProfile


def population(n: int, seed: int) -> tuple[list[tuple[JourneyState, int]], list[Member]]:
    """The same N journeys for the same seed (the writers rebuild them in their own process)."""
    states = templates(seed)
    rng = random.Random(seed + 1)
    provinces, weights = list(PROVINCES), list(PROVINCES.values())
    picks = rng.choices(range(len(states)), weights=[w for _, w in states], k=n)
    base_ms = int(datetime(2025, 9, 1, tzinfo=UTC).timestamp() * 1000)
    members = []
    for i, template in enumerate(picks):
        province = rng.choices(provinces, weights)[0]
        regency = f"{province}{rng.randrange(1, 30):02d}"
        gender = rng.choice("FFFM")
        worker = WorkerProfile(
            nik_masked=f"{regency}********{rng.randrange(10_000):04d}",
            full_name=f"{rng.choice(NAMES)} {rng.choice(NAMES)}",
            birth_date=date(1975, 1, 1) + timedelta(days=rng.randrange(28 * 365)),
            gender=gender,
            phone_masked=f"0812*****{rng.randrange(1000):03d}",
            province_code=province,
            regency_code=regency,
        )
        ulid = ULID.from_bytes((base_ms + i * 600_000).to_bytes(6, "big") + rng.randbytes(10))
        members.append(Member(template, f"j_{ulid}", worker))
    return states, members


def member_projection(states: list[tuple[JourneyState, int]], m: Member, **changes: Any) -> JourneyProjection:
    state = states[m.template][0].model_copy(update={"journey_id": m.journey_id, "worker": m.worker, **changes})
    return projection(state)


async def fill(url: str, n: int, seed: int) -> dict[str, Any]:
    """Migrate, seed the reference data, bulk-insert the population's read-model rows."""
    started = time.perf_counter()
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        await ReferenceData(engine).seed()
        states, members = population(n, seed)
        rows, steps, flags, items = [], [], [], []
        for m in members:
            p = member_projection(states, m)
            rows.append(journey_row(p))
            steps += step_rows(p)
            flags += flag_rows(p)
            items += journey_items(p)
        tables = ((journeys, rows), (journey_available_steps, steps), (journey_flags, flags), (work_items, items))
        async with engine.begin() as conn:
            for table, batch in tables:
                for i in range(0, len(batch), 1000):
                    await conn.execute(table.insert(), batch[i : i + 1000])
        if engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: without statistics the planner guesses.
            async with engine.connect() as conn:
                await conn.execute(text("ANALYZE journeys, journey_available_steps, journey_flags, work_items"))
                await conn.commit()
    finally:
        await engine.dispose()
    size = statistics.mean(len(json.dumps(r["document"], separators=(",", ":"))) for r in rows)
    return {
        "journeys": n,
        "seconds": round(time.perf_counter() - started, 1),
        "document_bytes_mean": round(size),
        "by_status": dict(Counter(r["status"] for r in rows)),
        "by_phase": dict(Counter(r["phase"] for r in rows)),
        "available_step_rows": len(steps),
        "flag_rows": dict(Counter(f["flag"] for f in flags)),
        "work_item_rows": dict(Counter(i["kind"] for i in items)),
    }


# ---- the callers ---------------------------------------------------------------------------------


def callers(count: int, seed: int) -> list[tuple[str, str | None]]:
    """(token, the officer's or supervisor's province or None) for `count` callers, every role."""
    rng = random.Random(seed)
    provinces, weights = list(PROVINCES), list(PROVINCES.values())
    out = []
    for i in range(count):
        role = rng.choices(["officer", "supervisor", "auditor", "admin"], [60, 20, 12, 8])[0]
        region = rng.choices(provinces, weights)[0] if role in ("officer", "supervisor") else "*"
        token = create_token(DEV_JWT_SECRET, f"{role}-{i}", role, region, ttl=3600)
        out.append((token, None if region == "*" else region))
    return out


def query(rng: random.Random, region: str | None) -> dict[str, str]:
    """One list query: mostly unfiltered or one filter, sometimes two, at the default page size mostly."""
    kind = rng.choices(
        ["none", "status", "province", "step", "flag", "phase", "scheme", "country", "two"],
        [25, 15, 15, 15, 10, 5, 5, 5, 5],
    )[0]
    params: dict[str, str] = {}
    if kind == "status":
        params["status"] = rng.choice(["active", "active", "ended"])
    elif kind == "province":
        params["province_code"] = region or rng.choice(list(PROVINCES))
    elif kind == "step":
        params["step"] = rng.choice(STEP_FILTERS)
    elif kind == "flag":
        params["flag"] = rng.choice(FLAG_FILTERS)
    elif kind == "phase":
        params["phase"] = rng.choice(["pre_departure", "placement"])
    elif kind == "scheme":
        params["scheme"] = rng.choice(["P3MI", "G2G", "INDEPENDENT"])
    elif kind == "country":
        params["destination_country"] = rng.choice(["TW", "HK", "MY", "KR", "JP", "SG"])
    elif kind == "two":
        params["status"] = "active"
        params["step"] = rng.choice(STEP_FILTERS)
    limit = rng.choices([None, "20", "100"], [80, 10, 10])[0]
    if limit:
        params["limit"] = limit
    return params


def next_cursor(body: bytes) -> str | None:
    """`next_cursor` of a page, read from the body's tail (the last member) without parsing the items."""
    at = body.rfind(b'"next_cursor":')
    try:
        return json.loads(body[at + len(b'"next_cursor":') : -1]) if at >= 0 else json.loads(body)["next_cursor"]
    except ValueError:
        return json.loads(body)["next_cursor"]


class Dropped(Exception):
    """The server closed or reset the connection without (a whole) answer."""


class Connection:
    """One keep-alive HTTP/1.1 connection of one caller, as a browser or an integration holds it.

    A client of its own rather than httpx: at 100 callers httpx took about half a core of the two,
    which the server then did not have. It sends a GET and reads the answer by Content-Length or
    chunks; nothing is retried, so a connection the server drops is counted, not hidden."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, headers: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(target, headers)
        except BaseException:
            self.close()  # half an answer may be in flight: never reuse the connection
            raise

    async def _exchange(self, target: str, headers: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        host = f"{self.host}:{self.port}".encode()
        self.writer.write(b"GET " + target.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\n" + headers + b"\r\n")
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            if "content-length" in fields:
                body = await self.reader.readexactly(int(fields["content-length"]))
            elif fields.get("transfer-encoding", "").lower() == "chunked":
                body = await self._chunks()
            else:
                body = await self.reader.read()  # the answer ends with the connection
                fields["connection"] = "close"
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            raise Dropped(type(exc).__name__) from exc
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, fields, body

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size + 2))
        await self.reader.readuntil(b"\r\n")
        return b"".join(part[:-2] for part in parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def classify(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connect_refused"
    if isinstance(exc, Dropped | ConnectionError):
        return "dropped"
    return type(exc).__name__


@dataclass
class ClientPlan:
    base_url: str
    callers: list[tuple[str, str | None]]
    start_at: float  # time.time() at which the warm-up starts
    warmup: float
    duration: float
    timeout: float
    seed: int


async def drive(plan: ClientPlan) -> dict[str, Any]:
    """Run this process's callers; latencies of the requests started in the measured window."""
    latencies: list[float] = []  # every answer, whatever its status
    answered: list[float] = []  # the 200s
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    measure_from = plan.start_at + plan.warmup
    stop_at = measure_from + plan.duration
    host, port = plan.base_url.removeprefix("http://").rsplit(":", 1)
    connections = [Connection(host, int(port), plan.timeout) for _ in plan.callers]
    try:

        async def caller(index: int, token: str, region: str | None) -> None:
            connection = connections[index]
            rng = random.Random(plan.seed * 1000 + index)
            headers = f"Authorization: Bearer {token}\r\nAccept: application/json\r\n".encode()
            params: dict[str, str] = {}
            cursor: str | None = None
            while (begun := time.time()) < stop_at:
                if cursor is None or rng.random() < 0.3:
                    params = query(rng, region)  # a new query, or stop following the pages
                    cursor = None
                sent = {**params, "cursor": cursor} if cursor else params
                started = time.perf_counter()
                try:
                    code, fields, body = await connection.get(f"/v1/journeys?{urlencode(sent)}", headers)
                    elapsed = time.perf_counter() - started
                    status = str(code)
                    cursor = next_cursor(body) if code == 200 else None
                    if code != 200:
                        samples.setdefault(status, body[:300].decode(errors="replace"))
                except Exception as exc:  # counted, never raised: a dropped connection is a result
                    elapsed, status, cursor = time.perf_counter() - started, None, None
                    kind = classify(exc)
                    samples.setdefault(kind, repr(exc)[:300])
                if begun >= measure_from:
                    if status is None:
                        errors[kind] += 1
                    else:
                        statuses[status] += 1
                        latencies.append(elapsed * 1000)
                        if status == "200":
                            answered.append(elapsed * 1000)
                if status in ("429", "503") and "retry-after" in fields:
                    # As API.md asks of every client: come back after `Retry-After` seconds.
                    await asyncio.sleep(min(float(fields["retry-after"]), max(0.0, stop_at - time.time())))

        await asyncio.sleep(max(0.0, plan.start_at - time.time()))
        cpu_at_measure: list[float] = []

        async def mark_cpu() -> None:
            await asyncio.sleep(max(0.0, measure_from - time.time()))
            cpu_at_measure.append(time.process_time())

        marker = asyncio.create_task(mark_cpu())
        tasks = [asyncio.create_task(caller(i, t, r)) for i, (t, r) in enumerate(plan.callers)]
        # Every caller stops starting requests at `stop_at`; the last ones finish within the timeout.
        done, pending = await asyncio.wait(tasks, timeout=stop_at - time.time() + plan.timeout + 5)
        for task in pending:
            task.cancel()
        await marker
        cpu = time.process_time() - cpu_at_measure[0]
        ended = time.time()
    finally:
        for connection in connections:
            connection.close()
    return {
        "latencies_ms": latencies,
        "ok_latencies_ms": answered,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "samples": samples,
        "cpu_seconds": cpu,
        "window_seconds": ended - measure_from,
        "unfinished_callers": len(pending),
    }


def run_client(plan: ClientPlan) -> dict[str, Any]:
    return asyncio.run(drive(plan))


# ---- the writers ---------------------------------------------------------------------------------


@dataclass
class WriterPlan:
    url: str
    writers: int
    pause: float
    journeys: int
    seed: int
    start_at: float
    stop_at: float


async def write(plan: WriterPlan) -> dict[str, Any]:
    """K concurrent writers: each upserts a journey's next version, pauses, and again, until `stop_at`."""
    states, members = population(plan.journeys, plan.seed)
    versions = {m.journey_id: states[m.template][0].version for m in members}
    engine = create_engine(plan.url)
    model = JourneyReadModel(engine)
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def writer(index: int) -> None:
        rng = random.Random(plan.seed * 7919 + index)
        while time.time() < plan.stop_at:
            m = rng.choice(members)
            versions[m.journey_id] += 1
            p = member_projection(states, m, version=versions[m.journey_id], updated_at=datetime.now(UTC))
            started = time.perf_counter()
            try:
                await model.upsert(p)
                latencies.append((time.perf_counter() - started) * 1000)
            except Exception as exc:  # counted: a writer that fails is a result too
                errors[type(exc).__name__] += 1
            await asyncio.sleep(plan.pause)

    await asyncio.sleep(max(0.0, plan.start_at - time.time()))
    cpu = time.process_time()
    try:
        await asyncio.gather(*(writer(i) for i in range(plan.writers)))
    finally:
        await engine.dispose()
    return {"latencies_ms": latencies, "errors": dict(errors), "cpu_seconds": time.process_time() - cpu}


def run_writers(plan: WriterPlan) -> dict[str, Any]:
    return asyncio.run(write(plan))


# ---- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_api(url: str, port: int, log_path: Path, data_dir: Path, workers: int) -> subprocess.Popen:
    """`pmi api` on 127.0.0.1:`port`, Temporal pointed at a port where nothing listens."""
    env = {
        **os.environ,
        "PMI_DATABASE_URL": url,
        "PMI_DATA_DIR": str(data_dir),
        "PMI_API_HOST": HOST,
        "PMI_API_PORT": str(port),
        "PMI_TEMPORAL_PORT": str(free_port()),
        "PMI_LOG_FORMAT": "json",
        "PMI_JWT_SECRET": DEV_JWT_SECRET,
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "cli.main", "api", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(base_url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the API exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the API did not answer /healthz")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes (Linux /proc)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def busy_seconds() -> float:
    """CPU time the whole machine has spent busy (every core, every process; Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_seconds() -> float:
    """CPU of the PostgreSQL server's processes now alive (ours, and any other database's)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except (OSError, ValueError):
            pass
    return cpu_seconds(pids)


def server_pids(server: subprocess.Popen) -> list[int]:
    """The uvicorn process and, with --api-workers > 1, its worker children."""
    pids = [server.pid]
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    return pids


def profile(pid: int, path: str, seconds: float) -> subprocess.Popen:
    """py-spy (not a project dependency: `pip install py-spy`) on the server for the measured window."""
    py_spy = Path(sys.executable).parent / "py-spy"
    command = [str(py_spy), "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "200", "-f", "raw", "-o", path]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


def read_log(path: Path) -> dict[str, Any]:
    """What the server logged: requests by status, and every warning or error event."""
    statuses: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # uvicorn's parent process (--api-workers > 1) logs before logging is configured
            if any(word in line for word in ("ERROR", "WARNING", "CRITICAL", "Traceback")):
                problems[f"(not JSON) {line[:120]}"] += 1
            continue
        if record.get("event") == "request":
            statuses[str(record.get("status"))] += 1
        level = str(record.get("level", "")).lower()
        if level in ("warning", "error", "critical", "exception"):
            problems[f"{level} {record.get('event')} {record.get('error_type') or ''}".strip()] += 1
    return {"requests_by_status": dict(statuses), "warnings_and_errors": dict(problems)}


# ---- the run -------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict[str, float | None]:
    return {f"p{p}": percentile(values, p) for p in (50, 95, 99)} | {"max": max(values) if values else None}


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def measure(args: argparse.Namespace, url: str, tmp: Path) -> dict[str, Any]:
    filled = asyncio.run(fill(url, args.journeys, args.seed))
    print(
        f"fill: {filled['journeys']} journeys in {filled['seconds']} s, documents {filled['document_bytes_mean']} B "
        f"on average; {filled['by_status']}, {filled['by_phase']}, flags {filled['flag_rows']}",
        flush=True,
    )
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    log_path = tmp / "api.log"
    server = start_api(url, port, log_path, tmp, args.api_workers)
    try:
        wait_healthy(base_url, server)
        pids = server_pids(server)
        start_at = time.time() + 2.0
        people = callers(args.concurrency, args.seed)
        shares = [people[i :: args.clients] for i in range(args.clients)]
        plans = [
            ClientPlan(base_url, share, start_at, args.warmup, args.duration, args.timeout, args.seed + i)
            for i, share in enumerate(shares)
        ]
        spawn = get_context("spawn")
        processes = args.clients + (1 if args.writers else 0)
        with ProcessPoolExecutor(max_workers=processes, mp_context=spawn) as pool:
            writers = None
            if args.writers:
                stop_at = start_at + args.warmup + args.duration
                wplan = WriterPlan(url, args.writers, args.writer_pause, args.journeys, args.seed, start_at, stop_at)
                writers = pool.submit(run_writers, wplan)
            futures = [pool.submit(run_client, plan) for plan in plans]
            time.sleep(max(0.0, start_at + args.warmup - time.time()))
            server_cpu, machine_cpu, pg_cpu = cpu_seconds(pids), busy_seconds(), postgres_seconds()
            profiler = profile(pids[-1], args.profile, args.duration) if args.profile else None
            results = [f.result(timeout=args.warmup + args.duration + args.timeout + 120) for f in futures]
            server_cpu, machine_cpu = cpu_seconds(pids) - server_cpu, busy_seconds() - machine_cpu
            pg_cpu = postgres_seconds() - pg_cpu
            if profiler is not None:
                profiler.wait(30)
            written = writers.result(timeout=args.timeout + 120) if writers else None
    finally:
        stop(server)
    latencies = [x for r in results for x in r["latencies_ms"]]
    window = max(r["window_seconds"] for r in results)
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    for r in results:
        statuses.update(r["statuses"])
        errors.update(r["errors"])
        samples.update(r["samples"])
    out = {
        "fill": filled,
        "requests": len(latencies),
        "throughput_per_s": len(latencies) / args.duration,
        "latency_ms": summary(latencies),
        "ok_latency_ms": summary([x for r in results for x in r["ok_latencies_ms"]]),
        "statuses": dict(statuses),
        "connection_errors": {"dropped": 0, "timeout": 0, "connect_refused": 0, **errors},
        "error_samples": samples,
        "client_cpu_percent": [round(100 * r["cpu_seconds"] / window) for r in results],
        "server_cpu_percent": round(100 * server_cpu / window),
        "machine_busy_percent": round(100 * machine_cpu / window),
        "postgres_cpu_percent": round(100 * pg_cpu / window),
        "unfinished_callers": sum(r["unfinished_callers"] for r in results),
        "server_log": read_log(log_path),
    }
    if written is not None:
        out["writers"] = {
            "upserts": len(written["latencies_ms"]),
            "per_s": len(written["latencies_ms"]) / (args.warmup + args.duration),
            "latency_ms": summary(written["latencies_ms"]),
            "errors": written["errors"],
            "cpu_percent": round(100 * written["cpu_seconds"] / (args.warmup + args.duration)),
        }
    return out


def report(out: dict[str, Any]) -> None:
    lat = out["latency_ms"]
    print(f"requests (measured)     {out['requests']}")
    print(f"throughput              {out['throughput_per_s']:,.1f} req/s")
    print(f"latency p50/p95/p99/max {fmt(lat['p50'])} / {fmt(lat['p95'])} / {fmt(lat['p99'])} / {fmt(lat['max'])} ms")
    print(f"status codes            {dict(sorted(out['statuses'].items()))}")
    if set(out["statuses"]) - {"200"}:
        ok = out["ok_latency_ms"]
        print(f"  the 200s alone         {fmt(ok['p50'])} / {fmt(ok['p95'])} / {fmt(ok['p99'])} / {fmt(ok['max'])} ms")
    ce = dict(out["connection_errors"])
    print(f"connection errors       dropped {ce.pop('dropped')}, timeouts {ce.pop('timeout')}, "
          f"refused {ce.pop('connect_refused')}" + (f", other {ce}" if ce else ""))  # fmt: skip
    for kind, sample in out["error_samples"].items():
        print(f"  e.g. {kind}: {sample}")
    ours = out["server_cpu_percent"] + sum(out["client_cpu_percent"]) + out.get("writers", {}).get("cpu_percent", 0)
    ours += out["postgres_cpu_percent"]
    print(f"CPU (100% = one core)   API server {out['server_cpu_percent']}%, client process(es) "
          f"{out['client_cpu_percent']}%, PostgreSQL processes {out['postgres_cpu_percent']}%; machine busy "
          f"{out['machine_busy_percent']}% of {100 * (os.cpu_count() or 1)}%, of which anything else "
          f"{max(0, out['machine_busy_percent'] - ours)}%")  # fmt: skip
    if out["unfinished_callers"]:
        print(f"callers cut off         {out['unfinished_callers']} (still waiting past the timeout)")
    if "writers" in out:
        w = out["writers"]
        wl = w["latency_ms"]
        print(
            f"writers                 {w['upserts']} upserts ({w['per_s']:,.1f}/s), p50/p99 {fmt(wl['p50'])} / "
            f"{fmt(wl['p99'])} ms, errors {w['errors'] or 0}, CPU {w['cpu_percent']}%"
        )
    log = out["server_log"]
    print(f"server log              requests by status {log['requests_by_status']}")
    print(f"                        warnings/errors {log['warnings_and_errors'] or 'none'}")


def main(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )
    store = "PostgreSQL/other (--database-url)" if args.database_url else "SQLite temp file"
    print(
        f"parameters: journeys={args.journeys} concurrency={args.concurrency} clients={args.clients} "
        f"duration={args.duration}s warmup={args.warmup}s writers={args.writers} api_workers={args.api_workers} "
        f"store={store} code={ROOT}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="pmi-listbench-") as tmp_dir:
        tmp = Path(tmp_dir)
        url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'pmi.db'}"
        out = measure(args, url, tmp)
    report(out)
    out["parameters"] = {k: v for k, v in vars(args).items() if k != "json"}
    out["machine"] = {"cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    print(f"total wall time: {time.perf_counter() - began:.1f} s")
    bad = sum(out["connection_errors"].values()) + sum(v for k, v in out["statuses"].items() if k[0] == "5")
    return 1 if bad else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=10_000, help="journeys in the read model (default 10000)")
    parser.add_argument("--concurrency", type=int, default=100, help="concurrent list callers (default 100)")
    parser.add_argument("--clients", type=int, default=1, help="client processes sharing the callers (default 1)")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (default 20)")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds before (default 5)")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout per request, s (default 30)")
    parser.add_argument("--writers", type=int, default=0, help="concurrent read-model writers (default 0)")
    parser.add_argument(
        "--writer-pause", type=float, default=0.5, help="each writer's pause between upserts, s (default 0.5)"
    )
    parser.add_argument("--api-workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--database-url", default=None, help="a fresh, empty database; default a SQLite temp file")
    parser.add_argument("--profile", default=None, help="py-spy the server over the measured window (raw folded file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args(argv)
    if min(args.journeys, args.concurrency, args.clients) < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("--journeys, --concurrency and --clients must be >= 1, --duration > 0, --warmup >= 0")
    if args.clients > args.concurrency:
        parser.error("--clients cannot exceed --concurrency")
    return args


if __name__ == "__main__":
    sys.exit(main(parse()))
