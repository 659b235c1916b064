"""Input at the edges: identifiers in ASCII only, dates the calendar can hold, text a database can store,
numbers with bounds, tokens whose times are numbers. Each is a 422 naming the field (401 for a token)
before Temporal is asked, never a 500, and never echoes the value."""

import json
import time
from datetime import date, timedelta

import pytest

from api.schemas.journeys import EndJourneyIn, StepActionIn
from domain.signatures import sign
from tests.api.conftest import NIK, bearer, start_body

JID = "j_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A"
# Decimal digits (Unicode Nd) of other scripts: Python's and pydantic's `\d` match them all. Superscripts
# (`¹²³`, category No) are not `\d` and were refused already; `pmi check-identifiers` reads them as digits.
SCRIPTS = {
    "full-width": "０１２３４５６７８９",
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended-arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
    "mathematical-bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
}
SCRIPT_IDS = list(SCRIPTS)


def written_in(text: str, script: str) -> str:
    """`text` with its ASCII digits written in `script`."""
    return text.translate(str.maketrans("0123456789", SCRIPTS[script]))


def fields(r) -> list[str]:
    assert r.status_code == 422, r.text
    body = r.json()["error"]
    assert body["code"] == "VALIDATION_ERROR"
    return body["fields"]


def webhook(source: str, secret: str, **overrides) -> tuple[bytes, dict]:
    body = {
        "event_id": f"{source}-1",
        "type": "medical.result",
        "journey_id": JID,
        "occurred_at": "2026-03-02T09:00:00Z",
        "data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "2026-03-02"},
    }
    body.update(overrides)
    raw = json.dumps(body, ensure_ascii=False).encode()
    return raw, {"X-PMI-Signature": sign([secret], int(time.time()), raw), "Content-Type": "application/json"}


def worker(**overrides) -> dict:
    body = start_body()
    body["worker"].update(overrides)
    return body


# ---- identifiers are ASCII ----------------------------------------------------------------------------


@pytest.mark.parametrize("script", SCRIPT_IDS)
async def test_a_nik_in_another_digit_script_is_refused_and_not_echoed(client, api_settings, script):
    nik = written_in(NIK, script)
    r = await client.post("/v1/journeys", json=start_body(nik), headers=bearer(api_settings))
    assert fields(r) == ["worker.nik"]
    assert nik not in r.text and NIK not in r.text


async def test_a_nik_with_one_full_width_digit_is_refused(client, api_settings):
    nik = NIK[:15] + written_in(NIK[15], "full-width")
    r = await client.post("/v1/journeys", json=start_body(nik), headers=bearer(api_settings))
    assert fields(r) == ["worker.nik"]


# A phone number's first digit had to be an ASCII 1-9 already; the digits after it did not.
@pytest.mark.parametrize("script", SCRIPT_IDS)
@pytest.mark.parametrize(
    ("field", "ascii_part", "digits"),
    [
        ("phone", "+62", "81234567890"),
        ("family_phone", "+62", "81234567891"),
        ("province_code", "", "33"),
        ("regency_code", "", "3374"),
    ],
)
async def test_phone_numbers_and_region_codes_in_another_digit_script_are_refused(
    client, api_settings, script, field, ascii_part, digits
):
    value = ascii_part + written_in(digits, script)
    r = await client.post("/v1/journeys", json=worker(**{field: value}), headers=bearer(api_settings))
    assert fields(r) == [f"worker.{field}"]


@pytest.mark.parametrize("script", ["full-width", "arabic-indic", "devanagari", "thai"])
async def test_an_integration_event_cannot_name_a_nik_in_another_digit_script(client, script):
    raw, headers = webhook("clinic", "clinic-old", journey_id=None, nik=written_in(NIK, script))
    r = await client.post("/v1/integrations/clinic/events", content=raw, headers=headers)
    assert fields(r) == ["nik"]


@pytest.mark.parametrize("path", ["/v1/journeys", "/v1/cases"])
@pytest.mark.parametrize("script", ["full-width", "arabic-indic", "devanagari", "thai"])
async def test_list_filters_take_a_province_code_in_ascii_digits_only(client, api_settings, path, script):
    r = await client.get(path, params={"province_code": written_in("33", script)}, headers=bearer(api_settings))
    assert fields(r) == ["province_code"]


@pytest.mark.parametrize("script", ["full-width", "arabic-indic", "devanagari", "thai"])
async def test_a_p3mi_takes_a_province_code_in_ascii_digits_only(client, api_settings, script):
    body = {
        "p3mi_id": "P3MI-0100",
        "name": "PT Maju",
        "licence_no": "SIP-100",
        "province_code": written_in("33", script),
    }
    r = await client.post("/v1/p3mi", json=body, headers=bearer(api_settings, "admin", "*"))
    assert fields(r) == ["province_code"]


