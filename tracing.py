"""OpenTelemetry tracing (issue 11): off unless `PMI_OTEL_ENDPOINT` names an OTLP/HTTP collector.

One trace follows a request across the processes: the API's FastAPI span, the Temporal client's
call (`StartUpdateWithStartWorkflow`, `StartWorkflowUpdate`, `SignalWorkflow`), the workflow and the activity in the
worker (`temporalio.contrib.opentelemetry.TracingInterceptor`, on the client so the worker built on it
has it too), the activity's HTTP call to a government system (httpx), that system's own span (the
simulator is instrumented like the API), and the webhook it sends back. An update or signal handler
is a span of its journey's trace (the workflow's, begun by its start) linked to the call that caused
it: the Temporal SDK's choice, since a workflow is one long run. Each process calls
`configure_tracing` once at start; `add_trace_context` puts the current trace and span ids on every
log line, so a log search and a trace lead to each other.

What spans carry: routes, methods, statuses, workflow and activity types, journey and case ids (ULIDs),
never a body. No personal value travels in a URL (STYLE: it is in bodies only), so none reaches a span.
"""

from typing import Any

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, WrappedLogger

# Probes and scrapes, several a minute from every orchestrator and Prometheus: not traced.
UNTRACED_PATHS = "healthz,readyz,metrics,console/static"

_enabled = False


def tracing_enabled() -> bool:
    return _enabled


def configure_tracing(settings: Any, service: str) -> bool:
    """Export this process's spans as `pmi-<service>` to `settings.otel_endpoint` (OTLP over HTTP,
    protobuf, batched) and trace every httpx client made from now on. False, and nothing changed,
    when no endpoint is set. Idempotent."""
    global _enabled
    endpoint = getattr(settings, "otel_endpoint", None)
    if not endpoint or _enabled:
        return _enabled
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    resource = Resource.create(
        {SERVICE_NAME: f"pmi-{service}", SERVICE_VERSION: "1.0.0", "deployment.environment": settings.env}
    )
    # ParentBased: a span whose caller sampled (or not) follows the caller, so a trace is whole or absent.
    provider = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(settings.otel_sample_ratio)))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument()
    _enabled = True
    structlog.get_logger("pmi.tracing").info("tracing on", service=f"pmi-{service}", endpoint=endpoint)
    return True


def instrument_app(app: Any) -> None:
    """Trace the FastAPI app's requests (server spans named by route template), if tracing is on."""
    if not _enabled:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # One span per request: not one more per ASGI message received and sent.
    FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_PATHS, exclude_spans=["receive", "send"])


def temporal_interceptors(settings: Any) -> list:
    """The Temporal client's interceptors: the tracing one when tracing is on in these settings."""
    if not getattr(settings, "otel_endpoint", None):
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def add_trace_context(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: the current span's trace and span ids (hex, as collectors show them)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict
