"""Masking of personal data and the webhook signature helpers."""

import pytest

from domain.pii import mask_evidence, mask_nik, mask_passport, mask_phone
from domain.signatures import HEADER, sign, signature_for, verify

BODY = b'{"event_id":"clinic-7781","type":"medical.result"}'
NOW = 1_760_000_000


def test_a_nik_is_masked_to_its_first_and_last_four_digits():
    assert mask_nik("3374015501950002") == "3374********0002"


def test_a_short_value_is_masked_entirely():
    assert mask_nik("12345678") == "********"
    assert mask_passport("AB") == "**"


def test_phone_and_passport_keep_only_their_ends():
    assert mask_phone("081234567890") == "0812*****890"
    assert mask_passport("C1234567") == "C*****67"


def test_passport_evidence_is_split_into_masked_evidence_and_the_clear_number():
    masked, secrets = mask_evidence("passport", {"passport_no": "C1234567", "expires_at": "2030-01-01"})
    assert masked == {"passport_no": "C*****67", "expires_at": "2030-01-01"}
    assert secrets == {"passport_no": "C1234567"}


def test_evidence_of_other_steps_is_left_alone():
    evidence = {"clinic_id": "C", "result": "fit"}
    assert mask_evidence("medical_check", evidence) == (evidence, {})


def test_a_signature_made_with_the_secret_verifies():
    header = sign(["s3cret"], NOW, BODY)
    assert header == f"t={NOW},v1={signature_for('s3cret', NOW, BODY)}"
    assert verify(header, ["s3cret"], BODY, NOW)
    assert HEADER == "X-PMI-Signature"


def test_any_of_several_v1_values_may_match_any_secret():
    header = sign(["old", "new"], NOW, BODY)
    assert verify(header, ["new"], BODY, NOW)
    assert verify(header, ["old"], BODY, NOW)
    assert verify(header, ["other", "new"], BODY, NOW)
    assert not verify(header, ["other"], BODY, NOW)


def test_an_uppercase_signature_and_spaces_are_accepted():
    sig = signature_for("k", NOW, BODY).upper()
    assert verify(f"t={NOW}, v1=deadbeef, v1={sig}", ["k"], BODY, NOW)


@pytest.mark.parametrize("skew", [-300, 0, 300])
def test_timestamps_within_300_seconds_are_accepted(skew):
    assert verify(sign(["k"], NOW + skew, BODY), ["k"], BODY, NOW)


@pytest.mark.parametrize("skew", [-301, 301, -86_400])
def test_stale_or_future_timestamps_are_refused(skew):
    assert not verify(sign(["k"], NOW + skew, BODY), ["k"], BODY, NOW)


def test_a_changed_body_is_refused():
    assert not verify(sign(["k"], NOW, BODY), ["k"], BODY + b" ", NOW)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"t={NOW}",
        f"t={NOW},v1=",
        "v1=abc",
        f"t=yesterday,v1={'0' * 64}",
        f"t={NOW},v0={'0' * 64}",
        f"t={NOW},v1={'0' * 64}",
        ",,,=,",
    ],
)
def test_garbage_headers_are_refused(header):
    assert not verify(header, ["k"], BODY, NOW)


def test_no_secrets_means_nothing_verifies():
    assert not verify(sign(["k"], NOW, BODY), [], BODY, NOW)
