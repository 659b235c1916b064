"""OpenAPI links: which answer's ids the next request may use (OpenAPI 3.1, Link Object).

A client, or a tool that walks the API such as schemathesis's stateful phase, reads here that the
`journey_id` of a journey names it in every `/v1/journeys/{journey_id}/...` operation, in the filters of
the case list, the access log and the checkpoints, and in an integration event's body; that a case's
`case_id` names it in the case operations; and that a P3MI's or a job order's id names it in its own.
The links are a table (answer -> targets), added to the document FastAPI generates.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Target:
    """One link: its name, the operation it leads to, the parameters and request body members it fills
    (values are runtime expressions such as `$response.body#/journey_id`, or constants)."""

    name: str
    method: str
    path: str
    parameters: dict[str, Any] = field(default_factory=dict)
    request_body: dict[str, Any] | str | None = None


# Operations that take a journey id in the path, and nothing else the link must supply.
JOURNEY_OPERATIONS = (
    ("GetJourney", "get", "/v1/journeys/{journey_id}"),
    ("GetPersonalData", "get", "/v1/journeys/{journey_id}/personal-data"),
    ("ListEvents", "get", "/v1/journeys/{journey_id}/events"),
    ("Withdraw", "post", "/v1/journeys/{journey_id}/withdraw"),
    ("Cancel", "post", "/v1/journeys/{journey_id}/cancel"),
    ("Close", "post", "/v1/journeys/{journey_id}/close"),
    ("RecordEmploymentEvent", "post", "/v1/journeys/{journey_id}/employment-events"),
    ("WaiveRule", "post", "/v1/journeys/{journey_id}/waivers"),
    ("Verify", "post", "/v1/journeys/{journey_id}/verify"),
    ("Export", "get", "/v1/journeys/{journey_id}/export"),
    ("Erase", "post", "/v1/journeys/{journey_id}/erase"),
    ("OpenCase", "post", "/v1/journeys/{journey_id}/cases"),
)
# A step action names a step too: one in the state the action needs on a journey just registered
# (family consent and the medical check are available once registration completes), and what the
# action takes (evidence, or a reason).
STEP_ACTIONS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("complete", "family_consent", {"evidence": {"consent_ref": "FC-2026-118", "village": "Sumberejo"}}),
    (
        "complete",
        "medical_check",
        {"evidence": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "2026-03-02"}},
    ),
    ("reject", "medical_check", {"reason": "Result unreadable; examine again"}),
    ("waive", "family_consent", {"reason": "The worker is of age and lives alone"}),
    ("reopen", "registration", {"reason": "Registration details to correct"}),
)
# An integration event names its journey in the body (and then no NIK); each source here may send its
# type, with data of the shape that type takes, and when it happened.
OCCURRED_AT = "2026-03-02T09:00:00Z"
INTEGRATION_EVENTS = (
    ("clinic", "medical.result", {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "2026-03-02"}),
    ("hotline", "complaint.filed", {"case_type": "unpaid_wages", "description": "Wages unpaid since March"}),
)
# Where a journey's id comes from: a start (or a second start for the same NIK, 409 naming the active
# journey), the journey itself, the list and the search (their first item). An answer that is the
# journey also gives the version a step action may expect (409 VERSION_CONFLICT when it is stale).
JOURNEY_SOURCES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("post", "/v1/journeys", "201", "$response.body#/journey_id", "$response.body#/version"),
    ("post", "/v1/journeys", "409", "$response.body#/error/journey_id", None),
    ("get", "/v1/journeys/{journey_id}", "200", "$response.body#/journey_id", "$response.body#/version"),
    ("get", "/v1/journeys", "200", "$response.body#/items/0/journey_id", None),
    ("post", "/v1/journeys/search", "200", "$response.body#/items/0/journey_id", None),
)
# A journey that has just ended (withdrawn, cancelled, closed) can be read, audited and erased.
ENDING_OPERATIONS = ("withdraw", "cancel", "close")
ENDED_JOURNEY_TARGETS = ("GetJourney", "ListEvents", "GetStateAsOf", "Verify", "Export", "Erase", "OpenCase")
CASE_OPERATIONS = (
    ("GetCase", "get", "/v1/cases/{case_id}"),
    ("ActOnCase", "post", "/v1/cases/{case_id}/actions"),
    ("ListCaseEvents", "get", "/v1/cases/{case_id}/events"),
)
# Where a case's id comes from: opening one, acting on one (the next action), the list's first item.
CASE_SOURCES = (
    ("post", "/v1/journeys/{journey_id}/cases", "201", "$response.body#/case_id"),
    ("post", "/v1/cases/{case_id}/actions", "200", "$response.body#/case_id"),
    ("get", "/v1/cases", "200", "$response.body#/items/0/case_id"),
)
# Reference data: (collection, id member).
REFERENCE_KINDS = (
    ("p3mi", "p3mi_id"),
    ("job-orders", "job_order_id"),
    ("clinics", "clinic_id"),
    ("training-centres", "institution_id"),
    ("missions", "mission"),
    ("holidays", "date"),
)
# Catalogues whose entries an admin may also remove (a holiday the government moved).
DELETABLE = frozenset({"holidays"})


def journey_targets(journey_id: str, version: str | None = None) -> list[Target]:
    """Every operation a journey id (a runtime expression) leads to; `version`, when the answer has it,
    goes in the step actions' `expected_version`."""
    parameters = {"path.journey_id": journey_id}
    targets = [Target(name, method, path, parameters) for name, method, path in JOURNEY_OPERATIONS]
    # Every journey has a first event: the journey as it stood then.
    targets.append(Target("GetStateAsOf", "get", "/v1/journeys/{journey_id}/state", {**parameters, "query.seq": 1}))
    for action, step, body in STEP_ACTIONS:
        path = f"/v1/journeys/{{journey_id}}/steps/{{step}}/{action}"
        name, step_parameters = f"{_camel(action)}{_camel(step)}", {**parameters, "path.step": step}
        expected = {"expected_version": version} if version else {}
        targets.append(Target(name, "post", path, step_parameters, {**body, **expected}))
    for source, event_type, data in INTEGRATION_EVENTS:
        body = {"journey_id": journey_id, "nik": None, "type": event_type, "occurred_at": OCCURRED_AT, "data": data}
        path = "/v1/integrations/{source}/events"
        targets.append(Target(f"Send{_camel(source)}Event", "post", path, {"path.source": source}, body))
    follow_up = "/v1/journeys/{journey_id}/follow-ups/{number}"
    targets.append(Target("RecordFollowUp", "post", follow_up, {**parameters, "path.number": 1}, {"reached": True}))
    targets += [
        Target("ListCases", "get", "/v1/cases", {"query.journey_id": journey_id}),
        Target("ListAccessLog", "get", "/v1/audit/access-log", {"query.journey_id": journey_id}),
        Target("ListCheckpoints", "get", "/v1/audit/checkpoints", {"query.stream_id": journey_id}),
    ]
    return targets


