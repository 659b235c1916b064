"""The engine's Prometheus metrics (issue 11): what the API answers and what the journeys do.

The API serves them at `/metrics`; the worker on `PMI_WORKER_METRICS_PORT` (with the Temporal SDK's
own metrics on `PMI_TEMPORAL_METRICS_PORT`). Labels are ids of the domain (routes as templates,
steps, outcomes, case types, integration sources, systems), never a journey id or anything personal,
so their number stays small.

The journeys' counts come from the events as the worker stores them (`count_events`): one place
sees every event, whoever caused it. An append the worker retries after it had succeeded counts its
events again; Temporal makes that rare, and a counter does not need to be an audit record.
"""

from collections.abc import Iterable
from typing import Any

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("pmi_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "pmi_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOURNEYS_STARTED = Counter("pmi_journeys_started_total", "Journeys started", ["scheme"])
JOURNEYS_ENDED = Counter("pmi_journeys_ended_total", "Journeys ended", ["outcome"])
STEPS_COMPLETED = Counter("pmi_steps_completed_total", "Steps completed", ["step"])
CASES_OPENED = Counter("pmi_cases_opened_total", "Protection cases opened", ["case_type"])
CASES_ESCALATED = Counter("pmi_cases_escalated_total", "Protection cases escalated")
CASES_OVERDUE = Counter("pmi_cases_overdue_total", "Protection cases whose first-response deadline passed unmet")
WEBHOOK_EVENTS = Counter("pmi_webhook_events_total", "Integration events received", ["source", "result"])
ACTIVITY_FAILURES = Counter("pmi_activity_failures_total", "Calls to external systems that failed", ["system"])
# A write transaction's two halves (`store.db.write_tx`): waiting to begin (on SQLite, for this
# process's writers ahead of it and the file's write lock), then holding it until its commit.
_DB_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DB_WRITE_WAIT = Histogram(
    "pmi_db_write_wait_seconds", "Time a write transaction waited to begin", ["database"], buckets=_DB_BUCKETS
)
DB_WRITE_HOLD = Histogram(
    "pmi_db_write_hold_seconds", "Time from a write transaction's beginning to its end", ["database"],
    buckets=_DB_BUCKETS,
)  # fmt: skip


def count_events(events: Iterable[Any]) -> None:
    """Count stored domain events (`NewEvent`s: `type` and `data`)."""
    for event in events:
        data = event.data or {}
        match event.type:
            case "JourneyStarted":
                JOURNEYS_STARTED.labels(scheme=str(data.get("scheme") or "unknown")).inc()
            case "JourneyEnded":
                JOURNEYS_ENDED.labels(outcome=str(data.get("outcome") or "unknown")).inc()
            case "StepCompleted":
                STEPS_COMPLETED.labels(step=str(data.get("step") or "unknown")).inc()
            case "CaseOpened":
                CASES_OPENED.labels(case_type=str(data.get("case_type") or "unknown")).inc()
            case "CaseEscalated":
                CASES_ESCALATED.inc()
            case "FirstResponseMissed":
                CASES_OVERDUE.inc()
