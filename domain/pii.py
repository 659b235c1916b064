"""Masking of personal data. The clear values live only in the PII vault (`store.pii`)."""

from typing import Any

# Evidence fields that are personal data, per step: kept in the vault, masked in events and state.
PII_EVIDENCE_FIELDS: dict[str, tuple[str, ...]] = {"passport": ("passport_no",)}


def _mask(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


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
