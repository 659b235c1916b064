"""The fault matrix (issue 6): each scenario breaks one dependency of a running engine, checks what the API
answers meanwhile, repairs it, and checks that every effect happened exactly once and the chain verifies.

A scenario returns the latencies it measured (name -> seconds); `tests/faults/test_fault_matrix.py` runs
each once, `bench/faults_soak.py` runs them again and again.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.api.stack import Stack, new_nik, running_stack, step_is, step_states
from tests.api.test_e2e_journey import TODAY, event, start, start_body
from tests.faults.devserver import KillableDevServer
from tests.faults.probes import (
    DATABASE_DEADLINE,
    FAULT_SETTINGS,
    MARGIN,
    RPC_DEADLINE,
    UPDATE_DEADLINE,
    Findings,
    Timed,
    assert_once,
    assert_status,
    assert_unavailable,
    assert_verifies,
    calls,
    caught_up,
    completions,
    effects,
    events,
    readiness_checks,
    set_system,
    timed,
    timed_webhook,
    verify,
)
from tests.faults.tcp_proxy import TcpProxy
from tests.polling import eventually

Latencies = dict[str, float]
CONSENT = {"evidence": {"consent_ref": "FC-F1", "village": "Sumberejo"}}


def medical(jid: str, event_id: str | None = None) -> dict[str, Any]:
    data = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": TODAY.isoformat()}
    return event(jid, "medical.result", data, event_id or f"clinic-{uuid.uuid4().hex[:12]}")


def bound(deadline: float) -> float:
    """How long a request may take before it counts as hanging (it is then reported as no answer)."""
    return deadline + MARGIN + 5.0


def certificate_for(nik: str) -> dict[str, Any]:
    """An LSP certificate addressed by NIK, not journey id; its step waits for job selection, so it is held."""
    data = {
        "certificate_no": f"CERT-{uuid.uuid4().hex[:6]}",
        "institution_id": "LPK-3374-01",
        "issued_at": TODAY.isoformat(),
    }
    return {**event("", "certification.issued", data), "journey_id": None, "nik": nik}


def received(evs: list[dict[str, Any]], event_id: str) -> list[dict[str, Any]]:
    return [e for e in evs if e["type"] == "IntegrationEventReceived" and e["data"]["event_id"] == event_id]


async def registered_journey(stack: Stack, nik: str | None = None) -> dict[str, Any]:
    """A G2G journey whose registration is done and stored: nothing of it is in flight any more."""
    jid = (await start(stack, nik or new_nik(), None, scheme="G2G"))["journey_id"]
    journey = await stack.wait_for(jid, step_is("registration", "completed"))
    await caught_up(stack, jid, journey["version"])
    return journey


async def consent(stack: Stack, jid: str, key: str, deadline: float = UPDATE_DEADLINE):
    return await timed(
        stack,
        "POST",
        f"/v1/journeys/{jid}/steps/family_consent/complete",
        bound=bound(deadline),
        auth={**stack.auth(), "Idempotency-Key": key},
        json=CONSENT,
    )


async def start_with_key(stack: Stack, nik: str, key: str, deadline: float):
    return await timed(
        stack,
        "POST",
        "/v1/journeys",
        bound=bound(deadline),
        auth={**stack.auth(), "Idempotency-Key": key},
        json=start_body(nik, None, "G2G"),
    )


async def the_one_journey_of(stack: Stack, nik: str, started: dict[str, Any]) -> str:
    """The NIK's active journey is the one the retried start answered: a further start is refused, naming it."""
    r = await stack.api.post("/v1/journeys", json=start_body(nik, None, "G2G"), headers=stack.auth())
    assert r.status_code == 409 and r.json()["error"]["code"] == "ACTIVE_JOURNEY_EXISTS", r.text
    assert r.json()["error"]["journey_id"] == started["journey_id"], (r.text, started["journey_id"])
    return started["journey_id"]


