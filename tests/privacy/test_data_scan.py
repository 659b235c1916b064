"""From outside, after a demo run: no worker's personal data is anywhere the engine writes in the clear.

The whole stack runs as a user runs it (`pmi run`: the Temporal dev server with its SQLite file, the
simulator, the worker and the API as processes, on a fresh data directory), `pmi demo` drives journeys
through it, and then every file under the data directory (the store's SQLite file or, on PostgreSQL,
every table), Temporal's database, the keyrings and every log line of the API, the worker, the
simulator and Temporal are read byte for byte. None may hold a NIK, name, birth date, phone number or
passport number of any worker the demo created (the vault, read with its key, says who they are), nor a
medical result.
"""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select, text

from config import Settings
from domain.pii import mask_name
from store.db import create_engine
from store.pii import PiiVault
from store.tables import worker_pii

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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_after_a_demo_run_no_personal_value_is_stored_or_logged_in_the_clear(backend, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    log_file = tmp_path / "pmi.log"
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
                run.send_signal(signal.SIGINT)
                try:
                    run.wait(60)
                except subprocess.TimeoutExpired:
                    run.kill()
        assert len(workers) >= 4 and any(w.passport_no for w in workers)
        secrets = sorted({value for w in workers for value in _values(w)})

        stored: dict[str, bytes] = {
            str(path.relative_to(data_dir)): path.read_bytes() for path in data_dir.rglob("*") if path.is_file()
        }
        assert "temporal.db" in stored and ("pmi.db" in stored) == (backend == "sqlite")
        if backend == "postgresql":
            stored["postgresql tables"] = await _postgres_text(db_url)
        stored["logs of the API, the worker, the simulator and Temporal"] = log_file.read_bytes()
        store_text = stored.get("pmi.db", b"") + stored.get("postgresql tables", b"")
        # The scan reads what is there: the journeys, under their ids, and the requests in the logs.
        assert all(journey_id.encode() in store_text for journey_id in journey_ids)
        assert all(mask_name(w.full_name).encode() in store_text for w in workers)  # the lists' masked names
        assert b'"path": "/v1/journeys"' in stored["logs of the API, the worker, the simulator and Temporal"]

        found = [
            (where, value) for where, content in stored.items() for value in secrets if value.encode("utf-8") in content
        ]
        found += [
            (where, medical.decode()) for where, content in stored.items() for medical in MEDICAL if medical in content
        ]
        assert found == [], found
