"""The payload codec (docs/privacy.md): every Temporal payload the engine writes is encrypted with
AES-256-GCM under the active data key, so Temporal's database, its Web UI and `temporal workflow show`
see ciphertext only.

An encrypted payload carries `encoding: binary/encrypted` and the key's id in its metadata; its data is
a 12-byte random nonce followed by the ciphertext of the whole original payload (metadata included),
authenticated with the key id, so a payload moved to another key id or altered fails to decrypt.
Payloads without that encoding (histories recorded before the codec) pass through unchanged, so they
still replay.
"""

import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import History
from temporalio.client import WorkflowHistory
from temporalio.converter import PayloadCodec

from store.data_keys import DataKeyringFile

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class PayloadDecryptionError(ValueError):
    """An encrypted payload that does not decrypt: altered, or under a key the keyring lacks."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: DataKeyringFile) -> None:
        self.keyring = keyring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key = self.keyring.load().active
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key.key).encrypt(nonce, payload.SerializeToString(), key.key_id.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key.key_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before the codec: in the clear as it always was
        key_id = payload.metadata.get(KEY_ID, b"").decode("ascii", "replace")
        try:
            key = self.keyring.key(key_id)
            data = payload.data
            clear = AESGCM(key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except Exception as exc:  # unknown key, wrong key, altered bytes: one answer
            raise PayloadDecryptionError(f"a payload under key {key_id!r} does not decrypt") from exc
        original = Payload()
        original.ParseFromString(clear)
        return original


async def decode_payloads_in(message: Message, codec: PayloadCodec) -> None:
    """Decode, in place, every `Payload` anywhere inside `message` (a history event, a failure...):
    what a person with the key sees, e.g. the histories of an export bundle."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.full_name == Payload.DESCRIPTOR.full_name:
            items = list(value) if _repeated(field) else [value]
            decoded = await codec.decode(items)
            for item, clear in zip(items, decoded, strict=True):
                item.CopyFrom(clear)
        elif field.message_type.GetOptions().map_entry:
            entry_value = field.message_type.fields_by_name["value"]
            for key in value:
                if entry_value.message_type is not None:
                    await _decode_value(value[key], entry_value, codec)
        elif _repeated(field):
            for item in value:
                await decode_payloads_in(item, codec)
        else:
            await decode_payloads_in(value, codec)


async def history_in_the_clear(history: WorkflowHistory, codec: PayloadCodec) -> WorkflowHistory:
    """A copy of `history` with every payload decoded (the original stays as Temporal stored it): what
    replays with no key, as in an export bundle or a recorded test history."""
    clear = History(events=history.events)  # the constructor copies the events
    await decode_payloads_in(clear, codec)
    return WorkflowHistory(history.workflow_id, list(clear.events))


async def _decode_value(value: Message, field, codec: PayloadCodec) -> None:  # noqa: ANN001
    if field.message_type.full_name == Payload.DESCRIPTOR.full_name:
        value.CopyFrom((await codec.decode([value]))[0])
    else:
        await decode_payloads_in(value, codec)


def _repeated(field) -> bool:  # noqa: ANN001
    return field.is_repeated
