"""Masking and sealing of personal data. The clear identifiers live only in the PII vault
(`store.pii`); other personal values are sealed under their journey's key (`store.journey_keys`)."""

import base64
import json
import os
import re
import unicodedata
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Evidence fields that are personal data, per step: kept in the vault, masked in events and state.
PII_EVIDENCE_FIELDS: dict[str, tuple[str, ...]] = {"passport": ("passport_no",)}


def _ascii(char: str) -> str:
    """A kept character of a masked identifier, in ASCII: its compatibility form when that is ASCII
    (full-width `Ｃ` -> `C`), else its digit (Arabic-Indic `٣` -> `3`), else `*`."""
    if char.isascii():
        return char
    compatible = unicodedata.normalize("NFKC", char)
    if compatible.isascii() and len(compatible) == 1:
        return compatible
    digit = unicodedata.digit(char, None)
    return "*" if digit is None else str(digit)


def _mask(value: str, keep_start: int, keep_end: int) -> str:
    """The identifier with only its first and last characters kept, always in ASCII. The API accepts
    identifiers only in ASCII, but free text (`mask_text`) and values stored before that rule may hold
    other scripts: a masked NIK in full-width digits would look like another person's next to the
    ASCII ones, and one NIK would have two masked forms in events, the read model and searches."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    start, end = value[:keep_start], value[len(value) - keep_end :]
    hidden = "*" * (len(value) - keep_start - keep_end)
    return "".join(map(_ascii, start)) + hidden + "".join(map(_ascii, end))


def mask_nik(nik: str) -> str:
    """`3374015501950002` -> `3374********0002`."""
    return _mask(nik, 4, 4)


def mask_phone(phone: str) -> str:
    return _mask(phone, 4, 3)


def mask_passport(passport_no: str) -> str:
    return _mask(passport_no, 1, 2)


def mask_evidence(step: str, evidence: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Split evidence into what may be recorded (masked) and the clear personal values (for the vault)."""
    fields = PII_EVIDENCE_FIELDS.get(step, ())
    masked = dict(evidence)
    secrets: dict[str, str] = {}
    for name in fields:
        value = masked.get(name)
        if isinstance(value, str) and value:
            secrets[name] = value
            masked[name] = mask_passport(value)
    return masked, secrets


# 16 digits standing alone: NIK-like. Phone: international (+62...) or national (08...) mobile numbers.
# `\d` here is any script's decimal digit, on purpose: a NIK typed in full-width or Arabic-Indic digits
# in a complaint is still that person's NIK, and masking too much free text is the safe direction.
# What replaces it is ASCII (`_mask`), so the masked form is the same whatever script it was typed in.
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{9,15}|08\d{7,11})(?!\d)")
# Indonesian passport numbers: one or two letters then 6-7 digits, as a whole word.
_PASSPORT = re.compile(r"\b[A-Z]{1,2}\d{6,7}\b")


def mask_text(text: str) -> str:
    """Mask NIK-like numbers, phone numbers and passport-like numbers inside free text (complaints,
    notes, reasons): what people write is recorded, the identifiers in it are not."""
    text = _NIK.sub(lambda m: mask_nik(m.group()), text)
    text = _PHONE.sub(lambda m: mask_phone(m.group()), text)
    return _PASSPORT.sub(lambda m: mask_passport(m.group()), text)


# ---- sealed values (store.journey_keys) -------------------------------------------------------------

# What the engine's database never keeps in the clear: wherever these keys appear in an event's data, an
# inbox body or a read-model document, the value is sealed under the journey's key (events, inbox) or
# masked (read models). Names and birth dates; health results (`result` of medical evidence, and the
# held evidence of an integration event, `data`); and free text, which may name anyone (`note`,
# `reason`, `description`, `resolution`).
SEALED_KEYS = frozenset({"full_name", "birth_date", "result", "data", "note", "reason", "description", "resolution"})
SEALED = "$sealed"
# What an erased value reads as, by key: None where the shape needs no text, else this marker.
ERASED = "[erased]"
_ERASED_AS_NONE = frozenset({"birth_date", "data", "result"})


