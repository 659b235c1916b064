"""Bring a database to the newest schema: `alembic upgrade head`, driven from code.

The Alembic scripts ship inside the package (`store/migrations`), so this works from an
installed wheel as well as from the repository.
"""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from store.db import ensure_sqlite_dir

STORE_DIR = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    """The Alembic config of the store; `url` defaults to `config.get_settings().db_url`."""
    if url is None:
        from config import get_settings

        url = get_settings().db_url
    cfg = Config(str(STORE_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(STORE_DIR / "migrations"))
    # Passed as an attribute, not an ini option: a password with "%" would break ini interpolation.
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str | None = None) -> None:
    """Migrate to head (idempotent). Synchronous: it runs its own event loop, so call it outside one."""
    cfg = alembic_config(url)
    ensure_sqlite_dir(cfg.attributes["url"])
    command.upgrade(cfg, "head")


async def upgrade_async(url: str | None = None) -> None:
    """`upgrade` from inside a running event loop (in a worker thread with its own loop)."""
    await asyncio.to_thread(upgrade, url)
