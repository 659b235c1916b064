"""What the activity tests share: a stand-in PII vault and reads of the simulator's ledger."""

import uuid
from datetime import date

import httpx

from store.pii import WorkerPii

if "family_phone" in WorkerPii.model_fields:
    VaultRecord = WorkerPii
else:  # store/pii.py before the family contact was added: same record, plus the field.

    class VaultRecord(WorkerPii):  # type: ignore[no-redef]
        family_phone: str | None = None


class FakeVault:
    """`pii_lookup` for the activities: `PiiVault.get` without the database, same `WorkerPii` answers."""

    def __init__(self) -> None:
        self.entries: dict[str, WorkerPii] = {}

    def add(
        self,
        nik: str = "3374015501950002",
        phone: str | None = "+6281234567890",
        family_phone: str | None = None,
    ) -> str:
        journey_id = f"j_{uuid.uuid4().hex}"
        self.entries[journey_id] = VaultRecord(
            nik=nik,
            full_name="Siti Rahayu",
            birth_date=date(1995, 1, 15),
            phone=phone,
            family_phone=family_phone,
        )
        return journey_id

    async def lookup(self, journey_id: str) -> WorkerPii | None:
        return self.entries.get(journey_id)


async def effects_for(sim: httpx.AsyncClient, system: str, key: str) -> int:
    """How many times the simulated `system` acted on `key` (1 when idempotency holds)."""
    return (await sim.get("/_effects", params={"system": system})).json().get(system, {}).get(key, 0)


async def calls_for(sim: httpx.AsyncClient, system: str, key: str) -> list[dict]:
    """Every call `system` received with `key`, oldest first."""
    return (await sim.get("/_calls", params={"system": system, "idempotency_key": key})).json()
