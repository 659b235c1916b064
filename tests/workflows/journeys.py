"""Driving a journey through the workflow the way officers and government systems do."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.client import WorkflowHandle
from ulid import ULID

from cli.journey_driver import Journey, Report, drive, evidence, move, to_departure, to_return
from domain.contracts import Actor, IntegrationEvent, StartJourney, StepCommand, WorkerProfile
from domain.pii import mask_nik
from domain.policy import Policy
from store.identity import ActiveJourneys, nik_hash
from store.pii import PiiVault, WorkerPii
from tests.workflows.conftest import TASK_QUEUE, Stack, new_nik

OFFICER = Actor(sub="officer-17", role="officer")
SUPERVISOR = Actor(sub="supervisor-3", role="supervisor")

JOB_ORDER = {"P3MI": ("JO-2026-0042", "TW", "P3MI-0007"), "G2G": ("JO-G2G-KR-2026", "KR", None)}


async def start(
    stack: Stack,
    scheme: str = "P3MI",
    *,
    nik: str | None = None,
    birth: date = date(1995, 1, 15),
    can_after: int | None = None,
    policy: Policy | None = None,
    with_signal: IntegrationEvent | None = None,
    placement: tuple[str | None, str, str | None] | None = None,
    licence_valid_until: date | None = None,
) -> WorkflowHandle:
    """Starts a journey; `with_signal` is delivered with the start (before the workflow's first task).
    `placement` is (job order, destination, P3MI) instead of the scheme's usual one."""
    journey_id = f"j_{ULID()}"
    nik = nik or new_nik()
    job_order, destination, p3mi = placement or JOB_ORDER.get(scheme, (None, "MY", None))
    # As the API does: the NIK is claimed for the journey (a NIK given twice stays with its first one).
    await ActiveJourneys(stack.engine).claim(nik_hash(nik, stack.settings.nik_hash_key), journey_id)
    await PiiVault(stack.engine, stack.settings.pii_key).put(
        journey_id, WorkerPii(nik=nik, full_name="Siti Rahayu", birth_date=birth, phone="+6281234567890")
    )
    start_input = StartJourney(
        journey_id=journey_id,
        scheme=scheme,
        worker=WorkerProfile(
            nik_masked=mask_nik(nik),
            full_name="Siti Rahayu",
            birth_date=birth,
            gender="F",
            province_code="33",
            regency_code="3374",
        ),
        p3mi_id=p3mi,
        job_order_id=job_order,
        destination_country=destination,
        occupation="caregiver",
        sector="informal",
        actor=OFFICER,
        policy=policy or Policy(),
        continue_as_new_after=can_after,
        p3mi_licence_valid_until=licence_valid_until,
    )
    signal = {"start_signal": "integration_event", "start_signal_args": [with_signal]} if with_signal else {}
    return await stack.client.start_workflow(
        "JourneyWorkflow", start_input, id=journey_id, task_queue=TASK_QUEUE, **signal
    )


async def holds_nik(stack: Stack, handle: WorkflowHandle) -> bool:
    """Whether the journey still holds its worker's NIK in the store."""
    return await ActiveJourneys(stack.engine).claimed_at(handle.id) is not None


async def view(handle: WorkflowHandle) -> dict[str, Any]:
    return await handle.query("state", result_type=dict)


def step(journey: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in journey["steps"] if s["step"] == name)


async def wait_step(handle: WorkflowHandle, name: str, states=("completed",), within: float = 10) -> dict[str, Any]:
    """Poll the query until `name` reaches one of `states` (activities run in real time)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        journey = await view(handle)
        if journey.get("steps") and step(journey, name)["state"] in states:
            return journey
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{name} never reached {states}: {step(journey, name)}")
        await asyncio.sleep(0.05)


async def act(
    handle: WorkflowHandle,
    name: str,
    evidence: dict | None = None,
    action: str = "complete",
    actor: Actor = OFFICER,
    **kw,
) -> dict[str, Any]:
    cmd = StepCommand(step=name, action=action, evidence=evidence or {}, actor=actor, **kw)
    return await handle.execute_update("step_action", cmd, result_type=dict)


def integration_event(
    source: str, type_: str, data: dict, event_id: str | None = None, occurred_at: datetime | None = None
) -> IntegrationEvent:
    return IntegrationEvent(
        source=source,
        event_id=event_id or f"{source}-{ULID()}",
        type=type_,
        occurred_at=occurred_at or datetime.now().astimezone(),
        data=data,
    )


async def send(
    handle: WorkflowHandle,
    source: str,
    type_: str,
    data: dict,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> None:
    await handle.signal("integration_event", integration_event(source, type_, data, event_id, occurred_at))


def iso(moment: datetime) -> str:
    return moment.isoformat()


def fit_result(now: datetime) -> dict:
    return evidence("medical_check", _journey("G2G", now))


def training(now: datetime) -> dict:
    return evidence("competency_training", _journey("G2G", now))


def contract(start_date: date) -> dict:
    """A two-year contract in Taiwan."""
    return evidence("employment_contract", _journey("P3MI", datetime.now(UTC), contract_start=start_date))


def _journey(scheme: str, now: datetime, **options: Any) -> Journey:
    """The workflow tests' journeys (`cli.journey_driver`): their own simulator sends no webhooks, so the
    passport and the BPJS cover are reported by the test, as Imigrasi and BPJS would."""
    job_order = JOB_ORDER.get(scheme, (None,))[0]
    return Journey(scheme=scheme, now=now, job_order_id=job_order, **options)


@dataclass(frozen=True)
class WorkflowTransport:
    """The driver's moves as workflow updates, signals and `state` queries."""

    handle: WorkflowHandle

    async def complete(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        return await act(self.handle, name, data)

    async def report(self, report: Report) -> None:
        await send(self.handle, report.source, report.type, report.data)

    async def await_step(self, name: str) -> dict[str, Any]:
        return await wait_step(self.handle, name)


async def drive_to_departure(stack: Stack, handle: WorkflowHandle, scheme: str, *, depart: bool = True) -> dict:
    """Every pre-departure step, by officer actions and integration events, then departure."""
    journey = _journey(scheme, await stack.env.get_current_time())
    await drive(to_departure(journey, depart=depart), WorkflowTransport(handle))
    return await view(handle)


async def drive_to_reintegration(stack: Stack, handle: WorkflowHandle, scheme: str) -> dict:
    """Departure, arrival, the two-year contract's end, the return, assessment and programme."""
    await drive_to_departure(stack, handle, scheme)
    transport = WorkflowTransport(handle)
    await drive([move("arrival_report", _journey(scheme, await stack.env.get_current_time()))], transport)
    await wait_step(handle, "arrival_report")
    await stack.env.sleep(timedelta(days=365 * 2 + 20))
    journey = await wait_step(handle, "employment")
    assert journey["phase"] == "reintegration" and step(journey, "return")["state"] == "available"
    now = await stack.env.get_current_time()
    return await drive(to_return(_journey(scheme, now, reported=frozenset())), transport)