@pytest.mark.parametrize("script", ["full-width", "arabic-indic", "devanagari", "thai"])
async def test_a_passport_number_in_another_script_is_refused_from_an_officer_and_from_imigrasi(
    client, api_settings, script
):
    passport_no = "C" + written_in("1234567", script)
    evidence = {"passport_no": passport_no, "expires_at": "2031-01-01"}
    r = await client.post(
        f"/v1/journeys/{JID}/steps/passport/complete", json={"evidence": evidence}, headers=bearer(api_settings)
    )
    assert fields(r) == ["evidence.passport_no"]
    assert passport_no not in r.text
    raw, headers = webhook("imigrasi", "imi-secret", type="passport.issued", data=evidence)
    r = await client.post("/v1/integrations/imigrasi/events", content=raw, headers=headers)
    assert fields(r) == ["data.passport_no"]


async def test_no_pattern_in_the_openapi_document_uses_a_class_that_matches_other_scripts(client):
    patterns: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.append(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk((await client.get("/openapi.json")).json())
    assert patterns
    assert [p for p in patterns if any(c in p for c in (r"\d", r"\w", r"\s"))] == []


# ---- dates the calendar can hold ----------------------------------------------------------------------


def _years_from_today(years: int) -> str:
    today = date.today()
    return today.replace(year=today.year + years, day=min(today.day, 28)).isoformat()


@pytest.mark.parametrize(
    "examined_at", ["9999-12-31", "0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-05:00", "2200-01-01"]
)
async def test_a_medical_check_dated_at_the_ends_of_the_calendar_is_a_validation_error(
    client, api_settings, examined_at
):
    evidence = {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": examined_at}
    r = await client.post(
        f"/v1/journeys/{JID}/steps/medical_check/complete", json={"evidence": evidence}, headers=bearer(api_settings)
    )
    assert fields(r) == ["evidence.examined_at"]


@pytest.mark.parametrize(
    ("step", "field", "evidence"),
    [
        ("medical_check", "examined_at", {"clinic_id": "CLN-3374-01", "result": "fit"}),
        ("passport", "expires_at", {"passport_no": "C1234567"}),
        ("social_security", "covered_until", {"membership_no": "BPJS-1"}),
        (
            "employment_contract",
            "start_date",
            {"contract_no": "EC-1", "employer_name": "Chen", "monthly_salary": "20000", "currency": "TWD"},
        ),
    ],
)
@pytest.mark.parametrize("years", [51, -51])
async def test_a_document_date_more_than_fifty_years_from_today_is_a_validation_error(
    client, api_settings, step, field, evidence, years
):
    body = {"evidence": {**evidence, field: _years_from_today(years)}}
    r = await client.post(f"/v1/journeys/{JID}/steps/{step}/complete", json=body, headers=bearer(api_settings))
    assert fields(r) == [f"evidence.{field}"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_at": "0001-01-01T00:00:00+07:00"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:59:59-05:00"}, "occurred_at"),
        ({"data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "9999-12-31"}}, "data.examined_at"),
        (
            {"data": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": "0001-01-01T00:00:00+07:00"}},
            "data.examined_at",
        ),
    ],
)
async def test_an_integration_event_dated_at_the_ends_of_the_calendar_is_a_validation_error(client, overrides, field):
    raw, headers = webhook("clinic", "clinic-old", **overrides)
    r = await client.post("/v1/integrations/clinic/events", content=raw, headers=headers)
    assert fields(r) == [field]


@pytest.mark.parametrize("birth_date", ["1899-12-31", "0001-01-01", (date.today() + timedelta(days=2)).isoformat()])
async def test_a_birth_date_is_between_1900_and_today(client, api_settings, birth_date):
    r = await client.post("/v1/journeys", json=worker(birth_date=birth_date), headers=bearer(api_settings))
    assert fields(r) == ["worker.birth_date"]


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-05:00", "1900-01-01T00:00:00Z"])
async def test_state_as_of_a_time_at_the_ends_of_the_calendar_is_a_validation_error(client, api_settings, as_of):
    r = await client.get(f"/v1/journeys/{JID}/state", params={"as_of": as_of}, headers=bearer(api_settings))
    assert fields(r) == ["as_of"]


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("contract_extended", {"new_end_date": "9999-12-31", "family_consent_ref": "FC-9"}, "data.new_end_date"),
        ("welfare_check", {"checked_at": "0001-01-01T00:00:00+07:00"}, "data.checked_at"),
        ("welfare_check", {"checked_at": "9999-12-31T23:59:59"}, "data.checked_at"),
    ],
)
async def test_an_employment_event_dated_at_the_ends_of_the_calendar_is_a_validation_error(
    client, api_settings, kind, data, field
):
    body = {"kind": kind, "data": data}
    r = await client.post(f"/v1/journeys/{JID}/employment-events", json=body, headers=bearer(api_settings))
    assert fields(r) == [field]


