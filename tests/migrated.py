"""A migrated, empty SQLite store for one test: a copy of a store migrated once per process.

`alembic upgrade head` takes 0.1-0.2 s, and hundreds of tests each want a store of their own; a copy
takes a millisecond. The migrations themselves are exercised where they are the subject
(`tests/store/test_pii_and_migrations.py`), and by every stack, which migrates its own store.
"""

import asyncio
import shutil
import sqlite3
import tempfile
from pathlib import Path

from store.migrate import upgrade_async

_template: Path | None = None
_lock = asyncio.Lock()


async def migrated_sqlite(path: Path) -> str:
    """Put a migrated store at `path`; its URL."""
    global _template
    async with _lock:
        if _template is None:
            template = Path(tempfile.mkdtemp(prefix="pmi-store-template-")) / "store.db"
            await upgrade_async(f"sqlite+aiosqlite:///{template}")
            with sqlite3.connect(template) as conn:  # everything in the main file, nothing in a WAL
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _template = template
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template, path)
    return f"sqlite+aiosqlite:///{path}"
