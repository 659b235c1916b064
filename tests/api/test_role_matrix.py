"""Who may call what (API.md, Authentication and roles), for every operation the OpenAPI document lists.

`POLICY` is the contract written as data: for each operation (method, path template) the roles that may
call it and whether a journey or case outside the caller's region answers 404 as if it did not exist.
The operations come from the app's own OpenAPI document, so an endpoint added without a row here fails
`test_every_operation_has_a_policy_and_every_policy_an_operation`. The requests are built from each
operation's parameters: path parameters name a real journey (province 33) and case made for this
module, and every role asks from region 33, from region 31 and from `*`.

An allowed caller is answered anything but 401, 403 or 404. Mutations are sent so that they are refused
after the authorization passed and change nothing: a stale `expected_version` (409 `VERSION_CONFLICT`),
a journey that has ended, the NIK of a journey that is active, or a body that fails validation (422,
which FastAPI answers only after the role's dependency passed).
"""

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.auth import create_token
from config import Settings
from domain.signatures import sign
from tests.api.stack import Stack, new_nik

# The roles of API.md's table, and who of them may do what.
READERS = ("officer", "supervisor", "auditor", "admin")
ACTORS = ("officer", "supervisor", "admin")  # "a supervisor may what an officer may"; "admin: everything"
SUPERVISORS = ("supervisor", "admin")
AUDITORS = ("auditor", "admin")
ADMINS = ("admin",)
REPORTERS = ("supervisor", "auditor", "admin")
# "auditor: read everything", "admin: everything": no region limits them.
ALL_REGIONS = ("auditor", "admin")

HOME, ELSEWHERE = "33", "31"
REGIONS = (HOME, ELSEWHERE, "*")
MAX_INT32 = 2**31 - 1
TODAY = date.today().isoformat()
NAMING = ("journey_id", "stream_id")
UNKNOWN = {"journey_id": "j_" + "0" * 26, "case_id": "c_" + "0" * 26}

# How a region limits an operation.
JOURNEY = "journey"  # the journey (or the case) named in the request answers 404 outside the region
PROVINCE = "province"  # the worker's province must be in the region, else 403 (starting a journey)
LISTED = "listed"  # a list: what lies outside the region is left out (the item asked for is there or not)


@dataclass(frozen=True)
class Subjects:
    """What the requests name: an active journey in province 33 with an open case, and an ended one."""

    nik: str
    journey_id: str
    ended_journey_id: str
    case_id: str


Body = Any | Callable[[Subjects], Any]


@dataclass(frozen=True)
class Rule:
    """One operation's row of the contract.

    `roles` None: no bearer token is involved (public, or `signed` with the integration's HMAC).
    `body`: sent when the operation takes one (a value, or a function of the subjects); `{}` by default.
    `query`: added to the query parameters filled from the subjects (`journey_id`, `stream_id`).
    `journey`: which journey fills `{journey_id}`. `answer`: the status every allowed caller must get,
    for mutations, so none of them changes the shared journey. `path`: path values of its own (a
    deletion names what does not exist, so it deletes nothing)."""

    roles: tuple[str, ...] | None
    scope: str | None = None
    body: Body = None
    query: dict[str, str] = field(default_factory=dict)
    journey: str = "active"
    answer: int | None = None
    signed: bool = False
    path: dict[str, str] = field(default_factory=dict)


PUBLIC = Rule(roles=None)


def _stale(**body: Any) -> dict[str, Any]:
    """A body the workflow refuses with 409 `VERSION_CONFLICT` before it looks at anything else."""
    return {**body, "expected_version": MAX_INT32}


def _start(subjects: Subjects) -> dict[str, Any]:
    """A valid start for the NIK of the active journey: 409 `ACTIVE_JOURNEY_EXISTS` once the caller passed."""
    worker = {
        "nik": subjects.nik,
        "full_name": "Siti Rahayu",
        "birth_date": "1995-01-15",
        "gender": "F",
        "province_code": HOME,
        "regency_code": HOME + "74",
    }
    return {"worker": worker, "scheme": "G2G", "destination_country": "TW", "occupation": "caregiver"}


MEDICAL = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": TODAY}
CODEC_BODY = {"payloads": []}

