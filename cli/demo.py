"""`pmi demo`: start N realistic journeys through the HTTP API and carry them to the arrival report.

The demo plays every outside party: the case officer (step actions through the API)
and the clinic, immigration and the embassy (integration events through the
simulator's `/_emit`, which signs and delivers them like the real systems would).
Passport and BPJS results need nobody: the engine asks the simulated systems, and
their webhooks come back on their own.

Once journeys have departed, the hotline and embassies file complaints about a share
of them (the simulator's `/_complaints`, realistic case types), and an officer of the
worker's province verifies most of the resulting cases and takes a typical first
action; the rest wait, so a supervisor's overdue queue fills as deadlines pass.
"""

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import httpx

from cli.demo_data import DESTINATIONS, SCHEMES, emitted_event, make_person, officer_evidence, weighted
from config import Settings

POLL_SECONDS = 0.5


@dataclass
class Plan:
    """What one demo journey will be: scheme, destination and (P3MI/G2G) the job order it takes."""

    scheme: str
    destination: str
    job_order: dict | None


@dataclass
class Outcome:
    """How far one journey got."""

    plan: Plan
    journey_id: str | None = None
    phase: str = "not started"
    status: str = "-"
    arrived: bool = False
    problem: str | None = None
    seconds: float = 0.0
    actions: int = 0
    emitted: set[str] = field(default_factory=set)


def plan_journeys(rng: random.Random, n: int, job_orders: list[dict]) -> list[Plan]:
    """N plans, weighted like the published figures, never taking more quota than a job order has free."""
    free = {jo["job_order_id"]: jo["quota"] - jo["filled"] for jo in job_orders}
    plans: list[Plan] = []
    for _ in range(n):
        scheme = weighted(rng, SCHEMES)
        if scheme == "INDEPENDENT":
            plans.append(Plan(scheme, weighted(rng, DESTINATIONS), None))
            continue
        candidates = [jo for jo in job_orders if jo["scheme"] == scheme and free[jo["job_order_id"]] > 0]
        preferred = [jo for jo in candidates if jo["destination_country"] in DESTINATIONS]
        candidates = preferred or candidates
        if not candidates:
            plans.append(Plan("INDEPENDENT", weighted(rng, DESTINATIONS), None))
            continue
        by_country = {jo["destination_country"] for jo in candidates}
        country = weighted(rng, {c: DESTINATIONS.get(c, 1_000) for c in sorted(by_country)})
        job_order = rng.choice([jo for jo in candidates if jo["destination_country"] == country])
        free[job_order["job_order_id"]] -= 1
        plans.append(Plan(scheme, country, job_order))
    return plans


