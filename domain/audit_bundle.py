"""The signed export bundle of a journey (docs/audit.md) and its offline checks.

A bundle is one JSON document: the journey, its events with hashes, its cases with theirs, every
recorded workflow history (archived and live), the latest signed checkpoint of each stream, the
engine's public keys, and a `signature` of all of that. Everything here is pure: `pmi audit
check-export` runs these checks with nothing but the file (and the installed code, for the replay).
"""

import base64
from dataclasses import dataclass
from typing import Any

from domain import audit_signing as signing
from domain.case_events import evolve_case
from domain.case_rules import case_view
from domain.chain import first_broken_seq
from domain.contracts import NewEvent
from domain.evolve import fold
from domain.pii import open_values, open_with, same_document
from domain.view import journey_view

BUNDLE_FORMAT = "pmi-journey-export/1"
# The members an engine's bundle always has (a file without them is not a bundle).
REQUIRED = ("format", "journey_id", "journey", "events", "cases", "workflow_histories", "checkpoints", "signature")
# Case document members computed when read, not from the events.
_CASE_READ_TIME = ("overdue", "events")


def signed_part(bundle: dict[str, Any]) -> bytes:
    """What the bundle's signature covers: its canonical JSON without `signature`."""
    return signing.canonical_bytes({k: v for k, v in bundle.items() if k != "signature"})


def sign_bundle(bundle: dict[str, Any], keyring: Any) -> dict[str, Any]:
    """`bundle` with its `signature` ({key_id, algorithm, value}) made with `keyring.sign`."""
    key_id, value = keyring.sign(signed_part(bundle))
    return {**bundle, "signature": {"key_id": key_id, "algorithm": signing.ALGORITHM, "value": value}}


@dataclass(frozen=True)
class Check:
    """One check's verdict: its name, `ok` / `failed` / `warning`, and what it found."""

    name: str
    verdict: str
    detail: str

    @property
    def failed(self) -> bool:
        return self.verdict == "failed"


def _events(documents: list[dict[str, Any]]) -> list[NewEvent]:
    keys = ("seq", "type", "version", "occurred_at", "actor", "data")
    return [NewEvent.model_validate({k: d[k] for k in keys}) for d in documents]


def check_shape(bundle: Any) -> Check:
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        return Check("format", "failed", f"not a {BUNDLE_FORMAT} bundle")
    missing = [k for k in REQUIRED if k not in bundle]
    if missing:
        return Check("format", "failed", f"members missing: {', '.join(missing)}")
    return Check("format", "ok", f"{BUNDLE_FORMAT}, journey {bundle['journey_id']}")


def _keys(bundle: dict[str, Any], trusted: dict[str, str] | None) -> dict[str, str]:
    """The keys to check with: the auditor's trusted ones, or else the bundle's own."""
    if trusted is not None:
        return trusted
    return {k.get("key_id"): k.get("public_key") for k in bundle.get("public_keys", []) if isinstance(k, dict)}


def check_signature(bundle: dict[str, Any], trusted: dict[str, str] | None) -> Check:
    """The signature against `trusted` keys (key_id -> public key) given by the auditor, or else the
    bundle's own keys, which only shows the bundle is as its signer made it (a warning says so)."""
    signature = bundle.get("signature") or {}
    keys = _keys(bundle, trusted)
    key_id = signature.get("key_id") if isinstance(signature, dict) else None
    algorithm = signature.get("algorithm") if isinstance(signature, dict) else None
    if algorithm != signing.ALGORITHM:
        # The algorithm is not part of what is signed: one the verifier does not check is a blind spot.
        return Check("signature", "failed", f"signed with {algorithm!r}; bundles are signed with {signing.ALGORITHM}")
    if key_id not in keys:
        return Check("signature", "failed", f"signed with key {key_id!r}, which is not among the trusted keys")
    if not signing.signature_valid(keys[key_id], signed_part(bundle), str(signature.get("value", ""))):
        return Check("signature", "failed", f"the signature does not match the bundle's content (key {key_id})")
    if trusted is None:
        return Check(
            "signature",
            "warning",
            f"valid for the bundle's own key {key_id}; pass --public-key with the engine's published key to trust it",
        )
    return Check("signature", "ok", f"valid, key {key_id}")