POLICY: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    # Journeys
    ("POST", "/v1/journeys"): Rule(ACTORS, PROVINCE, body=_start, answer=409),
    ("GET", "/v1/journeys"): Rule(READERS, LISTED, query={"province_code": HOME}),
    ("POST", "/v1/journeys/search"): Rule(READERS, LISTED, body=lambda s: {"nik": s.nik}),
    ("GET", "/v1/journeys/{journey_id}"): Rule(READERS, JOURNEY),
    ("GET", "/v1/journeys/{journey_id}/personal-data"): Rule(SUPERVISORS, JOURNEY),
    ("GET", "/v1/journeys/{journey_id}/events"): Rule(READERS, JOURNEY),
    ("POST", "/v1/journeys/{journey_id}/steps/{step}/complete"): Rule(
        ACTORS, JOURNEY, body=_stale(evidence=MEDICAL), answer=409
    ),
    ("POST", "/v1/journeys/{journey_id}/steps/{step}/reject"): Rule(
        ACTORS, JOURNEY, body=_stale(reason="Scan unreadable"), answer=409
    ),
    ("POST", "/v1/journeys/{journey_id}/steps/{step}/waive"): Rule(
        SUPERVISORS, JOURNEY, body=_stale(reason="Exempt"), answer=409
    ),
    ("POST", "/v1/journeys/{journey_id}/steps/{step}/reopen"): Rule(
        SUPERVISORS, JOURNEY, body=_stale(reason="Recheck"), answer=409
    ),
    ("POST", "/v1/journeys/{journey_id}/withdraw"): Rule(ACTORS, JOURNEY, body=_stale(reason="Stays home"), answer=409),
    ("POST", "/v1/journeys/{journey_id}/cancel"): Rule(
        SUPERVISORS, JOURNEY, body=_stale(reason="Fraudulent"), answer=409
    ),
    # Extensions: closing as completed is a supervisor's decision, employment events an officer's act.
    ("POST", "/v1/journeys/{journey_id}/close"): Rule(SUPERVISORS, JOURNEY, body=_stale(reason="Done"), answer=409),
    ("POST", "/v1/journeys/{journey_id}/employment-events"): Rule(
        ACTORS, JOURNEY, body=_stale(kind="welfare_check", data={}), answer=409
    ),
    ("POST", "/v1/journeys/{journey_id}/follow-ups/{number}"): Rule(
        ACTORS, JOURNEY, body=_stale(reached=True), answer=409
    ),
    ("POST", "/v1/journeys/{journey_id}/waivers"): Rule(
        SUPERVISORS, JOURNEY, body=_stale(rule="destination_closed", reason="Visa issued"), answer=409
    ),
    # Audit: every role reads, officers and supervisors in their region; erasure is the admin's.
    ("GET", "/v1/journeys/{journey_id}/state"): Rule(READERS, JOURNEY, query={"seq": "1"}),
    ("POST", "/v1/journeys/{journey_id}/verify"): Rule(READERS, JOURNEY),
    ("GET", "/v1/journeys/{journey_id}/export"): Rule(READERS, JOURNEY),
    ("POST", "/v1/journeys/{journey_id}/erase"): Rule(ADMINS, JOURNEY, answer=409),  # the journey is active
    ("GET", "/v1/audit/checkpoints"): Rule(READERS, JOURNEY),  # `stream_id` names the journey
    ("GET", "/v1/audit/access-log"): Rule(AUDITORS),
    ("GET", "/v1/audit/keys"): Rule(READERS),
    # Protection cases: a case lies in its journey's region.
    ("POST", "/v1/journeys/{journey_id}/cases"): Rule(
        ACTORS, JOURNEY, body={"case_type": "fraud", "reported_via": "walk_in"}, journey="ended", answer=201
    ),
    ("GET", "/v1/cases"): Rule(READERS, LISTED),  # `journey_id` names the journey
    ("GET", "/v1/cases/{case_id}"): Rule(READERS, JOURNEY),
    ("POST", "/v1/cases/{case_id}/actions"): Rule(ACTORS, JOURNEY, body=_stale(action="verify"), answer=409),
    ("GET", "/v1/cases/{case_id}/events"): Rule(READERS, JOURNEY),
    # Integrations: signed, no bearer token.
    ("POST", "/v1/integrations/{source}/events"): Rule(None, signed=True),
    # Reference data: admin writes, every role reads. The write bodies fail validation (422).
    ("GET", "/v1/p3mi"): Rule(READERS),
    ("POST", "/v1/p3mi"): Rule(ADMINS, answer=422),
    ("GET", "/v1/p3mi/{p3mi_id}"): Rule(READERS),
    ("PATCH", "/v1/p3mi/{p3mi_id}"): Rule(ADMINS, body={"licence_status": "lapsed"}, answer=422),
    ("GET", "/v1/job-orders"): Rule(READERS),
    ("POST", "/v1/job-orders"): Rule(ADMINS, answer=422),
    ("GET", "/v1/job-orders/{job_order_id}"): Rule(READERS),
    ("PATCH", "/v1/job-orders/{job_order_id}"): Rule(ADMINS, body={"quota": -1}, answer=422),
    ("GET", "/v1/provinces"): Rule(READERS),
    ("GET", "/v1/countries"): Rule(READERS),
    ("PATCH", "/v1/countries/{code}"): Rule(ADMINS, body={"status": "shut"}, answer=422),
    ("DELETE", "/v1/holidays/{date}"): Rule(ADMINS, answer=422, path={"date": "25-12-2026"}),
    **{
        (method, path): rule
        for collection, key in (
            ("clinics", "clinic_id"),
            ("training-centres", "institution_id"),
            ("missions", "mission"),
            ("holidays", "date"),
        )
        for method, path, rule in (
            ("GET", f"/v1/{collection}", Rule(READERS)),
            ("POST", f"/v1/{collection}", Rule(ADMINS, answer=422)),
            ("GET", f"/v1/{collection}/{{{key}}}", Rule(READERS)),
            ("PATCH", f"/v1/{collection}/{{{key}}}", Rule(ADMINS, body={"name": ""}, answer=422)),
        )
    },
    # The codec server of Temporal's Web UI (docs/privacy.md): auditors and admins; its page is public.
    ("POST", "/codec/decode"): Rule(AUDITORS, body=CODEC_BODY, answer=200),
    ("POST", "/codec/encode"): Rule(AUDITORS, body=CODEC_BODY, answer=200),
    ("POST", "/codec/session"): Rule(AUDITORS, answer=204),
    ("GET", "/codec/session"): PUBLIC,
    ("DELETE", "/codec/session"): PUBLIC,
    # Placements count departures, and the shared journey has not departed: the region is tested with
    # departed journeys in tests/api/test_reports.py. Its open case is counted where the caller covers it.
    ("GET", "/v1/reports/placements"): Rule(REPORTERS),
    ("GET", "/v1/reports/cases"): Rule(REPORTERS, LISTED),
}


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return {(m.upper(), path): op for path, item in doc["paths"].items() for m, op in item.items() if m in methods}


