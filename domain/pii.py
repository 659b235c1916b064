"""Masking of personal data. The clear values live only in the PII vault (`store.pii`)."""

import re
import unicodedata
from typing import Any

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
