"""End to end: what Temporal holds of a journey is ciphertext. After whole journeys through the API,
`temporal workflow show -o json` and `temporal workflow describe` (no codec), with every payload
base64-decoded, carry no NIK, name, birth date, phone, passport number or medical result: not in the
inputs, results, signals, updates, memos or failures. A query answered to a client without the codec is
ciphertext too."""

import base64
import json
import subprocess
import uuid
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.query.v1 import WorkflowQuery
from temporalio.api.workflowservice.v1 import QueryWorkflowRequest

from store.pii import PiiVault
from tests.api.stack import Stack, new_nik, step_is
from tests.api.test_e2e_journey import drive_to_departure, seed_p3mi, start_body
from tests.conftest import TEMPORAL_BIN
from workflows.codec import ENCODING

ENCRYPTED = base64.b64encode(ENCODING).decode()
# Payloads Temporal and its SDK write for themselves: the indexed search attributes (personal-data free
# by design), `workflow.patched` markers (a patch id) and a local activity's marker bookkeeping (its
# sequence number, type and times; its result is encrypted). The scan below reads them like the rest.
SDK_WRITTEN = (
    "searchAttributes",
    "markerRecordedEventAttributes.details.patch-data",
    "markerRecordedEventAttributes.details.data",
)


def temporal_cli(stack: Stack, *args: str) -> Any:
    address = stack.client.service_client.config.target_host
    out = subprocess.run(
        [str(TEMPORAL_BIN), *args, "--address", address, "--namespace", stack.client.namespace, "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


def payloads_in(document: Any, path: str = "") -> list[tuple[str, dict]]:
    """Every Temporal payload (`{"metadata": ..., "data": ...}`) in a JSON document, with where it is."""
    found = []
    if isinstance(document, dict):
        if "data" in document and isinstance(document.get("metadata"), dict):
            found.append((path, document))
        for key, value in document.items():
            found += payloads_in(value, f"{path}.{key}")
    elif isinstance(document, list):
        for i, value in enumerate(document):
            found += payloads_in(value, f"{path}[{i}]")
    return found


def everything_readable(document: Any) -> str:
    """The document's text with every payload's data and metadata decoded alongside it."""
    parts = [json.dumps(document)]
    for _, payload in payloads_in(document):
        parts.append(base64.b64decode(payload.get("data") or "").decode("latin-1"))
        parts += [base64.b64decode(v).decode("latin-1") for v in payload["metadata"].values()]
    return "\n".join(parts)


def a_person() -> dict[str, str]:
    tag = uuid.uuid4().int
    return {
        "nik": new_nik(),
        "full_name": f"Ratna {['Kusumawati', 'Wulandari', 'Handayani'][tag % 3]} Pratiwi",
        "birth_date": f"19{80 + tag % 20}-0{1 + tag % 9}-1{tag % 10}",
        "phone": f"+62857{tag % 10**7:07d}",
    }


async def test_temporal_holds_no_personal_data_in_the_clear(stack: Stack):
    p3mi_id, job_id = await seed_p3mi(stack)
    person = a_person()
    body = start_body(person["nik"], p3mi_id)
    body["worker"].update({k: v for k, v in person.items()})
    r = await stack.api.post("/v1/journeys", json=body, headers=stack.auth())
    assert r.status_code == 201, r.text
    jid = r.json()["journey_id"]
    await drive_to_departure(stack, jid, job_id)
    refused = start_body(person["nik"][:12] + "9999", None, scheme="G2G")  # Dukcapil refuses: a failure
    refused["worker"]["full_name"] = person["full_name"]
    r = await stack.api.post("/v1/journeys", json=refused, headers=stack.auth())
    assert r.status_code == 201, r.text
    refused_jid = r.json()["journey_id"]
    await stack.wait_for(refused_jid, lambda j: j["status"] == "ended" or step_is("registration", "rejected")(j))

    vault = await PiiVault(stack.engine, stack.settings.pii_key).get(jid)
    assert vault is not None and vault.passport_no
    secrets = {**person, "passport_no": vault.passport_no, "nik (refused)": refused["worker"]["nik"]}
    secrets["phone digits"] = person["phone"].lstrip("+")

    documents = []
    for workflow_id in (jid, refused_jid):
        runs = [e.run_id async for e in stack.client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        assert runs
        for run_id in runs:
            documents.append(temporal_cli(stack, "workflow", "show", "-w", workflow_id, "-r", run_id))
            documents.append(temporal_cli(stack, "workflow", "describe", "-w", workflow_id, "-r", run_id))

    seen = [payloads_in(d) for d in documents]
    assert sum(len(s) for s in seen) > 20  # inputs, results, signals, updates, memos: there is much to read
    in_the_clear = [
        path
        for found in seen
        for path, payload in found
        if payload["metadata"].get("encoding") != ENCRYPTED and not any(p in path for p in SDK_WRITTEN)
    ]
    assert in_the_clear == [], in_the_clear
    text = "\n".join(everything_readable(d) for d in documents)
    for name, value in secrets.items():
        assert value not in text, f"the {name} is in Temporal in the clear"
    for medical in ('"fit"', '"unfit"'):
        assert medical not in text

    plain_query = await stack.client.workflow_service.query_workflow(
        QueryWorkflowRequest(
            namespace=stack.client.namespace,
            execution=WorkflowExecution(workflow_id=jid),
            query=WorkflowQuery(query_type="state"),
        )
    )
    [answer] = plain_query.query_result.payloads
    assert answer.metadata["encoding"] == ENCODING
    assert person["full_name"].encode() not in answer.data
