"""The simulated systems take identifiers in ASCII digits, as the real registries do: a NIK, a province
code or a phone number in other digits (which `\\d` matches) is refused, not looked up."""

import pytest

NIK = "3374015501950002"
SCRIPTS = ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "๐๑๒๓๔๕๖๗๘๙"]


def written_in(text: str, digits: str) -> str:
    return text.translate(str.maketrans("0123456789", digits))


@pytest.mark.parametrize("digits", SCRIPTS)
async def test_dukcapil_refuses_a_nik_in_other_digits(sim, key, digits):
    body = {"nik": written_in(NIK, digits), "full_name": "Siti Rahayu", "birth_date": "1995-01-15"}
    response = await sim.post("/dukcapil/v1/nik/verify", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 422 and response.json()["fields"] == ["body.nik"]


@pytest.mark.parametrize("digits", SCRIPTS)
async def test_siskop2mi_refuses_a_province_code_in_other_digits(sim, key, digits):
    body = {"journey_id": "j_1", "province_code": written_in("33", digits), "scheme": "G2G"}
    response = await sim.post("/siskop2mi/v1/registrations", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 422 and response.json()["fields"] == ["body.province_code"]


@pytest.mark.parametrize("digits", SCRIPTS)
async def test_the_sms_gateway_refuses_a_phone_number_in_other_digits(sim, key, digits):
    body = {"to": "+" + written_in("6281234567890", digits), "template": "journey_started"}
    response = await sim.post("/notify/v1/sms", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 422 and response.json()["fields"] == ["body.to"]