def erased(key: str) -> Any:
    """The placeholder of an erased value under `key`."""
    return None if key in _ERASED_AS_NONE else ERASED


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SEALED), str)


def _walk(value: Any, at_key: Any) -> Any:
    """Rebuild `value`, with `at_key(key, v)` deciding each value under a sealed key (recursing elsewhere)."""
    if isinstance(value, dict):
        return {k: at_key(k, v) if k in SEALED_KEYS and v is not None else _walk(v, at_key) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, at_key) for v in value]
    return value


def seal_values(data: Any, seal: Any) -> Any:
    """`data` with every value under a sealed key replaced by `seal(value)` (a value sealed already is
    left as it is). `seal` returning None stores nothing (an erased journey's new values)."""

    def one(key: str, value: Any) -> Any:
        if is_sealed(value):
            return value
        sealed = seal(value)
        return erased(key) if sealed is None else sealed

    return _walk(data, one)


def open_values(data: Any, open_one: Any) -> Any:
    """`data` with every sealed value replaced by `open_one(sealed)`, or by its erased placeholder when
    `open_one` is None (the journey's key is destroyed). Values in the clear (stored before sealing)
    pass through."""
    return _walk(data, lambda key, v: (open_one(v) if open_one is not None else erased(key)) if is_sealed(v) else v)


def mask_name(name: str) -> str:
    """`Siti Rahayu` -> `S*** R*****`: each word's first letter, enough to tell two workers apart on a
    list the officer already narrowed down, not enough to name anyone."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in name.split())


def masked_document(document: dict[str, Any]) -> dict[str, Any]:
    """A journey or case document as read models keep it: the name masked, every other sealed-key value
    (birth date, health results, free text) left out, and `personal_data: masked` to say so."""

    def mask(key: str, value: Any) -> Any:
        if key == "full_name" and isinstance(value, str) and value != ERASED:
            return mask_name(value)
        return value if value == ERASED else None

    return {**_walk(document, mask), "personal_data": "masked"}


NONCE_BYTES = 12


def journey_aad(journey_id: str) -> bytes:
    """What binds a sealed value (and a wrapped key) to its journey: it opens under no other."""
    return b"pmi-journey\x00" + journey_id.encode("utf-8")


def seal_with(key: bytes, journey_id: str, value: Any) -> dict[str, str]:
    """`value` (anything JSON) sealed with AES-256-GCM under the journey's key (a random nonce)."""
    nonce = os.urandom(NONCE_BYTES)
    clear = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    sealed = AESGCM(key).encrypt(nonce, clear, journey_aad(journey_id))
    return {SEALED: base64.b64encode(nonce + sealed).decode("ascii")}


def open_with(key: bytes, journey_id: str, sealed: dict[str, str]) -> Any:
    """The value `seal_with` sealed; ValueError when it does not open (another journey's, altered)."""
    try:
        raw = base64.b64decode(sealed[SEALED], validate=True)
        clear = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], journey_aad(journey_id))
    except Exception as exc:
        raise ValueError("a sealed value does not open under this journey's key") from exc
    return json.loads(clear)


def erased_document(document: dict[str, Any]) -> dict[str, Any]:
    """A journey or case document once its journey is erased: every sealed-key value (the masked name
    too) replaced by its erased placeholder, and `personal_data: erased`."""
    return {**_walk(document, lambda key, value: erased(key)), "personal_data": "erased"}


def same_document(folded: dict[str, Any], document: dict[str, Any]) -> bool:
    """A fold's view against a stored document of it: against a read model's masked (or erased) copy,
    masked (or erased) alike; else exactly."""
    if document.get("personal_data") == "masked":
        return masked_document(folded) == document
    if document.get("personal_data") == "erased":
        return erased_document(folded) == document
    return folded == document
