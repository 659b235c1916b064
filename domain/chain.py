"""The hash chain of an event stream (API.md, Events), as pure functions over event documents.

Each event's `hash` is the SHA-256 of its `prev_hash` followed by the canonical JSON of the event as
the API returns it, without `hash` and `recorded_at`; the first event's `prev_hash` is 64 zeros. The
store writes and checks chains with these, and `pmi audit check-export` checks a bundle with them,
offline.
"""

import hashlib
import json
from collections.abc import Iterable
from typing import Any

GENESIS_HASH = "0" * 64
UNHASHED = ("hash", "recorded_at")


def canonical_json(obj: Any) -> str:
    """The canonical JSON of API.md: sorted keys, no spaces, UTF-8 characters as they are."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: dict) -> str:
    """SHA-256 hex of `prev_hash + canonical_json(event)`; `event` is the API document without
    `hash` and `recorded_at`."""
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


class ChainWalk:
    """Checks a stream's documents one at a time, oldest first: `broken_at` is the first seq where the
    chain breaks (None while intact). A missing seq, a `prev_hash` that is not the previous event's
    hash, or a `hash` that does not recompute all break it at that seq."""

    def __init__(self) -> None:
        self.broken_at: int | None = None
        self._prev_hash = GENESIS_HASH
        self._expected_seq = 1

    def step(self, document: dict[str, Any]) -> None:
        if self.broken_at is None:
            if document.get("seq") != self._expected_seq or document.get("prev_hash") != self._prev_hash:
                self.broken_at = self._expected_seq
            elif event_hash(self._prev_hash, without_unhashed(document)) != document.get("hash"):
                self.broken_at = self._expected_seq
        self._prev_hash = document.get("hash")
        self._expected_seq += 1

    def unreadable(self, seq: int) -> int:
        """An event whose data cannot be read at stored `seq`: the chain is broken there at the latest."""
        self.broken_at = self.broken_at or min(seq, self._expected_seq)
        return self.broken_at


def first_broken_seq(documents: Iterable[dict[str, Any]]) -> int | None:
    """The first seq where the chain of these documents breaks; None when it is intact."""
    walk = ChainWalk()
    for document in documents:
        walk.step(document)
    return walk.broken_at


def without_unhashed(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in UNHASHED}