async def until_answers(probe: Callable[[], Awaitable[Any]], check: Callable[[Any], bool], within: float) -> float:
    """Seconds until `check(probe())` holds."""
    began = time.monotonic()
    await eventually(probe, check, within=within, every=0.2, what="recovery")
    return time.monotonic() - began


async def until_ok(stack: Stack, path: str, within: float = 20.0) -> tuple[dict[str, Any], float]:
    """`GET path` until 200, as a client that honours 503 would; until then every answer must be a 503
    `UNAVAILABLE` with Retry-After (a dependency still too slow), never anything else."""
    began = time.monotonic()

    async def probe() -> Timed:
        t = await timed(stack, "GET", path, bound=bound(RPC_DEADLINE), auth=stack.auth("admin", "*"))
        if t.response is None or t.response.status_code != 200:
            assert_unavailable(t, RPC_DEADLINE)
        return t

    t = await eventually(
        probe, lambda t: t.response.status_code == 200, within=within, every=0.2, what=f"GET {path} answering"
    )
    return t.response.json(), time.monotonic() - began


# ---- worker killed mid-action ---------------------------------------------------------------------


async def worker_killed_mid_action(stack: Stack) -> Latencies:
    """No worker takes the officer's update: 503 after the update deadline; the retry with the same
    Idempotency-Key, once a worker is back, answers the one action (twice at once, both the same)."""
    before = await registered_journey(stack)
    jid, key = before["journey_id"], f"consent-{uuid.uuid4().hex}"
    await stack.stop_worker()
    try:
        action = await consent(stack, jid, key)
        assert_unavailable(action, UPDATE_DEADLINE)
        read = await timed(stack, "GET", f"/v1/journeys/{jid}", bound=bound(RPC_DEADLINE), auth=stack.auth())
        assert_unavailable(read, RPC_DEADLINE)
    finally:
        await stack.start_worker()
    first, second = await asyncio.gather(consent(stack, jid, key), consent(stack, jid, key))
    one, two = assert_status(first, 200), assert_status(second, 200)
    assert one == two, (one, two)
    assert one["version"] == before["version"] + 1, (before["version"], one["version"])
    assert step_states(one)["family_consent"] == "completed"
    stored = await caught_up(stack, jid)
    assert_once(stored, "family_consent")
    assert completions(stored, "family_consent")[0]["seq"] == before["version"] + 1
    await assert_verifies(stack, jid)
    return {"update_503": action.seconds, "query_503": read.seconds, "retry": max(first.seconds, second.seconds)}


# ---- Temporal killed and restarted -----------------------------------------------------------------


