"""The API's layers (issue 9, item 13): services say what went wrong without HTTP, and the API runs
without the worker's composition root."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_api_does_not_import_the_worker():
    code = (
        "import pkgutil, importlib, sys, api, api.services, api.routes\n"
        "for pkg in (api, api.services, api.routes):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(f'{pkg.__name__}.{m.name}')\n"
        "from api.app import create_app\n"
        "assert 'worker' not in sys.modules, 'the API imported worker.py'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
    # Nor on demand, inside a function (the auditor's replay once did).
    lazy = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "api").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if (isinstance(node, ast.ImportFrom) and node.module == "worker")
        or (isinstance(node, ast.Import) and any(a.name == "worker" for a in node.names))
    ]
    assert lazy == []


def test_services_raise_domain_and_service_errors_not_http_ones():
    offenders = []
    for path in sorted((ROOT / "api" / "services").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "api.errors":
                offenders.append(f"{path.name}: imports api.errors")
            if isinstance(node, ast.Name) and node.id == "ApiError":
                offenders.append(f"{path.name}:{node.lineno}: ApiError")
    assert offenders == []


def test_the_openapi_document_shows_the_journey_and_the_case_as_they_are():
    # The routes declare the domain's views (`JourneyView`, `CaseView`): the document names every member.
    from api.app import create_app
    from config import Settings

    doc = create_app(Settings()).openapi()
    schemas = doc["components"]["schemas"]

    def answer(path: str, method: str, status: str) -> str:
        return doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]["$ref"]

    assert answer("/v1/journeys/{journey_id}", "get", "200").endswith("/JourneyView")
    assert answer("/v1/journeys/{journey_id}/steps/{step}/complete", "post", "200").endswith("/JourneyView")
    assert answer("/v1/cases/{case_id}", "get", "200").endswith("/CaseView")
    assert {"journey_id", "steps", "flags", "follow_ups", "tasks"} <= set(schemas["JourneyView"]["properties"])
    assert schemas["StepView"]["properties"]["state"]["enum"] == [
        "locked", "available", "completed", "rejected", "waived", "expired"
    ]  # fmt: skip
    assert {"case_id", "status", "waiting_for", "overdue"} <= set(schemas["CaseView"]["properties"])


def test_a_view_leaves_out_what_is_absent_as_documents_always_have():
    from domain.view import journey_view
    from tests.domain.harness import new

    j = new()
    document = journey_view(j.s).document()
    assert "follow_ups" not in document and "tasks" not in document and "personal_data" not in document
    locked = next(s for s in document["steps"] if s["state"] == "locked")
    assert set(locked) == {"step", "state", "due_at", "valid_until"}
    done = next(s for s in document["steps"] if s["step"] == "registration")
    assert {"completed_at", "evidence"} <= set(done) and "reason" not in done
