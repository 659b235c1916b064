"""The triggers that make a table append-only, for the migrations (0004, 0005).

PostgreSQL: `events_append_only()` (migration 0001) refuses UPDATE, DELETE and TRUNCATE; SQLite: a
trigger per statement kind that aborts. Rows can still be read and inserted.
"""


def create_statements(table: str, postgres: bool) -> list[str]:
    """The statements that make `table` append-only on this dialect."""
    if postgres:
        return [
            f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION events_append_only()
            """,
            f"""
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()
            """,
        ]
    return [
        f"""
        CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only ({op_name} refused)'); END
        """
        for op_name in ("UPDATE", "DELETE")
    ]


def drop_statements(table: str, postgres: bool) -> list[str]:
    """The statements that undo `create_statements`."""
    if postgres:
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]
