"""The engine's metrics move when a journey runs (issue 11, item 5): `/metrics` in Prometheus's
format, on the running stack (its worker runs in the test's process, so the journeys' counts the
worker makes are in the same registry the API serves); and the Temporal SDK's own metrics from a
runtime configured as the worker configures it."""

import socket
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

from config import Settings
from tests.api.conftest import stack  # noqa: F401  (the fixture: the running engine, per database)
from tests.api.stack import Stack, new_nik, step_is
from tests.api.test_e2e_journey import act, signal, start
from tests.polling import eventually
from worker import temporal_runtime

# Metrics are not the store's: SQLite's stack is enough.
sqlite_stack = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


async def scrape(running: Stack) -> dict[tuple[str, tuple], float]:
    r = await running.api.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(r.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@sqlite_stack
async def test_the_metrics_move_when_a_journey_runs(stack: Stack):  # noqa: F811
    before = await scrape(stack)
    jid = (await start(stack, new_nik(), None, scheme="INDEPENDENT"))["journey_id"]
    await stack.wait_for(jid, step_is("family_consent", "available"))
    await act(stack, jid, "family_consent", {"consent_ref": "FC-9", "village": "Sumberejo"})
    now = datetime.now(UTC).isoformat()
    await signal(
        stack, "clinic", jid, "medical.result", {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": now}
    )
    await stack.wait_for(jid, step_is("medical_check", "completed"))
    forged = await stack.api.post("/v1/integrations/clinic/events", json={}, headers={"X-PMI-Signature": "t=1,v1=00"})
    assert forged.status_code == 401

    # The worker counts the journeys' events as it stores them, a moment after the workflow has them.
    medical = value(before, "pmi_steps_completed_total", step="medical_check")
    after = await eventually(
        lambda: scrape(stack), lambda now: value(now, "pmi_steps_completed_total", step="medical_check") > medical
    )
    started = "pmi_http_requests_total"
    assert value(after, started, method="POST", route="/v1/journeys", status="201") >= (
        value(before, started, method="POST", route="/v1/journeys", status="201") + 1
    )
    step_route = "/v1/journeys/{journey_id}/steps/{step}/complete"
    assert value(after, started, method="POST", route=step_route, status="200") > value(
        before, started, method="POST", route=step_route, status="200"
    )
    assert value(after, "pmi_http_request_duration_seconds_count", method="POST", route="/v1/journeys") > value(
        before, "pmi_http_request_duration_seconds_count", method="POST", route="/v1/journeys"
    )
    for name, labels in (
        ("pmi_journeys_started_total", {"scheme": "INDEPENDENT"}),
        ("pmi_steps_completed_total", {"step": "family_consent"}),
        ("pmi_steps_completed_total", {"step": "medical_check"}),
        ("pmi_webhook_events_total", {"source": "clinic", "result": "accepted"}),
        ("pmi_webhook_events_total", {"source": "clinic", "result": "bad_signature"}),
    ):
        assert value(after, name, **labels) >= value(before, name, **labels) + 1, (name, labels)
    # No id and nothing personal in any label: routes are templates.
    assert not any(jid in str(labels) for _, labels in after)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_worker_runtime_exports_the_sdks_metrics_for_prometheus(dev_env):
    assert temporal_runtime(Settings()) is None  # off unless a port is given
    port = free_port()
    runtime = temporal_runtime(Settings(temporal_metrics_port=port))
    target = dev_env.client.service_client.config.target_host
    client = await Client.connect(target, runtime=runtime)
    await client.count_workflows()
    async with httpx.AsyncClient() as http:
        exported = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    assert "temporal_request" in exported
