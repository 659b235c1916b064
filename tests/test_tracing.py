"""Tracing is off unless `PMI_OTEL_ENDPOINT` is set (issue 11): no exporter, no interceptor, no trace
ids in the logs. With it, the whole path is traced end to end: tests/privacy/test_data_scan.py."""

import logging

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider

import tracing
from config import Settings


def test_without_an_endpoint_nothing_is_traced():
    settings = Settings(_env_file=None)
    assert settings.otel_endpoint is None
    assert tracing.configure_tracing(settings, "api") is False
    assert not tracing.tracing_enabled()
    assert tracing.temporal_interceptors(settings) == []
    assert not isinstance(trace.get_tracer_provider(), SdkTracerProvider)  # the API's no-op default


def test_with_an_endpoint_the_temporal_client_carries_the_tracing_interceptor():
    from temporalio.contrib.opentelemetry import TracingInterceptor

    interceptors = tracing.temporal_interceptors(Settings(_env_file=None, otel_endpoint="http://collector:4318"))
    assert [type(i) for i in interceptors] == [TracingInterceptor]


def test_log_lines_name_the_current_span_only_inside_one():
    assert tracing.add_trace_context(logging.getLogger(), "info", {"event": "x"}) == {"event": "x"}
    with SdkTracerProvider().get_tracer("t").start_as_current_span("s") as span:
        line = tracing.add_trace_context(logging.getLogger(), "info", {"event": "x"})
    context = span.get_span_context()
    assert line == {"event": "x", "trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
