"""The dev server command line, and that a persisted dev server restarts with its search attributes."""

import asyncio
import socket
import subprocess
from pathlib import Path

from cli.devserver import dev_server_command, temporal_binary, wait_for_temporal
from config import Settings


def _pairs(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == flag]


def test_command_registers_every_search_attribute_as_keyword(tmp_path):
    argv = dev_server_command(Settings(data_dir=tmp_path))
    registered = _pairs(argv, "--search-attribute")
    # Written out: the lists the journeys are found by (API.md filters), each a Keyword.
    assert registered == [
        "PmiStatus=Keyword",
        "PmiPhase=Keyword",
        "PmiScheme=Keyword",
        "PmiProvince=Keyword",
        "PmiDestination=Keyword",
        "PmiP3mi=Keyword",
    ]


def test_command_persists_to_sqlite_in_the_data_dir_with_wal(tmp_path):
    argv = dev_server_command(Settings(data_dir=tmp_path, temporal_port=17233, temporal_ui_port=18233))
    assert argv[:3] == [str(temporal_binary()), "server", "start-dev"]
    assert _pairs(argv, "--db-filename") == [str(tmp_path.resolve() / "temporal.db")]
    assert _pairs(argv, "--sqlite-pragma") == ["journal_mode=wal", "synchronous=normal"]
    assert _pairs(argv, "--port") == ["17233"]
    assert _pairs(argv, "--ui-port") == ["18233"]
    assert _pairs(argv, "--ip") == ["127.0.0.1"]
    assert _pairs(argv, "--namespace") == ["default"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _registered_search_attributes(settings: Settings) -> set[str]:
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
    from temporalio.client import Client

    client = await Client.connect(settings.temporal_address)
    answer = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=settings.temporal_namespace)
    )
    return set(answer.custom_attributes)


def _start_and_stop(settings: Settings, log: Path) -> set[str] | None:
    """Start the server, wait for it, return its custom search attributes (None if it never came up)."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(dev_server_command(settings), stdout=out, stderr=subprocess.STDOUT)
        try:
            if not wait_for_temporal(settings, timeout=60, alive=lambda: proc.poll() is None):
                return None
            return asyncio.run(_registered_search_attributes(settings))
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_a_persisted_dev_server_restarts_with_its_search_attributes_already_registered(tmp_path):
    settings = Settings(data_dir=tmp_path, temporal_port=_free_port(), temporal_ui_port=_free_port())
    expected = {"PmiStatus", "PmiPhase", "PmiScheme", "PmiProvince", "PmiDestination", "PmiP3mi"}
    for _ in range(3):
        registered = _start_and_stop(settings, tmp_path / "temporal.log")
        assert registered is not None, (tmp_path / "temporal.log").read_text()[-2000:]
        assert expected <= registered
    assert (tmp_path / "temporal.db").exists()
