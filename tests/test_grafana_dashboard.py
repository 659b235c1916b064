"""The Grafana dashboard in deploy/ (issue 11, item 5) graphs only metrics the engine exports: each
`pmi_*` name in its queries is a series of a metric `metrics.py` defines, and each label it groups
or filters by is one of that metric's labels."""

import json
import re
from pathlib import Path

from prometheus_client import Counter, Histogram

import metrics

DASHBOARD = Path(__file__).resolve().parents[1] / "deploy" / "grafana" / "pmi-engine.json"


def series() -> dict[str, set[str]]:
    """Each exported series name of the engine's metrics -> its labels."""
    out: dict[str, set[str]] = {}
    for metric in vars(metrics).values():
        if isinstance(metric, Counter):
            out[f"{metric._name}_total"] = set(metric._labelnames)
        elif isinstance(metric, Histogram):
            for suffix in ("_bucket", "_count", "_sum"):
                out[metric._name + suffix] = set(metric._labelnames) | ({"le"} if suffix == "_bucket" else set())
    return out


def test_the_dashboard_queries_only_metrics_and_labels_the_engine_exports():
    exported = series()
    assert "pmi_http_requests_total" in exported and "pmi_http_request_duration_seconds_bucket" in exported
    queries = [t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p["targets"]]
    engine_queries = [q for q in queries if "pmi_" in q]
    assert len(engine_queries) >= 8
    for query in engine_queries:
        names = re.findall(r"\b(pmi_[a-z_]+)", query)
        assert names and all(n in exported for n in names), (query, names)
        labels = set().union(*(exported[n] for n in names))
        used = {x.strip() for g in re.findall(r"by \(([^)]*)\)", query) for x in g.split(",")}
        used |= set(re.findall(r"\{(\w+)=", query))
        assert used <= labels, (query, used - labels)
