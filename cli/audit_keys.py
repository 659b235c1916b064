"""`pmi audit rotate-key`: replace the audit signing key (docs/audit.md).

The keyring file gets a new current key; the old one's private half is destroyed and its public key
kept, so every checkpoint and export it signed still verifies. Processes re-read the file when it
changes: the worker signs with the new key from its next checkpoint on, without a restart. The new
public key is catalogued in `audit_keys` at once (the next signing would do it too) and printed, for
publishing wherever auditors take the engine's keys from.
"""

import argparse
import asyncio
import sys

from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError

from cli.keyring_files import missing_in_production
from config import Settings
from store.keyring import KeyringFile, PublicKey

LATER = "the new key is catalogued in audit_keys at the next signing"


def rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    """Rotate the keyring at `settings.audit_keyring_path`; 0 when rotated, 2 when there is none to rotate."""
    path = settings.audit_keyring_path
    if missing_in_production(settings, path, "audit keyring", "PMI_AUDIT_KEYRING_FILE"):
        return 2
    keyring = KeyringFile(path, create=settings.env != "production")
    old_id, new_id = keyring.rotate()
    ring = keyring.load()
    print(f"retired key: {old_id} (its public key is kept: what it signed still verifies)")
    print(f"new key:     {new_id}")
    print(f"public key:  {ring.current.public_key}")
    try:
        registered = asyncio.run(_register(settings, ring.keys))
    except (DBAPIError, OSError, TimeoutError) as exc:
        # The rotation stands (the file is what signs); the catalogue catches up at the next signing.
        print(f"the database could not be reached ({type(exc).__name__}): {LATER}", file=sys.stderr)
        return 0
    if registered:
        print("catalogued in audit_keys")
    else:
        print(f"the database has no audit_keys table yet (run `pmi migrate`): {LATER}", file=sys.stderr)
    return 0


async def _register(settings: Settings, keys: list[PublicKey]) -> bool:
    """Catalogue `keys` in `audit_keys`; False when the database is not migrated that far yet."""
    from store.checkpoints import CheckpointStore
    from store.db import create_engine

    engine = create_engine(settings.db_url, timeout_seconds=settings.database_timeout_seconds)
    try:
        async with engine.connect() as conn:
            migrated = await conn.run_sync(lambda sync: inspect(sync).has_table("audit_keys"))
        if migrated:
            await CheckpointStore(engine).register_keys(keys)
        return migrated
    finally:
        await engine.dispose()


def new_keyring(args: argparse.Namespace, settings: Settings) -> int:
    """Create the first keyring (production needs one before the engine starts); 2 when one exists."""
    from pathlib import Path

    path = Path(args.file).resolve() if args.file else settings.audit_keyring_path
    if path.exists():
        print(f"{path} exists already: rotate it with `pmi audit rotate-key` instead", file=sys.stderr)
        return 2
    ring = KeyringFile(path, create=True).load()
    print(f"created {path} (mode 0600)")
    print(f"key:        {ring.key_id}")
    print(f"public key: {ring.current.public_key}")
    return 0