async def temporal_killed_and_restarted(stack: Stack, server: KillableDevServer) -> Latencies:
    """SIGKILL the Temporal server under a running stack. Whatever needs it answers 503 within the RPC
    deadline, reads of the database keep working; after a restart on the same file the same clients
    carry on, the retries take effect once, the journey advances."""
    nik = new_nik()
    before = await registered_journey(stack, nik)
    jid = before["journey_id"]
    officer, auditor = stack.auth(), stack.auth("auditor", "*")
    act_key, start_key, nik2 = f"consent-{uuid.uuid4().hex}", f"start-{uuid.uuid4().hex}", new_nik()
    clinic, certificate = medical(jid), certificate_for(nik)
    took: Latencies = {}
    found = Findings()
    b = bound(RPC_DEADLINE)
    server.kill()
    try:
        for name, probe in (
            ("read_503", lambda: timed(stack, "GET", f"/v1/journeys/{jid}", bound=b, auth=officer)),
            ("action_503", lambda: consent(stack, jid, act_key, RPC_DEADLINE)),
            ("start_503", lambda: start_with_key(stack, nik2, start_key, RPC_DEADLINE)),
            ("webhook_503", lambda: timed_webhook(stack, "clinic", clinic, bound=b)),
            ("webhook_by_nik_503", lambda: timed_webhook(stack, "lsp", certificate, bound=b)),
            ("readyz_503", lambda: timed(stack, "GET", "/readyz", bound=b)),
        ):
            t = await probe()
            found.unavailable(t, RPC_DEADLINE)
            took[name] = t.seconds
        if t.response is not None and t.response.status_code == 503:
            checks = readiness_checks(t.response.json())
            found.expect(checks.get("temporal") != "ok" and checks.get("database") == "ok", f"readyz {checks}")
        # What needs only the database keeps answering.
        for path in (f"/v1/journeys/{jid}/events", f"/v1/journeys/{jid}/state?seq=1", f"/v1/journeys/{jid}/export"):
            t = await timed(stack, "GET", path, bound=b, auth=auditor)
            found.expect(t.response is not None and t.response.status_code == 200, t.describe())
            took[f"db_read_{path.rsplit('/', 1)[1].split('?')[0]}"] = t.seconds
        t = await timed(stack, "GET", "/v1/journeys", bound=b, auth=officer)
        listed = t.response is not None and t.response.status_code == 200
        found.expect(listed and jid in [j["journey_id"] for j in t.response.json()["items"]], t.describe())
        t = await timed(stack, "POST", f"/v1/journeys/{jid}/verify", bound=b, auth=auditor)
        verdict = t.response.json() if t.response is not None and t.response.status_code == 200 else {}
        found.expect(verdict.get("hash_chain") == "ok" and verdict.get("replay") == "unavailable", t.describe())
    finally:
        if not server.running:
            took["server_start"] = await server.start()
    with found.reported():
        # The API's and the worker's clients were connected before the crash; they are used unchanged.
        # Traffic resumes once the engine says it is ready (a worker polls again), as behind a load balancer.
        took["ready_after_restart"] = await until_answers(
            lambda: stack.api.get("/readyz"), lambda r: r.status_code == 200, within=30
        )
        # The first query of a journey the worker had cached may wait for its sticky queue to time out.
        _, took["first_read_after_restart"] = await until_ok(stack, f"/v1/journeys/{jid}")
        retried = await consent(stack, jid, act_key)
        assert step_states(assert_status(retried, 200))["family_consent"] == "completed"
        started = assert_status(await start_with_key(stack, nik2, start_key, RPC_DEADLINE), 201)
        # The sender retries what was answered 503: it is accepted now, as a first delivery.
        for source, body in (("clinic", clinic), ("lsp", certificate)):
            t = await timed_webhook(stack, source, body, bound=b)
            found.expect(
                t.response is not None
                and t.response.status_code == 202
                and t.response.json() == {"status": "accepted", "journey_id": jid},
                f"retry after the outage: {t.describe()}",
            )
        await stack.wait_for(jid, step_is("medical_check", "completed"))
        # The worker polls the server again: the journey started after the restart registers.
        await stack.wait_for(await the_one_journey_of(stack, nik2, started), step_is("registration", "completed"))
        stored = await caught_up(stack, jid)
        assert_once(stored, "registration", "family_consent", "medical_check")
        for body in (clinic, certificate):
            assert len(received(stored, body["event_id"])) == 1, (body["type"], received(stored, body["event_id"]))
        await assert_verifies(stack, jid)
    return took


# ---- database unavailable --------------------------------------------------------------------------


