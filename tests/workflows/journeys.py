"""Driving a journey through the workflow the way officers and government systems do."""

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from temporalio.client import WorkflowHandle
from ulid import ULID

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
    return {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": now.date().isoformat()}


def training(now: datetime) -> dict:
    return {"certificate_no": "CERT-1", "institution_id": "LSP-1", "issued_at": iso(now)}


def contract(start_date: date) -> dict:
    """A two-year contract in Taiwan."""
    return {
        "contract_no": "EC-1",
        "employer_name": "Lin Family",
        "start_date": start_date.isoformat(),
        "duration_months": 24,
        "monthly_salary": 20000,
        "currency": "TWD",
    }


async def drive_to_departure(stack: Stack, handle: WorkflowHandle, scheme: str, *, depart: bool = True) -> dict:
    """Every pre-departure step, by officer actions and integration events, then departure."""
    now = await stack.env.get_current_time()
    await wait_step(handle, "registration")
    await act(handle, "family_consent", {"consent_ref": "FC-1", "village": "Tegalrejo"})
    if scheme == "INDEPENDENT":
        await act(handle, "job_selection", {"employer_name": "Tan Family", "offer_ref": "OFFER-9"})
    else:
        await act(handle, "job_selection", {"job_order_id": JOB_ORDER[scheme][0]})
    if scheme == "P3MI":
        await act(handle, "placement_agreement", {"agreement_no": "PA-1", "signed_at": iso(now)})
    await send(handle, "clinic", "medical.result", fit_result(now))
    await act(handle, "competency_training", training(now))
    await send(
        handle,
        "imigrasi",
        "passport.issued",
        {"passport_no": "C1234567", "expires_at": (now + timedelta(days=365 * 5)).date().isoformat()},
    )
    start_date = (now + timedelta(days=14)).date()
    await act(handle, "employment_contract", contract(start_date))
    await send(
        handle,
        "bpjs",
        "bpjs.enrolled",
        {"membership_no": "BPJS-1", "covered_until": (now + timedelta(days=365 * 3)).date().isoformat()},
    )
    await act(handle, "work_visa", {"visa_no": "V-1", "expires_at": iso(now + timedelta(days=800))})
    await wait_step(handle, "social_security")
    await wait_step(handle, "passport")
    await act(handle, "document_verification")
    await act(handle, "pre_departure_orientation", {"attended_at": iso(now)})
    if depart:
        await send(
            handle,
            "imigrasi",
            "departure.recorded",
            {"departed_at": iso(now + timedelta(days=1)), "port": "CGK", "flight_no": "CI762"},
        )
        return await wait_step(handle, "departure")
    return await view(handle)


async def drive_to_reintegration(stack: Stack, handle: WorkflowHandle, scheme: str) -> dict:
    """Departure, arrival, the two-year contract's end, the return, assessment and programme."""
    await drive_to_departure(stack, handle, scheme)
    now = await stack.env.get_current_time()
    await send(handle, "embassy", "arrival.reported", {"reported_at": iso(now), "mission": "KDEI-TPE"})
    await wait_step(handle, "arrival_report")
    await stack.env.sleep(timedelta(days=365 * 2 + 20))
    journey = await wait_step(handle, "employment")
    assert journey["phase"] == "reintegration" and step(journey, "return")["state"] == "available"
    now = await stack.env.get_current_time()
    await act(handle, "return", {"arrived_at": iso(now), "port": "SUB", "reason": "contract_end"})
    await act(handle, "reintegration_assessment", {"needs": ["entrepreneurship", "kur_loan"]})
    return await act(handle, "reintegration_program", {"programs": ["desmigratif"]})
