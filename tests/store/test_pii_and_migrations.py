"""The PII vault encrypts; migrations can run any number of times."""

from datetime import date

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from store.migrate import upgrade, upgrade_async
from store.pii import PiiVault, WorkerPii
from tests.store.databases import url_string

KEY = Fernet.generate_key().decode()
SITI = WorkerPii(nik="3374015501950002", full_name="Siti Rahayu", birth_date=date(1995, 1, 15), phone="+6281234567890")


async def test_vault_round_trip_and_the_ciphertext_holds_no_nik(engine):
    vault = PiiVault(engine, KEY)
    await vault.put("j_1", SITI)
    assert await vault.get("j_1") == SITI
    await vault.set_field("j_1", "passport_no", "C1234567")
    assert (await vault.get("j_1")).passport_no == "C1234567"
    await vault.set_field("j_1", "family_phone", "+6285700001111")
    assert (await vault.get("j_1")).family_phone == "+6285700001111"
    assert (await vault.get("j_1")).passport_no == "C1234567"
    async with engine.connect() as conn:
        ciphertext = (await conn.execute(text("SELECT ciphertext FROM worker_pii"))).scalar_one()
    for clear in ("3374015501950002", "Siti", "C1234567", "+6281234567890", "+6285700001111"):
        assert clear not in ciphertext
    assert await vault.get("j_unknown") is None
    with pytest.raises(KeyError):
        await vault.set_field("j_unknown", "passport_no", "C1")
    with pytest.raises(ValueError):
        await vault.set_field("j_1", "nik", "1111111111111111")


async def test_records_without_a_nik_hash_get_theirs_and_are_found_by_it(engine):
    """Journeys that had ended before migration 0005 have no NIK hash; `pmi migrate` fills them in."""
    vault = PiiVault(engine, KEY)
    other = SITI.model_copy(update={"nik": "3374015501950003"})
    await vault.put("j_old_1", SITI)
    await vault.put("j_old_2", other)
    await vault.put("j_new", SITI, nik_hash="hash-3374015501950002")
    assert await vault.journeys_of("hash-3374015501950002") == ["j_new"]
    assert await vault.backfill_nik_hashes(lambda nik: f"hash-{nik}", batch=1) == 2
    assert sorted(await vault.journeys_of("hash-3374015501950002")) == ["j_new", "j_old_1"]
    assert await vault.journeys_of("hash-3374015501950003") == ["j_old_2"]
    assert await vault.backfill_nik_hashes(lambda nik: f"hash-{nik}") == 0
    assert await vault.get("j_old_1") == SITI


async def test_family_phone_round_trips_through_the_vault(engine):
    vault = PiiVault(engine, KEY)
    await vault.put("j_2", SITI.model_copy(update={"family_phone": "+6289900002222"}))
    assert (await vault.get("j_2")).family_phone == "+6289900002222"
    await vault.put("j_3", SITI)
    assert (await vault.get("j_3")).family_phone is None


async def test_another_key_cannot_read_the_vault(engine):
    await PiiVault(engine, KEY).put("j_1", SITI)
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidToken
        await PiiVault(engine, Fernet.generate_key().decode()).get("j_1")


async def test_upgrading_a_migrated_database_again_changes_nothing(engine):
    url = url_string(engine)
    await upgrade_async(url)
    await upgrade_async(url)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all() == ["0010"]


def test_upgrade_creates_the_sqlite_directory_and_is_idempotent(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'pmi.db'}"
    upgrade(url)
    upgrade(url)
    assert (tmp_path / "nested" / "dir" / "pmi.db").exists()


async def test_the_migrated_schema_matches_the_tables(engine):
    """The migrations and `store.tables` describe the same schema (cases included), on both databases."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.tables import metadata

    def diff(sync_conn):
        return compare_metadata(MigrationContext.configure(sync_conn, opts={"compare_type": True}), metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
