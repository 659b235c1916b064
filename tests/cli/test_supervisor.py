"""The supervisor restarts a child that dies and stops every child on SIGTERM."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from cli.supervisor import ChildSpec, Supervisor

REPO = Path(__file__).resolve().parents[2]
SLEEPER = [sys.executable, "-c", "import time\nwhile True: time.sleep(0.1)"]


def _wait(predicate, timeout: float = 5.0, sup: Supervisor | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sup is not None:
            sup.poll_once()
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); our Popen reaps its own, so only foreign zombies remain here.
    return False


def test_a_child_that_is_killed_is_restarted_and_its_sibling_is_left_alone():
    logs: list[str] = []
    sup = Supervisor(backoff_initial=0.1, stop_timeout=2, log=logs.append)
    first = sup.start(ChildSpec("first", SLEEPER))
    second = sup.start(ChildSpec("second", SLEEPER))
    try:
        old_pid, sibling_pid = first.pid, second.pid
        os.kill(old_pid, signal.SIGKILL)
        assert _wait(lambda: first.restarts == 1 and first.running(), sup=sup)
        assert first.pid != old_pid
        assert second.pid == sibling_pid and second.running()
        assert any("first" in line and "restarting" in line for line in logs)
    finally:
        sup.stop_all()
    assert not first.running() and not second.running()


def test_backoff_grows_while_a_child_keeps_failing_fast():
    sup = Supervisor(backoff_initial=0.05, backoff_max=0.2, log=lambda _: None)
    child = sup.start(ChildSpec("crasher", [sys.executable, "-c", "raise SystemExit(3)"]))
    try:
        assert _wait(lambda: child.restarts >= 3, sup=sup)
        assert child.failures_in_a_row >= 3
    finally:
        sup.stop_all()


def test_sigterm_stops_every_child_and_the_supervisor_exits_zero(tmp_path):
    script = tmp_path / "supervise.py"
    pids = tmp_path / "pids"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            from cli.supervisor import ChildSpec, Supervisor
            sup = Supervisor(stop_timeout=2, log=lambda _: None)
            sup.install_signal_handlers()
            a = sup.start(ChildSpec("a", {SLEEPER!r}))
            b = sup.start(ChildSpec("b", {SLEEPER!r}))
            open({str(pids)!r}, "w").write(f"{{a.pid}} {{b.pid}}")
            sys.exit(sup.run(poll_interval=0.05))
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        assert _wait(lambda: pids.exists() and pids.read_text().strip() != "")
        children = [int(p) for p in pids.read_text().split()]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert _wait(lambda: all(_gone(pid) for pid in children), timeout=3)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path):
    ready = tmp_path / "ready"
    stubborn = [
        sys.executable,
        "-c",
        "import pathlib, signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "pathlib.Path(sys.argv[1]).touch()\nwhile True: time.sleep(0.1)",
        str(ready),
    ]
    sup = Supervisor(stop_timeout=0.3, log=lambda _: None)
    child = sup.start(ChildSpec("stubborn", stubborn))
    deadline = time.monotonic() + 30
    while not ready.exists():  # its handler is installed (a busy machine starts Python slowly)
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.02)
    started = time.monotonic()
    sup.stop_all()
    assert not child.running()
    assert child.proc.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 2