async def open_job_orders(api: httpx.AsyncClient) -> list[dict]:
    """Every open job order (all pages)."""
    items: list[dict] = []
    cursor: str | None = None
    while True:
        params = {"status": "open", "limit": 500, **({"cursor": cursor} if cursor else {})}
        response = await api.get("/v1/job-orders", params=params)
        response.raise_for_status()
        page = response.json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def start_journey(api: httpx.AsyncClient, plan: Plan, rng: random.Random, today: date) -> dict:
    """`POST /v1/journeys` for a freshly generated worker; a NIK collision just draws another worker."""
    for _ in range(5):
        person = make_person(rng, plan.destination, today)
        body: dict = {
            "worker": {
                "nik": person.nik,
                "full_name": person.full_name,
                "birth_date": person.birth_date.isoformat(),
                "gender": person.gender,
                "phone": person.phone,
                "province_code": person.province_code,
                "regency_code": person.regency_code,
            },
            "scheme": plan.scheme,
            "destination_country": plan.destination,
        }
        if plan.job_order:
            body |= {
                "job_order_id": plan.job_order["job_order_id"],
                "occupation": plan.job_order["occupation"],
                "sector": plan.job_order["sector"],
            }
            if plan.scheme == "P3MI":
                body["p3mi_id"] = plan.job_order["p3mi_id"]
        response = await api.post("/v1/journeys", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        if response.status_code == 201:
            return response.json()
        if response.status_code != 409 or _code(response) != "ACTIVE_JOURNEY_EXISTS":
            status, code = response.status_code, _code(response)
            raise RuntimeError(f"start refused: {status} {code} {_message(response)}")
    raise RuntimeError("start refused: five NIK collisions in a row")


async def drive(
    api: httpx.AsyncClient, sim: httpx.AsyncClient, plan: Plan, rng: random.Random, deadline: float
) -> Outcome:
    """Start one journey and complete whatever is available until the embassy has its arrival report."""
    outcome = Outcome(plan)
    started = time.monotonic()
    today = datetime.now(UTC).date()
    try:
        journey = await start_journey(api, plan, rng, today)
        outcome.journey_id = journey["journey_id"]
        while time.monotonic() < deadline:
            outcome.phase, outcome.status = journey.get("phase", "?"), journey.get("status", "?")
            states = {s["step"]: s["state"] for s in journey.get("steps", [])}
            if states.get("arrival_report") == "completed":
                outcome.arrived = True
                break
            if journey.get("status") == "ended":
                outcome.problem = f"ended: {journey.get('outcome')}"
                break
            changed = False
            for step in [name for name, state in states.items() if state == "available"]:
                job_order_id = plan.job_order["job_order_id"] if plan.job_order else None
                evidence = officer_evidence(step, journey, rng, today, job_order_id)
                if evidence is not None:
                    changed = await _complete(api, outcome, step, evidence)
                    if changed:
                        break
                    continue
                event = emitted_event(step, journey, datetime.now(UTC).isoformat(), today)
                if event is not None and step not in outcome.emitted:
                    response = await sim.post("/_emit", json=event)
                    response.raise_for_status()
                    outcome.emitted.add(step)
            if outcome.problem:
                break
            if not changed:
                await asyncio.sleep(POLL_SECONDS)
            journey = await _read(api, outcome.journey_id)
        else:
            waiting = [s["step"] for s in journey.get("steps", []) if s["state"] == "available"]
            outcome.problem = f"timed out waiting on {', '.join(waiting) or 'nothing available'}"
    except (httpx.HTTPError, RuntimeError) as exc:
        outcome.problem = str(exc) or type(exc).__name__
    outcome.seconds = time.monotonic() - started
    return outcome


async def _complete(api: httpx.AsyncClient, outcome: Outcome, step: str, evidence: dict) -> bool:
    """Complete one step. A 409 from a race (version, state) is not an error: the caller re-reads."""
    response = await api.post(
        f"/v1/journeys/{outcome.journey_id}/steps/{step}/complete",
        json={"evidence": evidence, "note": "pmi demo"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    if response.status_code == 200:
        outcome.actions += 1
        return True
    code = _code(response)
    if response.status_code == 409 and code in ("VERSION_CONFLICT", "INVALID_TRANSITION"):
        return False
    outcome.problem = f"{step}: {response.status_code} {code} {_message(response)}"
    return False


async def _read(api: httpx.AsyncClient, journey_id: str) -> dict:
    for attempt in range(5):
        try:
            response = await api.get(f"/v1/journeys/{journey_id}")
            response.raise_for_status()
            return response.json()
        except httpx.TransportError:
            await asyncio.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"cannot read {journey_id}")


def _code(response: httpx.Response) -> str:
    try:
        return response.json()["error"]["code"]
    except Exception:
        return "?"


def _message(response: httpx.Response) -> str:
    try:
        return response.json()["error"].get("message", "")
    except Exception:
        return response.text[:200]


# A typical first action after verifying, by case type (DOMAIN.md, Protection).
TYPICAL_ACTION: dict[str, dict] = {
    "trafficking": {"action": "refer", "to": "police"},
    "violence": {"action": "shelter"},
    "detention": {"action": "advocate", "track": "litigation"},
    "death": {"action": "repatriate"},
    "illness": {"action": "repatriate"},
    "repatriation": {"action": "repatriate"},
    "unpaid_wages": {"action": "request_clarification"},
    "fraud": {"action": "mediate"},
    "social_security_claim": {"action": "resolve", "resolution": "BPJS TK claim paid"},
}
HANDLED_SHARE = 0.6  # of the cases an officer takes up during the demo; the others wait


async def file_complaints(
    api: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Settings,
    outcomes: list[Outcome],
    rng: random.Random,
    share: float,
) -> list[dict]:
    """Complaints about `share` of the departed journeys; an officer acts on some of the cases. The cases."""
    departed = [o for o in outcomes if o.arrived and o.journey_id]
    if not departed or share <= 0:
        return []
    chosen = rng.sample(departed, max(1, round(len(departed) * share)))
    cases = await asyncio.gather(*(_complaint(api, sim, settings, o.journey_id or "", rng) for o in chosen))
    return [c for c in cases if c is not None]


async def _complaint(
    api: httpx.AsyncClient, sim: httpx.AsyncClient, settings: Settings, journey_id: str, rng: random.Random
) -> dict | None:
    from api.auth import create_token

    before = {c["case_id"] for c in (await _read(api, journey_id)).get("open_cases", [])}
    source = "embassy" if rng.random() < 0.3 else "hotline"
    response = await sim.post("/_complaints", json={"journey_id": journey_id, "source": source, "wait": True})
    response.raise_for_status()
    case_id = None
    for _ in range(40):
        journey = await _read(api, journey_id)
        new = [c["case_id"] for c in journey.get("open_cases", []) if c["case_id"] not in before]
        if new:
            case_id = new[0]
            break
        await asyncio.sleep(POLL_SECONDS)
    if case_id is None:
        print(f"  {journey_id}: the {source} complaint opened no case")
        return None
    province = (journey.get("worker") or {}).get("province_code") or "*"
    officer = {"Authorization": f"Bearer {create_token(settings.jwt_secret, 'demo-officer', 'officer', province)}"}
    case = (await api.get(f"/v1/cases/{case_id}")).json()
    if rng.random() < HANDLED_SHARE:
        for body in ({"action": "verify", "note": "pmi demo: complainant reached"}, TYPICAL_ACTION[case["case_type"]]):
            response = await api.post(
                f"/v1/cases/{case_id}/actions",
                json={**body, "expected_version": case["version"]},
                headers={**officer, "Idempotency-Key": str(uuid.uuid4())},
            )
            if response.status_code != 200:
                print(f"  {case_id} {body['action']}: {response.status_code} {_code(response)}")
                break
            case = response.json()
    return case


def case_summary(cases: list[dict], overdue: int) -> str:
    """Cases by type and status, and the supervisors' overdue queue."""
    lines = ["", "Protection cases by type and status"]
    for (case_type, status), count in sorted(Counter((c["case_type"], c["status"]) for c in cases).items()):
        lines.append(f"  {case_type:<22} {status:<12} {count:>5}")
    lines.append(f"Overdue (no first response, deadline passed): {overdue}")
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> str:
    """A table of journeys by phase and status, then by scheme and destination, then the problems."""
    lines = ["", "Journeys by phase"]
    by_phase = Counter((o.phase, "arrived" if o.arrived else o.status) for o in outcomes)
    lines.append(f"  {'phase':<16} {'state':<12} {'count':>5}")
    for (phase, state), count in sorted(by_phase.items()):
        lines.append(f"  {phase:<16} {state:<12} {count:>5}")
    lines.append("")
    lines.append("By scheme and destination (arrived / started)")
    groups = Counter((o.plan.scheme, o.plan.destination) for o in outcomes)
    for (scheme, country), count in sorted(groups.items()):
        group = [o for o in outcomes if (o.plan.scheme, o.plan.destination) == (scheme, country)]
        arrived = sum(1 for o in group if o.arrived)
        lines.append(f"  {scheme:<12} {country:<3} {arrived:>4} / {count}")
    done = [o.seconds for o in outcomes if o.arrived]
    if done:
        average = sum(done) / len(done)
        lines.append(f"\nArrived: {len(done)} of {len(outcomes)}, {average:.1f}s each on average")
    problems = [o for o in outcomes if o.problem]
    if problems:
        lines.append(f"\nProblems ({len(problems)}):")
        lines += [f"  {o.journey_id or '-'}: {o.problem}" for o in problems[:20]]
    return "\n".join(lines)


async def run_demo(
    settings: Settings,
    *,
    journeys: int,
    api_url: str,
    simulator_url: str,
    concurrency: int = 10,
    timeout: float = 300.0,  # noqa: ASYNC109 - a budget for the whole run, checked between requests
    seed: int | None = None,
    complaint_share: float = 0.1,
) -> int:
    """Run the demo against a running engine; 0 when every journey reached its arrival report.
    `complaint_share` of the departed journeys get a complaint."""
    from api.auth import create_token

    rng = random.Random(seed)  # a reproducible demo, not a secret  # nosec B311
    token = create_token(settings.jwt_secret, "pmi-demo", "admin", "*", 4 * 3600)
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as api,
        httpx.AsyncClient(base_url=simulator_url, timeout=30) as sim,
    ):
        for name, client in (("API", api), ("simulator", sim)):
            try:
                (await client.get("/healthz")).raise_for_status()
            except httpx.HTTPError as exc:
                print(f"the {name} at {client.base_url} does not answer ({exc}); is `pmi run` running?")
                return 2
        plans = plan_journeys(rng, journeys, await open_job_orders(api))
        deadline = time.monotonic() + timeout
        gate = asyncio.Semaphore(max(1, concurrency))
        finished = 0

        async def one(plan: Plan) -> Outcome:
            nonlocal finished
            async with gate:
                outcome = await drive(api, sim, plan, random.Random(rng.random()), deadline)  # nosec B311
            finished += 1
            mark = "arrived" if outcome.arrived else f"stopped: {outcome.problem}"
            print(f"[{finished}/{journeys}] {outcome.journey_id} {plan.scheme} -> {plan.destination}: {mark}")
            return outcome

        print(f"starting {journeys} journeys against {api_url} (simulator {simulator_url})")
        outcomes = await asyncio.gather(*(one(plan) for plan in plans))
        print(summary(outcomes))
        try:
            cases = await file_complaints(api, sim, settings, outcomes, rng, complaint_share)
            if cases:
                response = await api.get("/v1/cases", params={"overdue": "true", "limit": 500})
                response.raise_for_status()
                print(case_summary(cases, len(response.json()["items"])))
        except (httpx.HTTPError, RuntimeError) as exc:
            print(f"complaints stopped: {exc or type(exc).__name__}")
    return 0 if all(o.arrived for o in outcomes) else 1