def case_targets(case_id: str) -> list[Target]:
    """Every operation a case id leads to."""
    targets = [Target(name, method, path, {"path.case_id": case_id}) for name, method, path in CASE_OPERATIONS]
    targets.append(Target("ListCheckpoints", "get", "/v1/audit/checkpoints", {"query.stream_id": case_id}))
    return targets


def reference_targets(kind: str, id_name: str, value: str) -> list[Target]:
    path = f"/v1/{kind}/{{{id_name}}}"
    targets = [
        Target(f"Get{_camel(id_name)}", "get", path, {f"path.{id_name}": value}),
        Target(f"Patch{_camel(id_name)}", "patch", path, {f"path.{id_name}": value}),
    ]
    if kind in DELETABLE:
        targets.append(Target(f"Delete{_camel(id_name)}", "delete", path, {f"path.{id_name}": value}))
    return targets


def links_table() -> dict[tuple[str, str, str], list[Target]]:
    """(method, path, status) of an answer -> the links it carries."""
    table: dict[tuple[str, str, str], list[Target]] = {}
    for method, path, status, journey_id, version in JOURNEY_SOURCES:
        table[method, path, status] = journey_targets(journey_id, version)
    for kind in ENDING_OPERATIONS:
        ended = journey_targets("$response.body#/journey_id")
        table["post", f"/v1/journeys/{{journey_id}}/{kind}", "200"] = [
            target for target in ended if target.name in ENDED_JOURNEY_TARGETS
        ]
    for method, path, status, case_id in CASE_SOURCES:
        table[method, path, status] = case_targets(case_id)
    for kind, id_name in REFERENCE_KINDS:
        table["post", f"/v1/{kind}", "201"] = reference_targets(kind, id_name, f"$response.body#/{id_name}")
        # `ALREADY_EXISTS` names the one that exists.
        table["post", f"/v1/{kind}", "409"] = reference_targets(kind, id_name, f"$response.body#/error/{id_name}")
        table["get", f"/v1/{kind}", "200"] = reference_targets(kind, id_name, f"$response.body#/items/0/{id_name}")
    # A country is opened or closed by its code, as the list names it.
    patch_country = Target(
        "PatchCountry", "patch", "/v1/countries/{code}", {"path.code": "$response.body#/items/0/code"}
    )
    table["get", "/v1/countries", "200"] = [patch_country]
    return table


def add_links(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the links of `links_table` to the responses of `doc` (in place) and return it.

    A link names its target by `operationId`. A source or target missing from the document raises
    `KeyError`, so the table cannot drift from the routes unnoticed."""
    paths = doc["paths"]
    for (method, path, status), targets in links_table().items():
        response = paths[path][method]["responses"].setdefault(status, {"description": "Successful Response"})
        links = response.setdefault("links", {})
        for target in targets:
            link: dict[str, Any] = {"operationId": paths[target.path][target.method]["operationId"]}
            if target.parameters:
                link["parameters"] = dict(target.parameters)
            if target.request_body is not None:
                link["requestBody"] = target.request_body
            links[target.name] = link
    return doc


def _camel(text: str) -> str:
    return "".join(part.capitalize() for part in text.replace("-", "_").split("_"))
