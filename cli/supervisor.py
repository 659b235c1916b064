"""A small process supervisor: start children, restart the ones that die, stop them all in order.

Each child runs in its own process group, so a Ctrl-C in the terminal reaches only
the supervisor, which then stops the children in reverse start order (the API before
the worker, the worker before Temporal) instead of all of them at once.
"""

import os
import signal
import subprocess  # it starts the engine's own parts, argv lists, no shell  # nosec B404
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


def stderr_log(message: str) -> None:
    """Default log sink: one timestamped line on stderr."""
    print(f"{time.strftime('%H:%M:%S')} pmi | {message}", file=sys.stderr, flush=True)


@dataclass
class ChildSpec:
    """How to start one child process. `log_file` set: its output goes there instead of the terminal."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    cwd: str | None = None
    log_file: Path | None = None


@dataclass
class Child:
    """A supervised child and its restart bookkeeping."""

    spec: ChildSpec
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    failures_in_a_row: int = 0
    restart_at: float | None = None
    _log_handle: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Supervisor:
    """Starts children, restarts one that exits unexpectedly (exponential backoff), stops all on request."""

    def __init__(
        self,
        *,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        stable_after: float = 30.0,
        stop_timeout: float = 10.0,
        log: Callable[[str], None] = stderr_log,
    ) -> None:
        self.children: list[Child] = []
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        # A child that ran this long before dying is treated as healthy: its backoff starts over.
        self.stable_after = stable_after
        self.stop_timeout = stop_timeout
        self.log = log
        self.stopping = False
        self._force = False

    # ---- starting and restarting ------------------------------------------------

    def start(self, spec: ChildSpec) -> Child:
        """Start a child now and supervise it from here on."""
        child = Child(spec=spec)
        self.children.append(child)
        self._spawn(child)
        return child

    def _spawn(self, child: Child) -> None:
        spec = child.spec
        out: IO[bytes] | None = None
        if spec.log_file is not None:
            spec.log_file.parent.mkdir(parents=True, exist_ok=True)
            out = child._log_handle or open(spec.log_file, "ab")  # noqa: SIM115 - kept open for the child's life
            child._log_handle = out
        child.proc = subprocess.Popen(  # argv built by pmi itself  # nosec B603
            spec.argv,
            env=spec.env,
            cwd=spec.cwd,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            stdin=subprocess.DEVNULL,
            process_group=0,
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        self.log(f"started {spec.name} (pid {child.proc.pid})")

    def poll_once(self) -> None:
        """Notice children that exited and restart those whose backoff has elapsed."""
        now = time.monotonic()
        for child in self.children:
            if self.stopping:
                return
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self._spawn(child)
                continue
            if child.proc is None or child.proc.poll() is None:
                continue
            ran_for = now - child.started_at
            child.failures_in_a_row = 0 if ran_for >= self.stable_after else child.failures_in_a_row + 1
            delay = min(self.backoff_max, self.backoff_initial * (2 ** max(0, child.failures_in_a_row - 1)))
            child.restart_at = now + delay
            self.log(
                f"{child.spec.name} (pid {child.proc.pid}) exited with code {child.proc.returncode} "
                f"after {ran_for:.1f}s; restarting in {delay:.1f}s"
            )

    # ---- stopping ---------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        """SIGINT/SIGTERM ask for an orderly stop; a second one kills what is left at once."""
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

    def request_stop(self, signum: int | None = None, frame: object = None) -> None:
        """Signal handler (also callable directly)."""
        if self.stopping:
            self._force = True
            self.log("second stop request: killing the remaining children")
            return
        self.stopping = True
        name = signal.Signals(signum).name if signum else "request"
        self.log(f"{name} received: stopping")

    def stop_all(self) -> None:
        """SIGTERM each child in reverse start order, wait up to `stop_timeout`, then SIGKILL it."""
        self.stopping = True
        for child in reversed(self.children):
            child.restart_at = None
            proc = child.proc
            if proc is None or proc.poll() is not None:
                self._close_log(child)
                continue
            self._signal(proc, signal.SIGTERM)
            deadline = time.monotonic() + self.stop_timeout
            while proc.poll() is None and time.monotonic() < deadline and not self._force:
                time.sleep(0.05)
            if proc.poll() is None:
                self.log(f"{child.spec.name} (pid {proc.pid}) did not stop in time: SIGKILL")
                self._signal(proc, signal.SIGKILL)
                proc.wait()
            self.log(f"stopped {child.spec.name} (exit code {proc.returncode})")
            self._close_log(child)

    @staticmethod
    def _signal(proc: subprocess.Popen, sig: int) -> None:
        # The whole group: a child's own helpers (e.g. uvicorn reloaders) go down with it.
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

    @staticmethod
    def _close_log(child: Child) -> None:
        if child._log_handle is not None:
            child._log_handle.close()
            child._log_handle = None

    def run(self, poll_interval: float = 0.2, until: Callable[[], bool] | None = None) -> int:
        """Supervise until a stop is requested (or `until()` is true), then stop everything; returns 0."""
        try:
            while not self.stopping and not (until and until()):
                self.poll_once()
                time.sleep(poll_interval)
        finally:
            self.stop_all()
        return 0
