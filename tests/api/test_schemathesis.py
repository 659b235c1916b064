"""Schemathesis against the live engine: all its phases (examples, coverage, fuzzing and the stateful
one) over the OpenAPI document the running API serves, on the real dev server, worker and simulator.

The run authenticates as an admin with a valid bearer token and signs integration events with the
source's secret, as the source would (`ignored_auth` still sends each request without them, and with
bad ones). The document's links carry the ids of the journeys, cases and reference data the run
creates into the operations that take them. It must find no server error, no answer its schema does
not allow, no operation that answers without authentication, and it must have reached every operation.
"""

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from api.auth import create_token
from config import Settings
from domain.signatures import HEADER, sign, verify
from tests.api.stack import Stack, stack_per_database

WEBHOOK = "/v1/integrations/{source}/events"
# Every check but `positive_data_acceptance`: the document cannot say all that the engine refuses with
# a documented 422 (control characters and lone surrogates in text, unknown codes, a cursor it never
# issued), so a schema-valid request may be refused.
SKIPPED_CHECKS = ("positive_data_acceptance",)
CONFIG: dict[str, Any] = {
    # A fixed seed and Hypothesis's derandomized mode: the examples, coverage and fuzzing phases send the
    # same requests every run. The stateful phase follows the answers (ids, versions, how far the worker
    # got), so what it reaches varies with timing, and the assertions below allow for that.
    "seed": 20260301,
    "workers": 1,
    "request-timeout": 30,
    "suppress-health-check": ["too_slow", "filter_too_much", "large_base_example", "data_too_large"],
    "generation": {"max-examples": 5, "deterministic": True, "database": "none"},
    "checks": {"enabled": True, **{name: {"enabled": False} for name in SKIPPED_CHECKS}},
    "phases": {"stateful": {"max-steps": 30, "generation": {"max-examples": 25}}},
}


@pytest.fixture(scope="module")
async def fuzzed_stack(dev_env, tmp_path_factory) -> AsyncIterator[Stack]:
    """The engine as `stack` runs it (SQLite), with a store of its own: the run suspends P3MIs, closes
    job orders and ends journeys, which the session's other tests must not meet, and what it sends
    depends on nothing but its seed and its own answers."""
    async with stack_per_database("sqlite", dev_env.client, tmp_path_factory.mktemp("schemathesis")) as s:
        yield s


def _raw(request: requests.PreparedRequest) -> bytes:
    body = request.body or b""
    return body.encode() if isinstance(body, str) else body


def _source(request: requests.PreparedRequest) -> str | None:
    parts = urlparse(request.url).path.split("/")
    return unquote(parts[3]) if len(parts) == 5 and parts[1:3] == ["v1", "integrations"] else None


class WebhookSigner(requests.auth.AuthBase):
    """Signs an integration event as its source does: an HMAC over the exact bytes sent."""

    def __init__(self, secrets: dict[str, list[str]]) -> None:
        self.secrets = secrets

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        source = _source(request)
        if source in self.secrets:
            request.headers[HEADER] = sign(self.secrets[source][:1], int(time.time()), _raw(request))
        return request


# A 409 about the request itself, not about the resource it names.
REQUEST_CONFLICTS = ("IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_IN_PROGRESS")


def acted(response: Any) -> bool:
    """An answer about a real resource: done (2xx), or refused for the state it is in (409). Not 401 or
    403 (the credentials), 404 (an id nothing has), 405 (another method) or 422 (a request refused
    before anything was looked up)."""
    if response.status_code == 409:
        return response.json().get("error", {}).get("code") not in REQUEST_CONFLICTS
    return 200 <= response.status_code < 300


@dataclass
class Run:
    """What the run saw of each operation: the statuses answered to valid credentials, per phase, and
    the phases in which it acted on a real resource."""

    operations: set[str]
    link_targets: set[str]
    answers: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    acted: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # phase -> [first, last] time of its answers
    phase_times: dict[str, list[float]] = field(default_factory=dict)


def _link_targets(raw: dict[str, Any]) -> set[str]:
    """The operations (as `METHOD /path`) some link of the document leads to."""
    labels = {op["operationId"]: f"{m.upper()} {path}" for path, item in raw["paths"].items() for m, op in item.items()}
    return {
        labels[link["operationId"]]
        for item in raw["paths"].values()
        for operation in item.values()
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    }


