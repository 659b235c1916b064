"""Store tests run against SQLite and PostgreSQL (PMI_TEST_POSTGRES_URL; skipped when unset)."""

from tests.store.databases import engine, pg_databases

__all__ = ["engine", "pg_databases"]
