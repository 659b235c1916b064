"""The compose layout (deploy/) is Temporal's current one (issue 11): the schema applied by
temporal-sql-tool before `temporalio/server` starts, no deprecated `auto-setup` image, a namespace
retention the audit archive can keep up with, and the engine started only after all of it.
(Compose itself is not run here: no container runtime on the CI machine.)"""

import re
from pathlib import Path

import yaml

from config import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _days(retention: str) -> float:
    number, unit = re.fullmatch(r"(\d+)([dh])", retention).groups()
    return int(number) / (24 if unit == "h" else 1)


def test_temporal_runs_the_server_image_after_its_schema_job():
    images = {name: service.get("image", "") for name, service in SERVICES.items()}
    assert not [image for image in images.values() if "auto-setup" in image]
    assert images["temporal"].startswith("temporalio/server:")
    schema = SERVICES["temporal-schema"]
    assert schema["image"].startswith("temporalio/admin-tools:")
    assert SERVICES["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    script = (DEPLOY / "temporal" / "setup-schema.sh").read_text()
    assert "temporal-sql-tool" in script and "update-schema" in script
    assert {"temporal", "temporal_visibility"} <= set(re.findall(r"\btemporal(?:_visibility)?\b", script))
    mounted = {volume.split(":")[0] for volume in schema["volumes"]}
    assert "./temporal/setup-schema.sh" in mounted


def test_the_engine_starts_after_the_namespace_and_its_search_attributes():
    for part in ("api", "worker"):
        needs = SERVICES[part]["depends_on"]
        assert needs["temporal-namespace"]["condition"] == "service_completed_successfully"
        assert needs["migrate"]["condition"] == "service_completed_successfully"
    script = (DEPLOY / "temporal" / "namespace.sh").read_text()
    from workflows import search_attributes

    keys = [v.name for v in vars(search_attributes).values() if hasattr(v, "name") and str(v.name).startswith("Pmi")]
    assert keys and all(key in script for key in keys)


def test_retention_outlasts_the_audit_sweep_by_weeks():
    default = re.search(r"TEMPORAL_RETENTION:-(\w+)", (DEPLOY / "docker-compose.yml").read_text()).group(1)
    sweep_days = Settings(_env_file=None).audit_sweep_minutes / (24 * 60)
    assert _days(default) >= 14 and _days(default) > 1000 * sweep_days


def test_the_worker_is_given_longer_to_stop_than_it_gives_its_activities():
    grace = SERVICES["worker"]["stop_grace_period"]
    assert grace.endswith("s") and float(grace[:-1]) > Settings(_env_file=None).worker_graceful_shutdown_seconds
