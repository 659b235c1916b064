"""The payload codec: AES-256-GCM under the data keyring, key id in the metadata, rotation, and
payloads from before the codec passing through."""

import json
import pickle
import stat

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import History, HistoryEvent
from temporalio.converter import DataConverter

from cli.main import main
from config import get_settings
from store.data_keys import DataKeyringFile, DataKeyringMissing
from workflows.client import PLAIN_CONVERTER, converter_with
from workflows.codec import ENCODING, KEY_ID, EncryptionCodec, PayloadDecryptionError, decode_payloads_in

WORKER = {"nik": "3374015501950002", "full_name": "Siti Rahayu", "phone": "+6281234567890"}


@pytest.fixture
def keyring(tmp_path) -> DataKeyringFile:
    return DataKeyringFile(tmp_path / "data-keyring.json")


async def test_a_payload_is_encrypted_under_the_active_key_and_decrypts_back(keyring):
    converter = converter_with(EncryptionCodec(keyring))
    [payload] = await converter.encode([WORKER])
    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata[KEY_ID].decode() == keyring.load().active_id
    for value in WORKER.values():
        assert value.encode() not in payload.SerializeToString()
    assert (await converter.decode([payload], [dict]))[0] == WORKER


async def test_the_keyring_file_is_created_once_readable_by_its_owner_only(keyring):
    first = keyring.load().active_id
    assert stat.S_IMODE(keyring.path.stat().st_mode) == 0o600
    assert DataKeyringFile(keyring.path).load().active_id == first  # a second process reads, not recreates


async def test_payloads_under_a_rotated_key_still_decrypt_and_new_ones_use_the_new_key(keyring, tmp_path, monkeypatch):
    codec = EncryptionCodec(keyring)
    [old] = await codec.encode(await PLAIN_CONVERTER.encode([WORKER]))
    monkeypatch.setenv("PMI_DATA_KEYRING_FILE", str(keyring.path))
    monkeypatch.setenv("PMI_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()  # the command must read this keyring, not the session's (settings are cached)
    try:
        assert main(["keys", "rotate"]) == 0
    finally:
        get_settings.cache_clear()
    other_process = EncryptionCodec(DataKeyringFile(keyring.path))
    [new] = await other_process.encode(await PLAIN_CONVERTER.encode([WORKER]))
    assert new.metadata[KEY_ID] != old.metadata[KEY_ID]
    assert len(json.loads(keyring.path.read_text())["keys"]) == 2
    for payload in (old, new):  # the first codec learns the new key from the file
        assert (await PLAIN_CONVERTER.decode(await codec.decode([payload]), [dict]))[0] == WORKER


async def test_a_payload_from_before_the_codec_passes_through(keyring):
    [clear] = await PLAIN_CONVERTER.encode([WORKER])
    assert (await EncryptionCodec(keyring).decode([clear]))[0] == clear


@pytest.mark.parametrize("change", ["flip a ciphertext byte", "claim another key", "unknown key"])
async def test_an_altered_payload_does_not_decrypt(keyring, change):
    codec = EncryptionCodec(keyring)
    [payload] = await codec.encode(await PLAIN_CONVERTER.encode([WORKER]))
    if change == "flip a ciphertext byte":
        data = bytearray(payload.data)
        data[-1] ^= 1
        payload.data = bytes(data)
    elif change == "claim another key":
        keyring.rotate()
        payload.metadata[KEY_ID] = keyring.load().active_id.encode()
    else:
        payload.metadata[KEY_ID] = b"dk_0000000000000000"
    with pytest.raises(PayloadDecryptionError):
        await codec.decode([payload])


async def test_failure_messages_and_stack_traces_are_encoded_too(keyring):
    converter: DataConverter = converter_with(EncryptionCodec(keyring))
    failure = Failure()
    error = RuntimeError(f"Dukcapil refused {WORKER['nik']} for {WORKER['full_name']}")
    converter.failure_converter.to_failure(error, converter.payload_converter, failure)
    await converter.payload_codec.encode_failure(failure)
    assert WORKER["nik"].encode() not in failure.SerializeToString()
    assert failure.message == "Encoded failure"
    await converter.payload_codec.decode_failure(failure)
    back = converter.failure_converter.from_failure(failure, converter.payload_converter)
    assert WORKER["nik"] in str(back)


async def test_every_payload_in_a_history_is_decoded_in_place(keyring):
    codec = EncryptionCodec(keyring)
    [payload] = await codec.encode(await PLAIN_CONVERTER.encode([WORKER]))
    event = HistoryEvent(event_id=1)
    event.workflow_execution_started_event_attributes.input.payloads.append(payload)
    event.workflow_execution_started_event_attributes.memo.fields["k"].CopyFrom(payload)
    history = History(events=[event])
    await decode_payloads_in(history, codec)
    attributes = history.events[0].workflow_execution_started_event_attributes
    for decoded in (attributes.input.payloads[0], attributes.memo.fields["k"]):
        assert (await PLAIN_CONVERTER.decode([decoded], [dict]))[0] == WORKER


async def test_the_codec_travels_to_a_replay_process_by_its_keyring_path(keyring):
    codec = EncryptionCodec(keyring)
    [payload] = await codec.encode([Payload(data=b"x")])
    copy = pickle.loads(pickle.dumps(codec))
    assert (await copy.decode([payload]))[0].data == b"x"


def test_in_production_a_missing_keyring_is_an_error_not_a_new_key(tmp_path):
    with pytest.raises(DataKeyringMissing):
        DataKeyringFile(tmp_path / "none.json", create=False).load()
    assert not (tmp_path / "none.json").exists()
