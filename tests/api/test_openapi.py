"""The OpenAPI document describes the contract's endpoints, with request examples."""

from api.app import create_app
from config import Settings

CONTRACT_PATHS = {
    "/v1/journeys": {"get", "post"},
    "/v1/journeys/{journey_id}": {"get"},
    "/v1/journeys/{journey_id}/events": {"get"},
    "/v1/journeys/{journey_id}/steps/{step}/complete": {"post"},
    "/v1/journeys/{journey_id}/steps/{step}/reject": {"post"},
    "/v1/journeys/{journey_id}/steps/{step}/waive": {"post"},
    "/v1/journeys/{journey_id}/steps/{step}/reopen": {"post"},
    "/v1/journeys/{journey_id}/withdraw": {"post"},
    "/v1/journeys/{journey_id}/cancel": {"post"},
    "/v1/integrations/{source}/events": {"post"},
    "/v1/p3mi": {"get", "post"},
    "/v1/p3mi/{p3mi_id}": {"get", "patch"},
    "/v1/job-orders": {"get", "post"},
    "/v1/job-orders/{job_order_id}": {"get", "patch"},
    "/healthz": {"get"},
    "/readyz": {"get"},
}


def test_every_contract_endpoint_is_documented_with_examples():
    doc = create_app(Settings()).openapi()
    assert doc["info"]["title"] and doc["info"]["version"]
    for path, methods in CONTRACT_PATHS.items():
        assert methods <= set(doc["paths"][path]), path
    start = doc["paths"]["/v1/journeys"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in start["parameters"]}
    schema = doc["components"]["schemas"]["StartJourneyIn"]
    assert schema["examples"][0]["worker"]["nik"]
    webhook = doc["paths"]["/v1/integrations/{source}/events"]["post"]["requestBody"]["content"]["application/json"]
    assert webhook["examples"]
