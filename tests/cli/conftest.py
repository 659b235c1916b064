"""CLI tests that need a store use the store tests' databases (SQLite, and PostgreSQL when configured)."""

from tests.store.databases import engine, pg_databases

__all__ = ["engine", "pg_databases"]
