"""Strict JSON for request bodies (issue 8): what Python's parser lets through and JSON does not mean.

A key given twice (which value counts is up to the parser: two readers of one body could see two
requests), `NaN` and `Infinity` (RFC 8259 has neither), and nesting deeper than `MAX_DEPTH` levels are
refused with 422 before any route reads the body. Malformed JSON is left to the route's own validation,
which answers it with 422 as well; so is a number too large for a float (valid JSON, parsed as
infinity), which the route's field rules refuse naming the field.
"""

import json
from typing import Any

MAX_DEPTH = 64


class StrictJsonError(ValueError):
    """The body is JSON, but not JSON the engine accepts; the message says why (never a value)."""


def _pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({key for key, _ in items}) != len(items):
        raise StrictJsonError("An object has the same key twice")
    return dict(items)


def _constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def check(raw: bytes) -> None:
    """Raise `StrictJsonError` for a body the engine refuses; return for any other (JSON or not)."""
    try:
        value = json.loads(raw, object_pairs_hook=_pairs, parse_constant=_constant)
    except RecursionError as exc:
        raise StrictJsonError(f"The body nests deeper than {MAX_DEPTH} levels") from exc
    except StrictJsonError:
        raise
    except ValueError:
        return  # not JSON at all: the route's validation answers it
    if _depth(value) > MAX_DEPTH:
        raise StrictJsonError(f"The body nests deeper than {MAX_DEPTH} levels")
