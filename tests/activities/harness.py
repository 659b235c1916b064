"""What the activity tests share: a stand-in PII vault and reads of the simulator's ledger."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

import httpx
import pytest
from temporalio.exceptions import ApplicationError

from activities.retry import GOV_UNAVAILABLE
from store.pii import WorkerPii

T = TypeVar("T")

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


async def through_two_outages(sim: httpx.AsyncClient, system: str, key: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run `call` (an activity with one input) the way Temporal retries it through two injected
    outages of `system`: two retryable failures, then an answer, then the same answer again for a
    late retry. Checks the system acted once; returns the answer."""
    await sim.put(f"/_config/{system}", json={"fail_next": 2})
    for _ in range(2):
        with pytest.raises(ApplicationError) as failed:
            await call()
        assert failed.value.type == GOV_UNAVAILABLE and not failed.value.non_retryable
    first = await call()
    again = await call()
    assert first == again
    assert await effects_for(sim, system, key) == 1
    statuses = [c["status_code"] for c in await calls_for(sim, system, key)]
    assert statuses == [503, 503, 200, 200]
    return first
