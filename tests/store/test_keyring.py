"""Key rotation: a new key signs from then on, and what the old one signed still verifies."""

import json

from domain.audit_signing import checkpoint_message, checkpoint_valid, key_id_of
from store.checkpoints import CheckpointStore
from store.event_store import EventStore
from store.keyring import KeyringFile
from tests.store.test_event_store import new_event


def signed_checkpoint(keyring, seq: int = 7, head_hash: str = "ab" * 32) -> dict:
    checkpoint = {
        "stream_id": "j_01",
        "seq": seq,
        "head_hash": head_hash,
        "signed_at": "2026-03-01T08:00:00.000000Z",
        "key_id": keyring.key_id,
    }
    _, checkpoint["signature"] = keyring.sign(checkpoint_message(checkpoint))
    return checkpoint


def test_rotation_keeps_the_old_public_key_and_drops_its_private_half(tmp_path):
    path = tmp_path / "keyring.json"
    keyring = KeyringFile(path)
    before = keyring.load()

    old_id, new_id = keyring.rotate()

    after = keyring.load()
    assert old_id == before.key_id and new_id == after.key_id != old_id
    assert after.public_keys() == {**before.public_keys(), new_id: after.current.public_key}
    assert all(key_id_of(pub) == kid for kid, pub in after.public_keys().items())
    retired = next(k for k in after.keys if k.key_id == old_id)
    assert retired.retired_at is not None and after.current.retired_at is None
    document = path.read_text()
    assert before.document()["current_private_key"] not in document  # destroyed, not kept
    assert json.loads(document)["current_private_key"] == after.document()["current_private_key"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_checkpoint_signed_before_the_rotation_still_validates_after_it(tmp_path):
    keyring = KeyringFile(tmp_path / "keyring.json")
    old = signed_checkpoint(keyring.load())

    keyring.rotate()
    rotated = keyring.load()
    new = signed_checkpoint(rotated, seq=8)

    assert checkpoint_valid(old, rotated.public_keys()) and checkpoint_valid(new, rotated.public_keys())
    assert old["key_id"] != new["key_id"] == rotated.key_id
    # A reader that re-reads the file (another process) sees the rotation too.
    assert KeyringFile(tmp_path / "keyring.json").load().public_keys() == rotated.public_keys()


def test_a_tampered_checkpoint_fails_whatever_was_changed(tmp_path):
    keyring = KeyringFile(tmp_path / "keyring.json")
    checkpoint = signed_checkpoint(keyring.load())
    keyring.rotate()
    keys = keyring.load().public_keys()
    other = KeyringFile(tmp_path / "other.json").load()
    signature = checkpoint["signature"]
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]

    for change in (
        {"signature": flipped},
        {"signature": signed_checkpoint(other)["signature"]},
        {"seq": checkpoint["seq"] + 1},
        {"head_hash": "cd" * 32},
        {"stream_id": "j_02"},
        {"signed_at": "2026-03-01T08:00:01.000000Z"},
        {"key_id": other.key_id},
        {"signature": "not base64!"},
    ):
        assert not checkpoint_valid({**checkpoint, **change}, keys), change
    assert checkpoint_valid(checkpoint, keys)
    assert not checkpoint_valid(checkpoint, other.public_keys())  # an unknown key checks nothing


async def test_stored_checkpoints_of_the_old_key_verify_beside_those_of_the_new(engine, tmp_path):
    events, checkpoints = EventStore(engine), CheckpointStore(engine)
    keyring = KeyringFile(tmp_path / "keyring.json")
    await events.append("j_a", [new_event(1)])
    await checkpoints.sign_heads(keyring.load())

    old_id, new_id = keyring.rotate()
    await events.append("j_a", [new_event(2)])
    await checkpoints.sign_heads(keyring.load())

    stored, _ = await checkpoints.list("j_a", 0, 50)
    assert [(c["seq"], c["key_id"]) for c in stored] == [(1, old_id), (2, new_id)]
    keys = keyring.load().public_keys()
    assert all(checkpoint_valid(c, keys) for c in stored)
    assert {k["key_id"] for k in await checkpoints.keys()} == {old_id, new_id}