def run_schemathesis(base_url: str, settings: Settings) -> Run:
    """The whole schemathesis run; blocking, so it runs in a thread while the engine serves."""
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    token = create_token(settings.jwt_secret, "schemathesis", "admin", "*", ttl=3600)
    run = Run(
        operations={result.ok().label for result in schema.get_all_operations()},
        link_targets=_link_targets(schema.raw_schema),
    )

    @schema.auth(refresh_interval=None).skip_for(path=WEBHOOK)
    class Bearer:
        def get(self, case: Any, ctx: Any) -> str:
            return token

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth.set_from_requests(WebhookSigner(settings.webhook_secret_map)).apply_to(path=WEBHOOK)

    def has_valid_credentials(request: requests.PreparedRequest) -> bool:
        if request.headers.get("Authorization") == f"Bearer {token}":
            return True
        secrets = settings.webhook_secret_map.get(_source(request) or "", [])
        return verify(request.headers.get(HEADER), secrets, _raw(request), int(time.time()))

    journeys: list[str] = []

    @schema.hook("map_case")
    def name_a_journey_it_started(ctx: Any, case: Any) -> Any:
        """An integration event names its journey in the body, where outside the stateful phase (whose
        links carry it) only this hook can put the id of a journey the run started. Only a value the
        schema allows is replaced, so a negative case stays negative."""
        body, phase = case.body, case.meta.phase.name if case.meta is not None else None
        if case.operation.path == WEBHOOK and phase != "stateful" and journeys and isinstance(body, dict):
            if isinstance(body.get("journey_id"), str) and len(body["journey_id"]) <= 80:
                body["journey_id"] = journeys[-1]
        return case

    @schema.hook("after_call")
    def record(ctx: Any, case: Any, response: Any) -> None:
        if case.operation.label == "POST /v1/journeys" and response.status_code in (201, 409):
            answer = response.json()
            journey_id = answer.get("journey_id") or answer.get("error", {}).get("journey_id")
            if journey_id:
                journeys.append(journey_id)
        # The coverage phase also sends other methods to each path (405s): those are not the operation.
        if case.method.upper() == case.operation.method.upper() and has_valid_credentials(response.request):
            phase = str(case.meta.phase.name) if case.meta is not None else "explicit"
            run.answers[phase, case.operation.label].add(response.status_code)
            if acted(response):
                run.acted[case.operation.label].add(phase)
            run.phase_times.setdefault(phase, [time.monotonic(), 0.0])[1] = time.monotonic()

    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished) and event.status == Status.FAILURE:
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure, sample = check.failure_info.failure, check.failure_info.code_sample
                        run.failures.append(
                            f"{check.name} {failure.operation}: {failure.title}\n{failure.message}\n{sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            run.failures += [f"{f.operation}: {f.title}\n{f.message}" for f in event.failures]
    return run


async def test_schemathesis_finds_no_server_error_schema_violation_or_ignored_auth_anywhere(fuzzed_stack: Stack):
    stack, started = fuzzed_stack, time.monotonic()
    run = await asyncio.to_thread(run_schemathesis, str(stack.api.base_url).rstrip("/"), stack.settings)
    phases = ", ".join(f"{phase} {last - first:.1f} s" for phase, (first, last) in run.phase_times.items())
    print(f"schemathesis: {time.monotonic() - started:.1f} s ({phases})")
    for (phase, operation), statuses in sorted(run.answers.items()):
        print(f"  {phase:<9} {operation:<55} {sorted(statuses)}")

    assert not run.errors, "\n".join(run.errors)
    assert not run.failures, "\n\n".join(run.failures)
    # Every operation of the document acted on a real resource for valid credentials, ...
    assert len(run.operations) >= 40
    unreached = sorted(run.operations - set(run.acted))
    assert unreached == [], f"never acted on anything with valid credentials: {unreached}"
    # ... and the stateful phase, following the links, acted on the journeys, cases, P3MIs and job
    # orders the run made (which of the links it follows depends on the answers' timing).
    for id_name in ("journey_id", "case_id", "p3mi_id", "job_order_id"):
        linked = {op for op in run.link_targets if f"{{{id_name}}}" in op}
        assert linked and linked & {op for op, phases in run.acted.items() if "stateful" in phases}, id_name
