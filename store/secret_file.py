"""Writing a file of keys: atomically, readable by its owner only."""

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_owner_only(path: Path, document: dict[str, Any], *, exclusive: bool) -> None:
    """`document` as JSON at `path`, replaced atomically, mode 0600. `exclusive`: only if no file exists
    yet (two processes starting at once must not both create a key, one of which would be lost)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2)
        os.chmod(tmp, 0o600)
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        else:
            os.replace(tmp, path)
            tmp = ""
    finally:
        if tmp:
            os.unlink(tmp)
