"""The one data converter and Temporal client factory, used by the API, the worker, the replayer, the
`pmi` commands and the tests.

The converter is `pydantic_data_converter` with the engine's payload codec (AES-256-GCM under the data
keyring, `workflows.codec`) and failures whose message and stack trace are encoded too, so nothing a
workflow or activity carries reaches Temporal in the clear.
"""

import dataclasses
from functools import lru_cache
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import Runtime

from config import Settings
from store.data_keys import DataKeyringFile
from tracing import temporal_interceptors
from workflows.codec import EncryptionCodec

# What reads histories whose payloads are already in the clear (a decoded export bundle, offline).
PLAIN_CONVERTER = dataclasses.replace(
    pydantic_data_converter, failure_converter_class=DefaultFailureConverterWithEncodedAttributes
)


def codec_for(settings: Settings) -> EncryptionCodec:
    return _codec(settings.data_keyring_path, settings.env != "production")


@lru_cache(maxsize=8)
def _codec(path: Path, create: bool) -> EncryptionCodec:
    return EncryptionCodec(DataKeyringFile(path, create=create))


def converter_with(codec: EncryptionCodec | None) -> DataConverter:
    return dataclasses.replace(PLAIN_CONVERTER, payload_codec=codec) if codec is not None else PLAIN_CONVERTER


def data_converter(settings: Settings) -> DataConverter:
    """The converter every client and replayer of these settings uses: one per keyring file."""
    return converter_with(codec_for(settings))


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    codec_for(settings).keyring.load()  # no keyring (production): fail at start, not at the first payload
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        interceptors=temporal_interceptors(settings),
        runtime=runtime,
    )
