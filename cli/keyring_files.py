"""What the key commands share: in production a keyring is provided, never made up by a command."""

import sys
from pathlib import Path

from config import Settings


def missing_in_production(settings: Settings, path: Path, what: str, variable: str) -> bool:
    """True (and says so on stderr) when in production there is no keyring at `path` to work on."""
    if settings.env != "production" or path.exists():
        return False
    print(f"no {what} at {path}: in production it must be provided ({variable}); nothing was rotated", file=sys.stderr)
    return True
