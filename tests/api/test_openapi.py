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


def test_links_carry_the_ids_a_start_answers_into_every_operation_that_takes_them():
    """OpenAPI links (api.openapi_links): what a client, or schemathesis's stateful phase, may do next."""
    doc = create_app(Settings()).openapi()
    operation_ids = {op["operationId"]: (m, path) for path, item in doc["paths"].items() for m, op in item.items()}
    started = doc["paths"]["/v1/journeys"]["post"]["responses"]["201"]["links"]
    targets = {operation_ids[link["operationId"]] for link in started.values()}
    takes_a_journey = {(m, path) for m, path in operation_ids.values() if "{journey_id}" in path}
    assert takes_a_journey <= targets
    assert ("post", "/v1/integrations/{source}/events") in targets
    assert started["CompleteFamilyConsent"]["parameters"]["path.step"] == "family_consent"
    assert started["SendClinicEvent"]["requestBody"]["journey_id"] == "$response.body#/journey_id"
    opened = doc["paths"]["/v1/journeys/{journey_id}/cases"]["post"]["responses"]["201"]["links"]
    assert {operation_ids[link["operationId"]][1] for link in opened.values()} >= {
        "/v1/cases/{case_id}",
        "/v1/cases/{case_id}/actions",
        "/v1/cases/{case_id}/events",
    }


def test_the_signature_and_the_codec_session_are_declared_as_what_authenticates():
    doc = create_app(Settings()).openapi()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["WebhookSignature"] == {**schemes["WebhookSignature"], "type": "apiKey", "in": "header"}
    assert doc["paths"]["/v1/integrations/{source}/events"]["post"]["security"] == [{"WebhookSignature": []}]
    for path in ("/codec/decode", "/codec/encode"):
        assert {"HTTPBearer": []} in doc["paths"][path]["post"]["security"]
        assert {"CodecSession": []} in doc["paths"][path]["post"]["security"]
