"""`pmi audit rotate-key` on a real store (SQLite, and PostgreSQL when PMI_TEST_POSTGRES_URL is set)."""

import asyncio
from argparse import Namespace
from collections.abc import AsyncIterator

import pytest

from cli.audit_keys import rotate_key
from cli.main import build_parser
from config import Settings
from store.checkpoints import CheckpointStore
from store.db import create_engine
from store.keyring import KeyringFile
from store.migrate import upgrade_async
from tests.store.databases import BACKENDS, PG_ENV

PRODUCTION_SECRETS = {
    "jwt_secret": "j" * 40,
    "webhook_secrets": "clinic=c",
    "pii_key": "cHJvZHVjdGlvbi1waWkta2V5LTAxMjM0NTY3ODkwMTI=",
    "nik_hash_key": "n" * 20,
}


@pytest.fixture(params=BACKENDS)
async def database_url(request, tmp_path, pg_databases) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
        await upgrade_async(url)
        yield url
        return
    if pg_databases is None:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL variant skipped")
    name = await pg_databases.create()
    try:
        yield pg_databases.url_of(name)
    finally:
        await pg_databases.drop(name)


async def catalogued(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {k["key_id"] for k in await CheckpointStore(engine).keys()}
    finally:
        await engine.dispose()


async def test_rotating_prints_both_ids_and_the_new_key_and_catalogues_it(database_url, tmp_path, capsys):
    settings = Settings(database_url=database_url, audit_keyring_file=tmp_path / "keyring.json")
    before = KeyringFile(settings.audit_keyring_path).load()
    args = build_parser().parse_args(["audit", "rotate-key"])

    assert await asyncio.to_thread(rotate_key, args, settings) == 0

    after = KeyringFile(settings.audit_keyring_path).load()
    out = capsys.readouterr().out
    assert before.key_id in out and after.key_id in out and after.current.public_key in out
    assert after.key_id != before.key_id and before.key_id in after.public_keys()
    assert await catalogued(database_url) == {before.key_id, after.key_id}


async def test_rotating_on_a_database_not_yet_migrated_still_rotates_and_says_so(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", data_dir=tmp_path)
    before = KeyringFile(settings.audit_keyring_path).load()

    assert await asyncio.to_thread(rotate_key, Namespace(), settings) == 0

    assert KeyringFile(settings.audit_keyring_path).load().key_id != before.key_id
    assert "pmi migrate" in capsys.readouterr().err


def test_in_production_a_missing_keyring_is_refused_and_not_created(tmp_path, capsys):
    path = tmp_path / "absent" / "keyring.json"
    settings = Settings(env="production", audit_keyring_file=path, data_dir=tmp_path, **PRODUCTION_SECRETS)

    assert rotate_key(Namespace(), settings) == 2

    assert not path.exists()
    err = capsys.readouterr().err
    assert "no audit keyring" in err and "PMI_AUDIT_KEYRING_FILE" in err
