"""`pmi keys rotate`: a new active data key for the payload codec (docs/privacy.md).

Payloads written from now on are encrypted under the new key; every older key stays in the keyring,
so what they encrypted still decrypts (histories are kept for years and replayed by auditors). The API,
the worker and the replayer re-read the file when it changes: no restart is needed. The keyring file
must then be copied to every host that runs them, as on first deployment.
"""

import argparse
import sys

from cli.keyring_files import missing_in_production
from config import Settings
from store.data_keys import DataKeyringFile


def rotate(args: argparse.Namespace, settings: Settings) -> int:
    """0 when rotated; 2 when in production there is no keyring to rotate (it must be provided)."""
    path = settings.data_keyring_path
    if missing_in_production(settings, path, "data keyring", "PMI_DATA_KEYRING_FILE"):
        return 2
    keyring = DataKeyringFile(path, create=settings.env != "production")
    old_id, new_id = keyring.rotate()
    print(f"previous key: {old_id} (kept: what it encrypted still decrypts)")
    print(f"active key:   {new_id}")
    print(f"keyring:      {path} ({len(keyring.load().keys)} keys)")
    return 0


def new_keyring(args: argparse.Namespace, settings: Settings) -> int:
    """Create the first data keyring (production needs one before the engine starts); 2 when one exists."""
    from pathlib import Path

    path = Path(args.file).resolve() if args.file else settings.data_keyring_path
    if path.exists():
        print(f"{path} exists already: rotate it with `pmi keys rotate` instead", file=sys.stderr)
        return 2
    ring = DataKeyringFile(path, create=True).load(fresh=True)
    print(f"created {path} (mode 0600)")
    print(f"active key: {ring.active_id}")
    return 0