# ---- numbers with bounds ------------------------------------------------------------------------------


async def test_a_remitted_amount_of_infinity_is_a_validation_error(client, api_settings):
    raw = b'{"kind": "remittance_reported", "data": {"amount": 1e400, "currency": "TWD"}}'
    headers = {**bearer(api_settings), "Content-Type": "application/json"}
    r = await client.post(f"/v1/journeys/{JID}/employment-events", content=raw, headers=headers)
    assert fields(r) == ["data.amount"]


@pytest.mark.parametrize("amount", [True, "5000", None])
async def test_a_remitted_amount_that_is_not_a_json_number_is_a_validation_error(client, api_settings, amount):
    # `true` is not 1.0, nor "5000" five thousand: the amount is a JSON number.
    body = {"kind": "remittance_reported", "data": {"amount": amount, "currency": "TWD"}}
    r = await client.post(f"/v1/journeys/{JID}/employment-events", json=body, headers=bearer(api_settings))
    assert fields(r) == ["data.amount"]


async def test_a_seq_beyond_a_32_bit_integer_is_a_validation_error(client, api_settings):
    r = await client.get(f"/v1/journeys/{JID}/state", params={"seq": 2**31}, headers=bearer(api_settings))
    assert fields(r) == ["seq"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"/v1/journeys/{JID}/steps/family_consent/reject", {"reason": "scan unreadable"}),
        (f"/v1/journeys/{JID}/withdraw", {"reason": "changed plans"}),
        (f"/v1/journeys/{JID}/employment-events", {"kind": "welfare_check", "data": {}}),
        ("/v1/cases/c_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A/actions", {"action": "verify"}),
    ],
)
async def test_an_expected_version_beyond_a_32_bit_integer_is_a_validation_error(client, api_settings, path, body):
    r = await client.post(path, json={**body, "expected_version": 2**63}, headers=bearer(api_settings))
    assert fields(r) == ["expected_version"]


@pytest.mark.parametrize("version", [True, False, "3"])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"/v1/journeys/{JID}/steps/family_consent/reject", {"reason": "scan unreadable"}),
        (f"/v1/journeys/{JID}/withdraw", {"reason": "changed plans"}),
        ("/v1/cases/c_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A/actions", {"action": "verify"}),
    ],
)
async def test_an_expected_version_that_is_a_boolean_or_a_string_is_a_validation_error(
    client, api_settings, path, body, version
):
    """Found by schemathesis: `"expected_version": true` acted on version 1."""
    r = await client.post(path, json={**body, "expected_version": version}, headers=bearer(api_settings))
    assert fields(r) == ["expected_version"]


async def _job_order(client, admin: dict) -> None:
    p3mi = {"p3mi_id": "P3MI-0100", "name": "PT Maju", "licence_no": "SIP-100", "province_code": "33"}
    assert (await client.post("/v1/p3mi", json=p3mi, headers=admin)).status_code == 201
    job = {
        "job_order_id": "JO-100",
        "scheme": "P3MI",
        "p3mi_id": "P3MI-0100",
        "employer_name": "Chen",
        "destination_country": "TW",
        "occupation": "caregiver",
        "sector": "informal",
        "quota": 2,
    }
    assert (await client.post("/v1/job-orders", json=job, headers=admin)).status_code == 201


async def test_a_patch_that_sets_the_quota_of_a_job_order_to_null_is_a_validation_error(client, api_settings):
    admin = bearer(api_settings, "admin", "*")
    await _job_order(client, admin)
    r = await client.patch("/v1/job-orders/JO-100", json={"quota": None}, headers=admin)
    assert fields(r) == ["quota"]
    assert (await client.get("/v1/job-orders/JO-100", headers=admin)).json()["quota"] == 2


async def test_a_quota_that_is_a_boolean_is_a_validation_error(client, api_settings):
    admin = bearer(api_settings, "admin", "*")
    await _job_order(client, admin)
    r = await client.patch("/v1/job-orders/JO-100", json={"quota": True}, headers=admin)
    assert fields(r) == ["quota"]
    assert (await client.get("/v1/job-orders/JO-100", headers=admin)).json()["quota"] == 2


