"""Fixtures of the fault matrix: engines with short dependency deadlines on the shared dev server, a
Temporal dev server of this module's own that a test may kill, and PostgreSQL behind a proxy that a
test may cut."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.faults.probes", "tests.faults.scenarios")

from sqlalchemy import make_url  # noqa: E402

from tests.api.stack import Stack, running_stack  # noqa: E402
from tests.faults.devserver import KillableDevServer  # noqa: E402
from tests.faults.probes import FAULT_SETTINGS  # noqa: E402
from tests.faults.tcp_proxy import TcpProxy  # noqa: E402
from tests.store.databases import PG_ENV, pg_databases  # noqa: E402

SKIP_POSTGRES = f"{PG_ENV} is not set: PostgreSQL fault run skipped"


@pytest.fixture(scope="module")
async def killable_server(tmp_path_factory) -> AsyncIterator[KillableDevServer]:
    """This module's own Temporal dev server; a test may kill it, and leaves it running."""
    server = KillableDevServer(tmp_path_factory.mktemp("temporal"))
    await server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def fault_stack(request, dev_env, pg_databases, tmp_path_factory) -> AsyncIterator[Stack]:
    """A running engine with short deadlines on the shared dev server, on SQLite and on PostgreSQL."""
    tmp = tmp_path_factory.mktemp("faults")
    if request.param == "sqlite":
        async with running_stack(dev_env.client, f"sqlite+aiosqlite:///{tmp / 'faults.db'}", tmp, FAULT_SETTINGS) as s:
            yield s
        return
    if pg_databases is None:
        pytest.skip(SKIP_POSTGRES)
    name = await pg_databases.create()
    try:
        async with running_stack(dev_env.client, pg_databases.url_of(name), tmp, FAULT_SETTINGS) as s:
            yield s
    finally:
        await pg_databases.drop(name)


@pytest.fixture
async def pg_behind_proxy(dev_env, pg_databases, tmp_path: Path) -> AsyncIterator[tuple[Stack, TcpProxy]]:
    """A running engine whose PostgreSQL is reached through a proxy the test can cut."""
    if pg_databases is None:
        pytest.skip(SKIP_POSTGRES)
    name = await pg_databases.create()
    direct = make_url(pg_databases.url_of(name))
    proxy = await TcpProxy(direct.port or 5432, direct.host or "127.0.0.1").start()
    url = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        async with running_stack(dev_env.client, url, tmp_path, FAULT_SETTINGS) as s:
            yield s, proxy
    finally:
        await proxy.close()
        await pg_databases.drop(name)


__all__ = ["pg_databases"]  # the session's PostgreSQL database factory (tests/store/databases.py)
