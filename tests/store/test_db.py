"""The engine: one per process, and SQLite configured for concurrent use."""

import pytest
from sqlalchemy import text

from config import get_settings
from store import db


async def test_get_engine_is_one_per_process_from_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PMI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PMI_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    await db.dispose_engine()
    try:
        engine = db.get_engine()
        assert db.get_engine() is engine
        assert engine.url.database == str((tmp_path / "data" / "pmi.db").resolve())
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == db.SQLITE_BUSY_TIMEOUT_MS
        await db.dispose_engine()
        assert db.get_engine() is not engine
    finally:
        await db.dispose_engine()
        get_settings.cache_clear()


def test_a_postgres_search_path_becomes_a_server_setting():
    engine = db.create_engine("postgresql+asyncpg://u@127.0.0.1:5432/pmi?search_path=tenant_a")
    assert "search_path" not in engine.url.query
    assert engine.sync_engine.pool.size() == 10


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_the_store_lives_in_the_schema_the_url_names(engine):
    async with engine.connect() as conn:
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar()
        tables = (
            await conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = :s AND tablename = 'events'"),
                               {"s": schema})
        ).scalar()  # fmt: skip
    assert schema.startswith("pmi_t_") and tables == 1