async def test_a_p3mi_id_longer_than_the_store_keeps_is_a_validation_error(client, api_settings):
    body = {"p3mi_id": "P" * 33, "name": "PT Maju", "licence_no": "SIP-100", "province_code": "33"}
    r = await client.post("/v1/p3mi", json=body, headers=bearer(api_settings, "admin", "*"))
    assert fields(r) == ["p3mi_id"]


# ---- text a database can store ------------------------------------------------------------------------

SECRET_WORD = "Rahasia"


@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        (f"/v1/journeys/{JID}/steps/family_consent/reject", "reason", {}),
        (f"/v1/journeys/{JID}/steps/family_consent/complete", "note", {"evidence": {}}),
        (f"/v1/journeys/{JID}/withdraw", "reason", {}),
        (f"/v1/journeys/{JID}/cases", "description", {"case_type": "fraud"}),
        ("/v1/cases/c_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A/actions", "note", {"action": "verify"}),
        ("/v1/cases/c_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A/actions", "resolution", {"action": "resolve"}),
    ],
)
@pytest.mark.parametrize("text", ["   ", " \n\t ", f"{SECRET_WORD}\x00", f"{SECRET_WORD}\x1b[2J", f"{SECRET_WORD}\x7f"])
async def test_free_text_is_never_blank_nor_holds_control_characters(client, api_settings, path, field, body, text):
    r = await client.post(path, json={**body, field: text}, headers=bearer(api_settings))
    assert fields(r) == [field]
    assert SECRET_WORD not in r.text


# Free text with a length limit of its own (a withdrawal's reason, a case's description) refused lone
# surrogates already: pydantic's string checks do. An optional note or reason did not.
@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        (f"/v1/journeys/{JID}/steps/family_consent/reject", "reason", {}),
        (f"/v1/journeys/{JID}/steps/family_consent/complete", "note", {"evidence": {}}),
        ("/v1/cases/c_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A/actions", "note", {"action": "verify"}),
        ("/v1/cases/c_01JQ8Z5V7Q3M0X2N4R6T8W0Y2A/actions", "resolution", {"action": "resolve"}),
    ],
)
async def test_free_text_with_a_lone_surrogate_is_a_validation_error(client, api_settings, path, field, body):
    raw = json.dumps({**body, field: f"{SECRET_WORD}\ud800"}).encode()  # ASCII JSON: it travels as `\ud800`
    headers = {**bearer(api_settings), "Content-Type": "application/json"}
    r = await client.post(path, content=raw, headers=headers)
    assert fields(r) == [field]
    assert SECRET_WORD not in r.text


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("full_name", "  "),
        ("full_name", "Siti\x00Rahayu"),
        ("full_name", "Siti\nRahayu"),
        ("full_name", "Siti\tRahayu"),
        ("full_name", "Siti\u0085Rahayu"),
    ],
)
async def test_a_name_is_one_line_of_text_without_control_characters(client, api_settings, field, text):
    raw = json.dumps(worker(**{field: text})).encode()
    headers = {**bearer(api_settings), "Content-Type": "application/json"}
    r = await client.post("/v1/journeys", content=raw, headers=headers)
    assert fields(r) == [f"worker.{field}"]
    assert "Siti" not in r.text


@pytest.mark.parametrize("occupation", ["   ", "care\ngiver", "care\x00giver"])
async def test_an_occupation_is_one_line_of_text(client, api_settings, occupation):
    r = await client.post("/v1/journeys", json=start_body(occupation=occupation), headers=bearer(api_settings))
    assert fields(r) == ["occupation"]


@pytest.mark.parametrize(("path", "field"), [("/v1/p3mi", "name"), ("/v1/p3mi", "licence_no")])
async def test_reference_data_names_are_one_line_of_text(client, api_settings, path, field):
    body = {"p3mi_id": "P3MI-0100", "name": "PT Maju", "licence_no": "SIP-100", "province_code": "33", field: "a\x00"}
    r = await client.post(path, json=body, headers=bearer(api_settings, "admin", "*"))
    assert fields(r) == [field]


async def test_a_lone_surrogate_in_an_evidence_key_is_a_validation_error(client, api_settings):
    raw = b'{"evidence": {"\\ud800": "x"}}'
    headers = {**bearer(api_settings), "Content-Type": "application/json"}
    r = await client.post(f"/v1/journeys/{JID}/steps/family_consent/complete", content=raw, headers=headers)
    assert fields(r) == ["evidence"]


def test_free_text_is_trimmed_and_keeps_its_tabs_and_line_breaks():
    assert EndJourneyIn.model_validate({"reason": "  line one\n\tline two \r\n"}).reason == "line one\n\tline two"
    assert StepActionIn.model_validate({"note": " seen "}).note == "seen"