OPENAPI = create_app(Settings()).openapi()
OPERATIONS = _operations(OPENAPI)


def _id(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}"


# ---- the table against the document --------------------------------------------------------------------


def test_every_operation_has_a_policy_and_every_policy_an_operation():
    offered, tabled = set(OPERATIONS), set(POLICY)
    assert offered - tabled == set(), "operations without a row in POLICY: say who may call them"
    assert tabled - offered == set(), "rows in POLICY for operations the API no longer offers"


def test_every_operation_of_the_contract_is_offered():
    # API.md's operations, all of which the engine now offers (the reports were the last, issue 10).
    promised = {("GET", "/v1/reports/placements"), ("GET", "/v1/reports/cases")}
    assert promised <= set(OPERATIONS)


# ---- the engine the requests go to ----------------------------------------------------------------------


async def _eventually(ask: Callable[[], Any], within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while not (answer := await ask()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)
    return answer


@pytest.fixture(scope="module")
async def subjects(stack: Stack) -> Subjects:
    """An active journey in province 33 with an open case, and a withdrawn one, all in the read model."""
    officer, admin = stack.auth("officer", HOME), stack.auth("admin", "*")
    api = stack.api

    async def start(nik: str) -> str:
        r = await api.post("/v1/journeys", json=_start(Subjects(nik, "", "", "")), headers=officer)
        assert r.status_code == 201, r.text
        return r.json()["journey_id"]

    nik = new_nik(HOME)
    journey_id, ended_id = await start(nik), await start(new_nik(HOME))

    async def stored(jid: str) -> bool:
        r = await api.get(f"/v1/journeys/{jid}/events", headers=admin)
        return r.status_code == 200 and len(r.json()["items"]) >= 2

    await _eventually(lambda: stored(ended_id))
    r = await api.post(f"/v1/journeys/{ended_id}/withdraw", json={"reason": "Stays home"}, headers=officer)
    assert r.status_code == 200, r.text
    await _eventually(lambda: stored(journey_id))
    body = {"case_type": "fraud", "description": "Charged twice the placement fee", "reported_via": "walk_in"}
    r = await api.post(f"/v1/journeys/{journey_id}/cases", json=body, headers=officer)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]

    async def listed() -> bool:
        r = await api.get("/v1/cases", params={"journey_id": journey_id}, headers=admin)
        return case_id in {c["case_id"] for c in r.json()["items"]}

    async def searchable() -> bool:
        r = await api.post("/v1/journeys/search", json={"nik": nik}, headers=admin)
        return journey_id in {j["journey_id"] for j in r.json()["items"]}

    await _eventually(listed)
    await _eventually(searchable)
    return Subjects(nik, journey_id, ended_id, case_id)


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the stack's API that keeps no cookies: `POST /codec/session` sets one, and it would
    otherwise authenticate later requests (and other test files') that carry no token."""

    async def forget_cookies(response: httpx.Response) -> None:
        response_client.cookies.clear()

    async with httpx.AsyncClient(
        base_url=stack.api.base_url, timeout=60, event_hooks={"response": [forget_cookies]}
    ) as response_client:
        served = (await response_client.get("/openapi.json")).json()
        assert set(_operations(served)) == set(OPERATIONS), "the served document is the app's"
        yield response_client


# ---- requests built from the document --------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    params: dict[str, str]
    body: Any
    has_body: bool


def _request(key: tuple[str, str], subjects: Subjects, unknown: bool = False) -> Request:
    """The operation's request: its path and query parameters filled from the subjects (or, `unknown`,
    with ids nothing has), and its body when it takes one."""
    method, template = key
    operation, rule = OPERATIONS[key], POLICY[key]
    journey_id = subjects.ended_journey_id if rule.journey == "ended" else subjects.journey_id
    values = {
        "journey_id": journey_id,
        "stream_id": journey_id,
        "case_id": subjects.case_id,
        "step": "medical_check",
        "p3mi_id": "P3MI-0007",
        "job_order_id": "JO-2026-0042",
        "code": "TW",
        "clinic_id": "CLN-3374-01",
        "institution_id": "LPK-3374-01",
        "mission": "KDEI-TPE",
        "date": "2026-12-25",
        "number": "1",
        "source": "clinic",
    } | rule.path
    if unknown:
        values |= {**UNKNOWN, "stream_id": UNKNOWN["journey_id"]}
    parameters = operation.get("parameters", [])
    path_names = [p["name"] for p in parameters if p["in"] == "path"]
    assert set(path_names) <= set(values), f"no value for a path parameter of {key}: {path_names}"
    url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], template)
    # Of the query parameters, only those that name the journey are filled; filters stay unset.
    params = {p["name"]: values[p["name"]] for p in parameters if p["in"] == "query" and p["name"] in NAMING}
    params |= rule.query
    has_body = "requestBody" in operation
    assert has_body or rule.body is None, f"{key} takes no body"
    body = rule.body(subjects) if callable(rule.body) else rule.body
    return Request(method, url, params, {} if body is None else body, has_body)