async def database_unavailable(stack: Stack, proxy: TcpProxy) -> Latencies:
    """PostgreSQL refuses connections and cuts the open ones, then hangs: every request that needs it
    answers 503 within the database deadline; once it is back the retries take effect exactly once."""
    before = await registered_journey(stack)
    jid = before["journey_id"]
    officer = stack.auth()
    act_key, start_key, nik2 = f"consent-{uuid.uuid4().hex}", f"start-{uuid.uuid4().hex}", new_nik()
    clinic = medical(jid)
    took: Latencies = {}
    found = Findings()
    b = bound(DATABASE_DEADLINE)
    probes = (
        ("list", lambda: timed(stack, "GET", "/v1/journeys", bound=b, auth=officer)),
        ("events", lambda: timed(stack, "GET", f"/v1/journeys/{jid}/events", bound=b, auth=officer)),
        ("start", lambda: start_with_key(stack, nik2, start_key, DATABASE_DEADLINE)),
        ("action", lambda: consent(stack, jid, act_key, DATABASE_DEADLINE)),
        ("webhook", lambda: timed_webhook(stack, "clinic", clinic, bound=b)),
        ("readyz", lambda: timed(stack, "GET", "/readyz", bound=b)),
    )
    await proxy.refuse()
    try:
        for mode in ("refused", "hanging"):
            if mode == "hanging":
                await proxy.hang()
            for name, probe in probes:
                t = await probe()
                t.what = f"[database {mode}] {t.what}"
                found.unavailable(t, DATABASE_DEADLINE)
                took[f"{name}_{mode}"] = t.seconds
            if t.response is not None and t.response.status_code == 503:
                checks = readiness_checks(t.response.json())
                ok = checks.get("database") != "ok" and checks.get("temporal") == "ok"
                found.expect(ok, f"[database {mode}] readyz {checks}")
    finally:
        await proxy.restore()
    with found.reported():
        took["list_after_restore"] = await until_answers(
            lambda: stack.api.get("/v1/journeys", headers=officer), lambda r: r.status_code == 200, within=30
        )
        assert step_states(assert_status(await consent(stack, jid, act_key), 200))["family_consent"] == "completed"
        started = assert_status(await start_with_key(stack, nik2, start_key, DATABASE_DEADLINE), 201)
        t = await timed_webhook(stack, "clinic", clinic, bound=b)
        assert assert_status(t, 202) == {"status": "accepted", "journey_id": jid}, t.describe()
        # Each retry again: now answered from what the first successful one stored.
        again = assert_status(await consent(stack, jid, act_key), 200)
        assert step_states(again)["family_consent"] == "completed"
        restarted = assert_status(await start_with_key(stack, nik2, start_key, DATABASE_DEADLINE), 201)
        assert restarted["journey_id"] == started["journey_id"], (started, restarted)
        t = await timed_webhook(stack, "clinic", clinic, bound=b)
        assert assert_status(t, 200) == {"status": "duplicate", "journey_id": jid}, t.describe()
        await stack.wait_for(jid, step_is("medical_check", "completed"))
        await stack.wait_for(await the_one_journey_of(stack, nik2, started), step_is("registration", "completed"))
        took["ready_after_restore"] = await until_answers(
            lambda: stack.api.get("/readyz"), lambda r: r.status_code == 200, within=30
        )
        assert_once(await caught_up(stack, jid), "registration", "family_consent", "medical_check")
        await assert_verifies(stack, jid)
    return took


# ---- a government system failing, then recovering ----------------------------------------------


async def government_system_failing_then_recovering(stack: Stack, system: str = "siskop2mi") -> Latencies:
    """SISKOP2MI answers 503 to every call: registration waits (it is not refused); once the system
    recovers it completes, with exactly one registration in the system and one NIK check at Dukcapil."""
    await set_system(stack, system, failure_rate=1.0)
    try:
        jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
        began = time.monotonic()
        key = f"{jid}:registration:{system}" if system == "siskop2mi" else f"{jid}:registration:nik"
        await eventually(
            lambda: calls(stack, system, key),
            lambda cs: sum(c["status_code"] == 503 for c in cs) >= 2,
            within=20,
            every=0.2,
            what=f"two refused calls to {system}",
        )
        assert step_states(await stack.journey(jid))["registration"] == "available"
    finally:
        await set_system(stack, system, failure_rate=0.0)
    recovered = time.monotonic()
    await stack.wait_for(jid, step_is("registration", "completed"), within=90)
    took = {"outage": recovered - began, "recovery": time.monotonic() - recovered}
    assert (await effects(stack, "siskop2mi")).get(f"{jid}:registration:siskop2mi") == 1
    assert (await effects(stack, "dukcapil")).get(f"{jid}:registration:nik") == 1
    refused = [c for c in await calls(stack, system, key) if c["status_code"] == 503]
    assert refused and not any(c["effect"] for c in refused), refused
    assert_once(await caught_up(stack, jid), "registration")
    await assert_verifies(stack, jid)
    return took