def _streams(bundle: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    streams = [(bundle["journey_id"], bundle["events"])]
    streams += [(c.get("case_id", "?"), c.get("events", [])) for c in bundle["cases"]]
    return streams


def check_chains(bundle: dict[str, Any]) -> Check:
    broken = []
    for stream_id, documents in _streams(bundle):
        at = first_broken_seq(documents)
        if at is not None:
            broken.append(f"{stream_id} at seq {at}")
    if broken:
        return Check("hash chains", "failed", "broken: " + "; ".join(broken))
    return Check("hash chains", "ok", f"{len(_streams(bundle))} streams intact")


def check_checkpoints(bundle: dict[str, Any], trusted: dict[str, str] | None) -> Check:
    """Each stream's latest checkpoint in the bundle: signed by a trusted key, and the chain holds its
    head hash at its seq."""
    keys = _keys(bundle, trusted)
    latest: dict[str, dict[str, Any]] = {}
    for checkpoint in bundle["checkpoints"]:
        latest[checkpoint.get("stream_id")] = checkpoint
    if not latest:
        return Check("checkpoint", "warning", "the bundle holds no signed checkpoint")
    results, bad = [], []
    for stream_id, documents in _streams(bundle):
        checkpoint = latest.get(stream_id)
        status = signing.checkpoint_status(checkpoint, {d.get("seq"): d.get("hash") for d in documents}, keys)
        results.append(status)
        if status == "mismatch":
            bad.append(f"{stream_id} (checkpoint at seq {checkpoint.get('seq')})")
    if bad:
        return Check("checkpoint", "failed", "the chain does not match its signed checkpoint: " + "; ".join(bad))
    return Check("checkpoint", "ok", f"{results.count('ok')} streams match their signed checkpoint")


def _opener(bundle: dict[str, Any], stream_id: str) -> Any:
    """Opens a stream's event documents' sealed values with the bundle's key of that stream (none, as
    once erased: placeholders)."""
    held = (bundle.get("stream_keys") or {}).get(stream_id)
    key = base64.b64decode(held["key"]) if isinstance(held, dict) and held.get("key") else None
    opener = (lambda sealed: open_with(key, stream_id, sealed)) if key is not None else None

    def one(document: dict[str, Any]) -> dict[str, Any]:
        return {**document, "data": open_values(document["data"], opener)}

    return one


def check_fold(bundle: dict[str, Any]) -> Check:
    """The journey (and each case) in the bundle is exactly the fold of its events."""
    journey = bundle["journey"]
    if not isinstance(journey, dict):
        return Check("fold", "failed", "the bundle holds no journey state")
    try:
        version = journey.get("version", 0)
        opened = _opener(bundle, bundle["journey_id"])
        folded = fold(_events([opened(d) for d in bundle["events"] if d["seq"] <= version]))
        if folded is None or not same_document(journey_view(folded).document(), journey):
            return Check("fold", "failed", f"the journey is not the fold of its events up to seq {version}")
        for case in bundle["cases"]:
            state, opened = None, _opener(bundle, case.get("case_id", ""))
            for event in _events([opened(d) for d in case["events"] if d["seq"] <= case.get("version", 0)]):
                state = evolve_case(state, event)
            document = {k: v for k, v in case.items() if k not in _CASE_READ_TIME}
            if state is None or not same_document(case_view(state).document(), document):
                return Check("fold", "failed", f"case {case.get('case_id')} is not the fold of its events")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Check("fold", "failed", f"an event does not read as its type: {type(exc).__name__}")
    return Check("fold", "ok", f"the journey and {len(bundle['cases'])} cases are the fold of their events")


def offline_checks(bundle: Any, trusted: dict[str, str] | None) -> list[Check]:
    """The checks of `pmi audit check-export` that need nothing but the bundle, in order (the replay,
    which needs the installed workflow code, is the CLI's). Only `format` when the bundle has no shape."""
    shape = check_shape(bundle)
    if shape.failed:
        return [shape]
    return [
        shape,
        check_signature(bundle, trusted),
        check_chains(bundle),
        check_checkpoints(bundle, trusted),
        check_fold(bundle),
    ]