async def _send(client: httpx.AsyncClient, request: Request, headers: dict[str, str]) -> httpx.Response:
    return await client.request(
        request.method,
        request.url,
        params=request.params,
        json=request.body if request.has_body else None,
        headers=headers,
    )


def _covers(role: str, region: str) -> bool:
    return region in (HOME, "*") or role in ALL_REGIONS


def _expected(rule: Rule, role: str, region: str) -> str:
    """What API.md answers `role` from `region`: allowed, FORBIDDEN (403) or NOT_FOUND (404)."""
    if rule.roles is not None and role not in rule.roles:
        return "FORBIDDEN"
    if rule.scope == JOURNEY and not _covers(role, region):
        return "NOT_FOUND"
    if rule.scope == PROVINCE and not _covers(role, region):
        return "FORBIDDEN"
    return "allowed"


def _code(response: httpx.Response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def _got(response: httpx.Response) -> str:
    return f"{response.status_code} {_code(response) or ''}".strip()


def _problem(rule: Rule, expected: str, response: httpx.Response, covers: bool) -> str | None:
    """Why `response` is not the answer `expected`, or None."""
    status = response.status_code
    if expected == "FORBIDDEN":
        return None if (status, _code(response)) == (403, "FORBIDDEN") else "FORBIDDEN (403)"
    if expected == "NOT_FOUND":
        return None if (status, _code(response)) == (404, "NOT_FOUND") else "NOT_FOUND (404)"
    # Readiness, public, answers 503 while a dependency is down; nothing else may fail with 5xx here.
    if status in (401, 403, 404) or status >= 500 and not (rule.roles is None and status == 503):
        return "allowed"
    if rule.answer is not None and status != rule.answer:
        return f"allowed, refused with {rule.answer} so that nothing changes"
    if rule.scope == LISTED and status == 200 and bool(response.json()["items"]) != covers:
        return "allowed, listing the journey" if covers else "allowed, leaving out the journey of another region"
    return None


# ---- the matrix ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=_id)
async def test_each_role_in_and_out_of_the_region_gets_the_contract_answer(
    stack: Stack, subjects: Subjects, client: httpx.AsyncClient, key: tuple[str, str]
):
    rule = POLICY.get(key)
    assert rule is not None, f"{key} has no row in POLICY"
    request = _request(key, subjects)
    callers = [(role, region) for role in READERS for region in REGIONS]
    answers = await asyncio.gather(*(_send(client, request, stack.auth(role, region)) for role, region in callers))
    problems = []
    for (role, region), response in zip(callers, answers, strict=True):
        if rule.signed:  # a bearer token is no signature
            if (response.status_code, _code(response)) != (401, "BAD_SIGNATURE"):
                problems.append((role, region, "BAD_SIGNATURE (401)", _got(response)))
            continue
        expected = _expected(rule, role, region)
        if (problem := _problem(rule, expected, response, _covers(role, region))) is not None:
            problems.append((role, region, problem, _got(response)))
        if expected == "NOT_FOUND" and response.status_code == 404:
            # "as if it did not exist": the same answer as for an id nothing has.
            unknown = await _send(client, _request(key, subjects, unknown=True), stack.auth(role, region))
            if unknown.json()["error"] != response.json()["error"]:
                problems.append((role, region, f"the answer for an unknown id, {unknown.json()}", response.text))
    assert problems == [], "\n".join(
        f"{role}@{region}: expected {want}, got {got}" for role, region, want, got in problems
    )


def _bad_tokens(stack: Stack) -> dict[str, dict[str, str]]:
    """No token, one signed with another secret, and an expired one: each is 401 `UNAUTHENTICATED`."""
    forged = create_token("not-the-engine-secret-but-long-enough-for-hs256", "admin-*", "admin", "*")
    expired = create_token(stack.settings.jwt_secret, "admin-*", "admin", "*", ttl=-60)
    return {
        "none": {},
        "forged": {"Authorization": f"Bearer {forged}"},
        "expired": {"Authorization": f"Bearer {expired}"},
    }


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=_id)
async def test_without_a_valid_token_each_operation_answers_as_its_kind_says(
    stack: Stack, subjects: Subjects, client: httpx.AsyncClient, key: tuple[str, str]
):
    """401 `UNAUTHENTICATED` without a valid bearer token; the integrations' `BAD_SIGNATURE` without a
    signature, and past it with one; the health checks and the codec page need nothing."""
    rule = POLICY.get(key)
    assert rule is not None, f"{key} has no row in POLICY"
    request = _request(key, subjects)
    tokens = _bad_tokens(stack)
    answers = await asyncio.gather(*(_send(client, request, headers) for headers in tokens.values()))
    for kind, response in zip(tokens, answers, strict=True):
        if rule.signed:
            assert (response.status_code, _code(response)) == (401, "BAD_SIGNATURE"), (kind, response.text)
        elif rule.roles is None:  # public; readiness may answer 503 while a dependency is down
            status = response.status_code
            assert status not in (401, 403) and (status < 500 or status == 503), (kind, response.text)
        else:
            assert (response.status_code, _code(response)) == (401, "UNAUTHENTICATED"), (kind, response.text)
    if rule.signed:
        raw = b"{}"
        secret = stack.settings.webhook_secret_map["clinic"][0]
        headers = {"X-PMI-Signature": sign([secret], int(time.time()), raw), "Content-Type": "application/json"}
        signed = await client.post(request.url, content=raw, headers=headers)
        assert signed.status_code == 422, signed.text  # past the signature, the empty event is malformed


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc"])
async def test_the_api_documentation_needs_no_token(client: httpx.AsyncClient, path: str):
    assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize("action", ["escalate", "close"])
async def test_only_supervisors_escalate_or_close_a_case_and_only_in_their_region(
    stack: Stack, subjects: Subjects, client: httpx.AsyncClient, action: str
):
    """`POST /v1/cases/{id}/actions` is an officer's, but `escalate` and `close` are a supervisor's."""
    callers = [(role, region) for role in READERS for region in REGIONS]
    url = f"/v1/cases/{subjects.case_id}/actions"
    body = _stale(action=action)
    answers = await asyncio.gather(*(client.post(url, json=body, headers=stack.auth(*caller)) for caller in callers))
    rule = Rule(SUPERVISORS, JOURNEY, answer=409)
    problems = []
    for (role, region), response in zip(callers, answers, strict=True):
        # An officer's case in another region is not there for them at all, whatever the action.
        expected = "NOT_FOUND" if role in ACTORS and not _covers(role, region) else _expected(rule, role, region)
        if (problem := _problem(rule, expected, response, True)) is not None:
            problems.append(f"{role}@{region}: expected {problem}, got {_got(response)}")
    assert problems == [], "\n".join(problems)