# ---- webhook replayed three times at once ------------------------------------------------------------


async def webhook_replayed_three_times_concurrently(stack: Stack) -> Latencies:
    """One signed event delivered three times at once: one 202, two 200 duplicates, applied once."""
    jid = (await registered_journey(stack))["journey_id"]
    clinic = medical(jid)
    began = time.monotonic()
    answers = await asyncio.gather(*(timed_webhook(stack, "clinic", clinic, bound=30) for _ in range(3)))
    took = {"slowest_delivery": max(a.seconds for a in answers)}
    statuses = sorted(a.response.status_code if a.response else 0 for a in answers)
    assert statuses == [200, 200, 202], [a.describe() for a in answers]
    for a in answers:
        expected = "accepted" if a.response.status_code == 202 else "duplicate"
        assert a.response.json() == {"status": expected, "journey_id": jid}, a.describe()
    await stack.wait_for(jid, step_is("medical_check", "completed"))
    took["applied"] = time.monotonic() - began
    stored = await caught_up(stack, jid)
    assert_once(stored, "registration", "medical_check")
    assert len(received(stored, clinic["event_id"])) == 1, received(stored, clinic["event_id"])
    await assert_verifies(stack, jid)
    return took


# ---- the whole stack restarted -----------------------------------------------------------------------


async def whole_stack_restart(server: KillableDevServer, db_url: str, tmp: Path) -> Latencies:
    """Stop the worker, the API, the simulator and the Temporal server; start them all again on the same
    data. The journey is where it was, continues to its next step, and verifies."""
    overrides = {**FAULT_SETTINGS, "task_queue": f"restart-{uuid.uuid4().hex[:8]}"}
    async with running_stack(await server.connect(), db_url, tmp, overrides) as first:
        before = await registered_journey(first)
        jid = before["journey_id"]
        r = await first.webhook("clinic", medical(jid))
        assert r.status_code == 202, r.text
        before = await first.wait_for(jid, step_is("medical_check", "completed"))
        stored_before = await caught_up(first, jid, before["version"])
    server.stop()
    took = {"server_start": await server.start()}
    began = time.monotonic()
    async with running_stack(await server.connect(), db_url, tmp, overrides) as second:
        took["stack_start"] = time.monotonic() - began
        # Traffic goes to an engine once it says it is ready, as a load balancer would send it.
        took["ready"] = await until_answers(
            lambda: second.api.get("/readyz"), lambda r: r.status_code == 200, within=30
        )
        # The first query may wait for the old worker's sticky queue to time out (503 meanwhile).
        after, took["first_read"] = await until_ok(second, f"/v1/journeys/{jid}")
        assert after == before, (before, after)
        assert await events(second, jid) == stored_before
        moved = assert_status(await consent(second, jid, f"consent-{uuid.uuid4().hex}"), 200)
        assert moved["version"] == before["version"] + 1 and step_states(moved)["family_consent"] == "completed"
        # The passport is asked of the restarted simulator, whose webhook completes the step.
        await second.wait_for(jid, step_is("passport", "completed"))
        took["next_steps"] = time.monotonic() - began
        # Registration was not redone against the restarted systems.
        assert await effects(second, "dukcapil") == {} and await effects(second, "siskop2mi") == {}
        assert list((await effects(second, "imigrasi")).values()) == [1]
        assert_once(await caught_up(second, jid), "registration", "medical_check", "family_consent", "passport")
        await assert_verifies(second, jid)
        assert (await verify(second, jid))["runs_replayed"] >= 1
    return took
