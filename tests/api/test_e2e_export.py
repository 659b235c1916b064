"""End to end: a signed export bundle that an auditor checks offline, with nothing but the file.

`pmi audit check-export` gets no database, no server and no Temporal: it checks the signature, the
hash chains, the signed checkpoints, the fold, and replays the histories against the installed code.
"""

import asyncio
import json
from pathlib import Path

import pytest

from cli.audit_export import check_bytes, load_bundle, trusted_keys
from cli.main import main
from domain import audit_signing as signing
from domain.audit_bundle import offline_checks, signed_part
from tests.api.stack import Stack, pmi_environment
from tests.api.test_e2e_audit import journey_with_history, settled_events


async def exported(stack: Stack, tmp_path: Path) -> tuple[str, Path, Path]:
    """A journey's bundle saved as the API served it, and the engine's published keys saved too."""
    jid, journey = await journey_with_history(stack)
    await settled_events(stack, jid, journey["version"])
    auditor = stack.auth("auditor", "*")
    r = await stack.api.get(f"/v1/journeys/{jid}/export", headers=auditor)
    assert r.status_code == 200, r.text
    bundle = tmp_path / f"{jid}.export.json"
    bundle.write_bytes(r.content)
    keys = await stack.api.get("/v1/audit/keys", headers=auditor)
    assert keys.status_code == 200, keys.text
    published = tmp_path / "keys.json"
    published.write_text(keys.text)
    return jid, bundle, published


def verdicts(checks) -> dict[str, str]:
    return {c.name: c.verdict for c in checks}


async def test_a_bundle_from_the_api_passes_every_offline_check_against_the_published_key(stack: Stack, tmp_path):
    jid, bundle, keys = await exported(stack, tmp_path)
    checks = await check_bytes(bundle.read_bytes(), str(keys))
    found = verdicts(checks)
    assert found["signature"] == "ok" and found["hash chains"] == "ok" and found["fold"] == "ok", checks
    assert found["replay"] == "ok", checks
    assert not any(c.failed for c in checks)
    assert await asyncio.to_thread(main, ["audit", "check-export", str(bundle), "--public-key", str(keys)]) == 0
    doc = json.loads(bundle.read_text())
    assert doc["journey_id"] == jid and doc["workflow_histories"] and doc["public_keys"]
    # Without a trusted key the signature only shows the bundle is as its own key made it.
    assert verdicts(await check_bytes(bundle.read_bytes(), None))["signature"] == "warning"


async def test_one_byte_changed_anywhere_in_a_bundle_fails_and_says_what_failed(stack: Stack, tmp_path):
    """Every byte of the file is content: a change either breaks the canonical JSON or changes what the
    signature covers. (The replay is left out of the loop: it cannot pass what the other checks failed.)"""
    _, bundle, keys = await exported(stack, tmp_path)
    original = bundle.read_bytes()
    trusted = trusted_keys(str(keys))
    positions = sorted({0, 1, len(original) // 2, len(original) - 1, *range(7, len(original), len(original) // 60)})
    for position in positions:
        altered = bytearray(original)
        altered[position] = ord("0") if altered[position] != ord("0") else ord("1")
        parsed, failure = load_bundle(bytes(altered))
        checks = [failure] if failure is not None else offline_checks(parsed, trusted)
        failed = [c for c in checks if c.failed]
        assert failed, f"a change at byte {position} went unnoticed"
        assert all(c.name and c.detail for c in failed)
    parsed, failure = load_bundle(original)
    assert failure is None and not any(c.failed for c in offline_checks(parsed, trusted))
    altered = original.replace(b'"type":"StepCompleted"', b'"type":"StepReopened"', 1)
    found = verdicts(await check_bytes(altered, str(keys)))
    assert found["signature"] == "failed" and found["hash chains"] == "failed"
    # The signature's own members are content too: its algorithm is not signed, so it is checked.
    altered = original.replace(b'"algorithm":"Ed25519"', b'"algorithm":"Ed25510"', 1)
    assert altered != original
    assert verdicts(await check_bytes(altered, str(keys)))["signature"] == "failed"


async def test_a_rewritten_bundle_re_signed_with_another_key_fails_the_signature_and_names_it(stack: Stack, tmp_path):
    """An attacker rewrites an event, recomputes the chain and signs with a key of their own: every
    hash checks, but not against the engine's published key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from domain.chain import event_hash, without_unhashed

    _, bundle, keys = await exported(stack, tmp_path)
    doc = json.loads(bundle.read_text())
    prev = doc["events"][0]["prev_hash"]
    doc["events"][0]["actor"]["sub"] = "someone-else"
    for event in doc["events"]:
        event["prev_hash"] = prev
        event["hash"] = prev = event_hash(prev, without_unhashed(event))
    forger = Ed25519PrivateKey.generate()
    public = signing.public_key_text(forger)
    doc["public_keys"] = [{"key_id": signing.key_id_of(public), "algorithm": "Ed25519", "public_key": public}]
    doc.pop("signature")
    doc["signature"] = {"key_id": signing.key_id_of(public), "algorithm": "Ed25519", "value": ""}
    doc["signature"]["value"] = signing.sign(forger, signed_part(doc))
    bundle.write_bytes(signing.canonical_bytes(doc))
    found = verdicts(await check_bytes(bundle.read_bytes(), str(keys)))
    assert found["signature"] == "failed"
    assert found["hash chains"] == "ok"  # the forger recomputed it
    assert await asyncio.to_thread(main, ["audit", "check-export", str(bundle), "--public-key", str(keys)]) == 1


async def test_pmi_audit_export_writes_a_bundle_that_checks(stack: Stack, tmp_path, monkeypatch):
    jid, journey = await journey_with_history(stack)
    await settled_events(stack, jid, journey["version"])
    for name, value in pmi_environment(stack).items():
        monkeypatch.setenv(name, value)
    from config import get_settings

    get_settings.cache_clear()
    try:
        out = tmp_path / "bundle.json"
        assert await asyncio.to_thread(main, ["audit", "export", jid, "-o", str(out)]) == 0
    finally:
        get_settings.cache_clear()
    keyring = json.loads((stack.settings.data_dir / "audit-keyring.json").read_text())
    current = next(k for k in keyring["keys"] if not k.get("retired_at"))
    command = ["audit", "check-export", str(out), "--public-key", current["public_key"]]
    assert await asyncio.to_thread(main, command) == 0


@pytest.mark.parametrize("content", [b"", b"not json", b'{"format": "something else"}'])
async def test_a_file_that_is_not_a_bundle_fails_the_format_check(tmp_path, content):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    checks = await check_bytes(path.read_bytes(), None)
    assert [c.name for c in checks if c.failed] == ["format"]
