"""What every fault scenario measures: the status and latency of one request, the journey's events, the
auditor's verdict and the simulator's ledger. Plain asserts, so the soak script can use them too."""

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx

from domain.signatures import sign
from tests.api.stack import Stack
from tests.api.test_e2e_journey import check_chain
from tests.polling import eventually

# The stacks of the fault tests answer 503 after these deadlines (config.Settings), kept short so a
# scenario takes seconds. MARGIN covers the work around the call that timed out, on a loaded machine.
DATABASE_DEADLINE = 2.0
RPC_DEADLINE = 2.0
UPDATE_DEADLINE = 3.0
MARGIN = 3.0
FAULT_SETTINGS: dict[str, Any] = {
    "database_timeout_seconds": DATABASE_DEADLINE,
    "temporal_rpc_timeout_seconds": RPC_DEADLINE,
    "temporal_update_timeout_seconds": UPDATE_DEADLINE,
}


class Timed:
    """The answer to one request and how long it took (`response` is None when it never came)."""

    def __init__(self, what: str, response: httpx.Response | None, seconds: float) -> None:
        self.what = what
        self.response = response
        self.seconds = seconds

    def describe(self) -> str:
        if self.response is None:
            return f"{self.what}: no answer within {self.seconds:.1f} s"
        return f"{self.what}: {self.response.status_code} in {self.seconds:.2f} s {self.response.text[:300]}"


async def timed(
    stack: Stack, method: str, path: str, *, bound: float, auth: dict[str, str] | None = None, **kwargs: Any
) -> Timed:
    """Send one API request; gives up after `bound` seconds, so a hang shows as a hang, not a slow test."""
    what = f"{method} {path}"
    headers = {**(auth or {}), **kwargs.pop("headers", {})}
    began = time.monotonic()
    try:
        r = await stack.api.request(method, path, headers=headers, timeout=bound, **kwargs)
    except httpx.TimeoutException:
        return Timed(what, None, time.monotonic() - began)
    return Timed(what, r, time.monotonic() - began)


def signed(stack: Stack, source: str, body: dict[str, Any]) -> dict[str, Any]:
    """`content` and `headers` of a delivery of `body` from `source`, signed now (as `Stack.webhook`)."""
    raw = json.dumps(body).encode()
    secret = stack.settings.webhook_secret_map[source][0]
    headers = {"X-PMI-Signature": sign([secret], int(time.time()), raw), "Content-Type": "application/json"}
    return {"content": raw, "headers": headers}


async def timed_webhook(stack: Stack, source: str, body: dict[str, Any], *, bound: float) -> Timed:
    delivery = signed(stack, source, body)
    return await timed(stack, "POST", f"/v1/integrations/{source}/events", bound=bound, **delivery)


def unavailable_problem(t: Timed, deadline: float) -> str | None:
    """What keeps `t` from being 503 `UNAVAILABLE` with `Retry-After` within `deadline` plus the margin
    (API.md, Conventions), or None."""
    if t.response is None:
        return t.describe()
    if t.response.status_code != 503:
        return f"{t.describe()}: expected 503"
    try:
        code = t.response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = None
    if code != "UNAVAILABLE":
        return f"{t.describe()}: expected code UNAVAILABLE"
    retry_after = t.response.headers.get("Retry-After")
    if retry_after is None or not retry_after.isdigit() or int(retry_after) < 1:
        return f"{t.describe()}: Retry-After={retry_after!r}"
    if t.seconds > deadline + MARGIN:
        return f"{t.describe()}: later than {deadline} s + {MARGIN} s"
    return None


def assert_unavailable(t: Timed, deadline: float) -> None:
    problem = unavailable_problem(t, deadline)
    assert problem is None, problem


class Findings:
    """What an outage probe found wrong, kept while the scenario goes on to the recovery (which has its
    own questions), and reported together at the end or with the first failed assertion after it."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def unavailable(self, t: Timed, deadline: float) -> None:
        problem = unavailable_problem(t, deadline)
        if problem is not None:
            self.items.append(problem)

    def expect(self, ok: bool, message: str) -> None:
        if not ok:
            self.items.append(message)

    @contextlib.contextmanager
    def reported(self) -> Iterator[None]:
        try:
            yield
        except AssertionError as exc:
            if self.items:
                raise AssertionError("\n".join([*self.items, f"then: {exc}"])) from exc
            raise
        assert not self.items, "\n".join(self.items)


def assert_status(t: Timed, *codes: int) -> dict[str, Any]:
    assert t.response is not None and t.response.status_code in codes, t.describe()
    return t.response.json()


def readiness_checks(body: dict[str, Any]) -> dict[str, str]:
    """`checks` of a /readyz answer, at the top level (ready) or in the error (not ready)."""
    checks = body.get("checks") or body.get("error", {}).get("checks")
    assert isinstance(checks, dict), body
    return checks


async def events(stack: Stack, jid: str) -> list[dict[str, Any]]:
    r = await stack.api.get(f"/v1/journeys/{jid}/events", params={"limit": 500}, headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def caught_up(stack: Stack, jid: str, version: int | None = None) -> list[dict[str, Any]]:
    """The stored events once the store holds the journey's `version` (the live one when not given)."""
    if version is None:
        version = (await stack.journey(jid))["version"]
    return await eventually(
        lambda: events(stack, jid),
        lambda es: bool(es) and es[-1]["seq"] >= version,
        within=20,
        every=0.1,
        what=f"the store caught up with version {version}",
    )


def completions(evs: list[dict[str, Any]], step: str) -> list[dict[str, Any]]:
    return [e for e in evs if e["type"] == "StepCompleted" and e["data"]["step"] == step]


def assert_once(evs: list[dict[str, Any]], *steps: str) -> None:
    """Exactly one `StepCompleted` for each step, and a gapless, verifying chain."""
    for step in steps:
        done = completions(evs, step)
        assert len(done) == 1, f"{len(done)} StepCompleted for {step}: {[e['seq'] for e in done]}"
    check_chain(evs)


async def verify(stack: Stack, jid: str) -> dict[str, Any]:
    r = await stack.api.post(f"/v1/journeys/{jid}/verify", headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    return r.json()


async def assert_verifies(stack: Stack, jid: str) -> None:
    """The auditor's verdict once Temporal is up: chain ok, every run replays, the fold matches the live state."""
    verdict = await verify(stack, jid)
    assert verdict["hash_chain"] == "ok" and verdict["broken_at_seq"] is None, verdict
    assert verdict["replay"] == "ok" and verdict["runs_replayed"] >= 1, verdict
    assert verdict["state_matches"] is True, verdict


async def effects(stack: Stack, system: str) -> dict[str, int]:
    """`{idempotency_key: effects}` the simulated `system` performed."""
    r = await stack.http.get("/_effects", params={"system": system})
    assert r.status_code == 200, r.text
    return r.json().get(system, {})


async def calls(stack: Stack, system: str, key: str) -> list[dict[str, Any]]:
    r = await stack.http.get("/_calls", params={"system": system, "idempotency_key": key})
    assert r.status_code == 200, r.text
    return r.json()


async def set_system(stack: Stack, system: str, **change: Any) -> None:
    r = await stack.http.put(f"/_config/{system}", json=change)
    assert r.status_code == 200, r.text
