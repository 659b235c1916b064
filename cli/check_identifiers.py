"""`pmi check-identifiers`: journeys whose identifiers in the PII vault are not ASCII.

Until identifiers were held to ASCII digits, a NIK written in full-width (`３３７４…`), Arabic-Indic or
other digits passed validation. Its keyed hash differs from the ASCII NIK's, so the same person could
hold a second and a third active journey. This check reads the vault with the configured key and
reports every journey with such an identifier, and every group of journeys whose NIKs are one number
once each digit is read as the digit it is (`unicodedata.digit`). It prints journey ids and field
names, never an identifier.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.pii import PiiVault
from store.tables import active_journeys, worker_pii

# The vault's fields that are identifiers, which the API now takes in ASCII only.
IDENTIFIER_FIELDS = ("nik", "phone", "family_phone", "passport_no")

FOUND = 1
UNREADABLE = 2


def digits_as_ascii(value: str) -> str:
    """`value` with every digit of any script written as its ASCII digit (`３` -> `3`, `٣` -> `3`, `³` -> `3`)."""
    return "".join(c if c.isascii() or unicodedata.digit(c, None) is None else str(unicodedata.digit(c)) for c in value)


@dataclass
class IdentifierReport:
    """What the check found: (journey, field) pairs not in ASCII, groups of journeys with one NIK."""

    journeys: int = 0
    not_ascii: list[tuple[str, str]] = field(default_factory=list)
    same_nik: list[list[str]] = field(default_factory=list)
    active: frozenset[str] = frozenset()
    unreadable: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.not_ascii or self.same_nik)

    def lines(self) -> list[str]:
        """The report, one finding a line: journey ids and field names only."""
        out = [f"{journey_id}: {name} is not ASCII" for journey_id, name in self.not_ascii]
        for group in self.same_nik:
            members = ", ".join(f"{j} (active)" if j in self.active else j for j in group)
            out.append(f"one NIK written in several scripts: {members}")
        out += [f"{journey_id}: cannot be decrypted with PMI_PII_KEY" for journey_id in self.unreadable]
        findings = len(self.not_ascii) + len(self.same_nik)
        out.append(f"{self.journeys} journeys checked, {findings} findings")
        return out

    @property
    def exit_code(self) -> int:
        """1 when something was found, 2 when some records could not be read, 0 otherwise."""
        if self.found:
            return FOUND
        return UNREADABLE if self.unreadable else 0


async def check_identifiers(engine: AsyncEngine, pii_key: str) -> IdentifierReport:
    """Read every record of the vault and report the identifiers that are not ASCII."""
    vault = PiiVault(engine, pii_key)
    async with engine.connect() as conn:
        rows = await conn.execute(select(worker_pii.c.journey_id).order_by(worker_pii.c.journey_id))
        journey_ids = list(rows.scalars())
        active = frozenset((await conn.execute(select(active_journeys.c.journey_id))).scalars())
    not_ascii: list[tuple[str, str]] = []
    unreadable: list[str] = []
    spellings: dict[str, dict[str, str]] = defaultdict(dict)  # number -> journey -> NIK as stored
    for journey_id in journey_ids:
        try:
            pii = await vault.get(journey_id)
        except InvalidToken:
            unreadable.append(journey_id)
            continue
        if pii is None:  # removed since the list was read
            continue
        for name in IDENTIFIER_FIELDS:
            value = getattr(pii, name)
            if value is not None and not value.isascii():
                not_ascii.append((journey_id, name))
        spellings[digits_as_ascii(pii.nik)][journey_id] = pii.nik
    # Journeys of one person are a finding only when the NIK is spelt in more than one way: the same
    # spelling twice is a person's ended journey and their next one, which the one-journey rule allows.
    same_nik = [sorted(by_journey) for by_journey in spellings.values() if len(set(by_journey.values())) > 1]
    return IdentifierReport(
        journeys=len(journey_ids),
        not_ascii=not_ascii,
        same_nik=sorted(same_nik),
        active=active,
        unreadable=unreadable,
    )


async def run_check(db_url: str, pii_key: str, timeout_seconds: float, emit: Callable[[str], None] = print) -> int:
    """`pmi check-identifiers`: print the report, return the exit code."""
    from store.db import create_engine

    engine = create_engine(db_url, timeout_seconds=timeout_seconds)
    try:
        report = await check_identifiers(engine, pii_key)
    finally:
        await engine.dispose()
    for line in report.lines():
        emit(line)
    return report.exit_code
