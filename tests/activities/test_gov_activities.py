"""External-system activities against the running simulator, through `ActivityEnvironment`.

Temporal retries an activity by calling it again with the same input, so "retrying" here
is calling it again with the same `JourneyCall`; the simulator's ledger then shows how
many times each system really acted.
"""

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.bpjs import BpjsActivities
from activities.dukcapil import DukcapilActivities
from activities.gov_http import GovHttp
from activities.imigrasi import ImigrasiActivities
from activities.notify import NO_PHONE, NotifyActivities
from activities.retry import GOV_REJECTED, GOV_UNAVAILABLE, PII_MISSING
from activities.siskop2mi import Siskop2miActivities
from config import Settings
from domain.contracts import JourneyCall, SmsMessage
from tests.activities.harness import calls_for, effects_for, through_two_outages
from worker import simulator_client

env = ActivityEnvironment()


async def test_an_outage_is_retried_and_the_enrolment_happens_once(gov_client, sim, vault, new_key):
    call = JourneyCall(journey_id=vault.add(), idempotency_key=new_key("social_security"))
    activities = BpjsActivities(gov_client)
    first = await through_two_outages(
        sim, "bpjs", call.idempotency_key, lambda: env.run(activities.request_enrolment, call)
    )
    assert first.reference.startswith("BPJS-ENR-")


async def test_random_failures_never_cause_a_second_registration(gov_client, sim, vault, new_key):
    await sim.put("/_config/siskop2mi", json={"failure_rate": 0.5})
    call = JourneyCall(
        journey_id=vault.add(), idempotency_key=new_key("registration"), province_code="33", scheme="P3MI"
    )
    activities = Siskop2miActivities(gov_client)
    answers = set()
    for _ in range(12):
        try:
            answers.add(await env.run(activities.register_worker, call))
        except ApplicationError as exc:
            assert exc.type == GOV_UNAVAILABLE
    assert len(answers) <= 1
    await sim.put("/_config/siskop2mi", json={"failure_rate": 0.0})
    answers.add(await env.run(activities.register_worker, call))

    assert len(answers) == 1 and next(iter(answers)).registration_no.startswith("SISKO-33-")
    assert await effects_for(sim, "siskop2mi", call.idempotency_key) == 1


async def test_a_timed_out_call_is_retried_and_gets_the_first_answer(gov_client, sim, vault, new_key):
    await sim.put("/_config/imigrasi", json={"latency_ms": 300})
    call = JourneyCall(journey_id=vault.add(), idempotency_key=new_key("passport"), destination_country="TW")
    # PMI_HTTP_TIMEOUT_SECONDS bounds the call: the worker's client is built from it.
    settings = Settings(simulator_url=str(gov_client.base_url), http_timeout_seconds=0.1)
    async with simulator_client(settings) as impatient_client:
        impatient = ImigrasiActivities(impatient_client)
        with pytest.raises(ApplicationError) as failed:
            await env.run(impatient.request_passport_recommendation, call)
    assert failed.value.type == GOV_UNAVAILABLE and not failed.value.non_retryable
    await sim.put("/_config/imigrasi", json={"latency_ms": 0})
    acknowledged = await env.run(ImigrasiActivities(gov_client).request_passport_recommendation, call)

    # The simulator finished the timed-out call; the retry must not request a second recommendation.
    assert acknowledged.reference.startswith("REK-IMI-")
    assert await effects_for(sim, "imigrasi", call.idempotency_key) == 1


async def test_an_unreachable_system_is_a_retryable_error():
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as nowhere:
        with pytest.raises(ApplicationError) as failed:
            await GovHttp(nowhere, "bpjs").post("/bpjs/v1/enrolments", "k", {"journey_id": "j"})
    assert failed.value.type == GOV_UNAVAILABLE and not failed.value.non_retryable


async def test_a_nik_mismatch_is_a_result_not_an_error(gov_client, sim, vault, new_key):
    call = JourneyCall(journey_id=vault.add(nik="3374015501959999"), idempotency_key=new_key("registration"))

    result = await env.run(DukcapilActivities(gov_client, vault.lookup).verify_nik, call)

    assert result.verified is False and result.reason == "NIK not found in civil registry"
    assert len(await calls_for(sim, "dukcapil", call.idempotency_key)) == 1


async def test_a_matching_nik_is_verified(gov_client, vault, new_key):
    call = JourneyCall(journey_id=vault.add(), idempotency_key=new_key("registration"))

    result = await env.run(DukcapilActivities(gov_client, vault.lookup).verify_nik, call)

    assert result.verified is True and result.reason is None


async def test_a_refused_request_raises_a_non_retryable_error_without_the_nik(gov_client, vault, new_key):
    malformed_nik = "33740155019500"
    call = JourneyCall(journey_id=vault.add(nik=malformed_nik), idempotency_key=new_key("registration"))

    with pytest.raises(ApplicationError) as refused:
        await env.run(DukcapilActivities(gov_client, vault.lookup).verify_nik, call)

    assert refused.value.type == GOV_REJECTED and refused.value.non_retryable
    assert "422" in refused.value.message and malformed_nik not in refused.value.message


async def test_a_journey_missing_from_the_vault_is_not_retried(gov_client, vault, new_key):
    call = JourneyCall(journey_id="j_unknown", idempotency_key=new_key("registration"))

    with pytest.raises(ApplicationError) as failed:
        await env.run(DukcapilActivities(gov_client, vault.lookup).verify_nik, call)

    assert failed.value.type == PII_MISSING and failed.value.non_retryable


async def test_an_epmi_is_issued_once_per_key(gov_client, sim, vault, new_key):
    call = JourneyCall(journey_id=vault.add(), idempotency_key=new_key("pre_departure_orientation"))
    activities = Siskop2miActivities(gov_client)

    first = await env.run(activities.issue_epmi, call)
    second = await env.run(activities.issue_epmi, call)

    assert first == second and first.epmi_id.startswith("EPMI-")
    assert await effects_for(sim, "siskop2mi", call.idempotency_key) == 1


async def test_an_sms_goes_to_the_phone_in_the_vault_once(gov_client, sim, vault, new_key, caplog):
    await sim.put("/_config/notify", json={"fail_next": 1})
    message = SmsMessage(
        journey_id=vault.add(phone="+6281234567890"), idempotency_key=new_key("sms"), template="step_open"
    )
    activities = NotifyActivities(gov_client, vault.lookup)

    with pytest.raises(ApplicationError):
        await env.run(activities.send_sms, message)
    sent = await env.run(activities.send_sms, message)
    again = await env.run(activities.send_sms, message)

    assert sent == again and sent.message_id.startswith("SMS-")
    assert await effects_for(sim, "notify", message.idempotency_key) == 1
    assert "+6281234567890" not in caplog.text


async def test_an_sms_to_a_worker_without_a_phone_is_skipped(gov_client, sim, vault, new_key):
    message = SmsMessage(journey_id=vault.add(phone=None), idempotency_key=new_key("sms"), template="x")

    sent = await env.run(NotifyActivities(gov_client, vault.lookup).send_sms, message)

    assert sent.message_id == NO_PHONE
    assert await calls_for(sim, "notify", message.idempotency_key) == []
