"""The protection-case calls against the running simulator: channel posts, death claims, family SMS.

As in test_gov_activities, "retrying" is calling the activity again with the same input, which is
what Temporal does; the simulator's ledger shows how many times each system really acted.
"""

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.bpjs import BpjsActivities
from activities.notify import NO_FAMILY_CONTACT, NO_PHONE, NotifyActivities
from activities.retry import GOV_REJECTED, GOV_UNAVAILABLE
from domain.contracts import ChannelMessage, DeathClaim, SmsMessage
from tests.activities.harness import calls_for, effects_for, through_two_outages

env = ActivityEnvironment()


async def test_a_channel_post_survives_outages_and_is_posted_once(gov_client, sim, vault, new_key):
    message = ChannelMessage(
        idempotency_key=new_key("rrt"),
        channel="rapid_response_team",
        text="Trafficking case opened; first response due in 4 hours",
        case_id="c_1",
        journey_id=vault.add(),
    )
    activities = NotifyActivities(gov_client, vault.lookup)
    posted = await through_two_outages(
        sim, "notify", message.idempotency_key, lambda: env.run(activities.post_channel, message)
    )
    assert posted.message_id.startswith("CH-")
    told = (await sim.get("/_channel", params={"channel": "rapid_response_team"})).json()
    assert [p["text"] for p in told if p["message_id"] == posted.message_id] == [message.text]
    [post] = [p for p in told if p["message_id"] == posted.message_id]
    assert (post["case_id"], post["journey_id"]) == ("c_1", message.journey_id)


async def test_random_failures_never_file_a_second_death_claim(gov_client, sim, vault, new_key):
    await sim.put("/_config/bpjs", json={"failure_rate": 0.5})
    claim = DeathClaim(journey_id=vault.add(), case_id="c_death", idempotency_key=new_key("death_claim"))
    activities = BpjsActivities(gov_client)
    answers = set()
    for _ in range(12):
        try:
            answers.add(await env.run(activities.file_death_claim, claim))
        except ApplicationError as exc:
            assert exc.type == GOV_UNAVAILABLE
    await sim.put("/_config/bpjs", json={"failure_rate": 0.0})
    answers.add(await env.run(activities.file_death_claim, claim))

    assert len(answers) == 1 and next(iter(answers)).claim_ref.startswith("BPJS-DC-")
    assert await effects_for(sim, "bpjs", claim.idempotency_key) == 1


async def test_a_refused_death_claim_is_not_retried(gov_client, new_key):
    claim = DeathClaim(journey_id="", case_id="c_death", idempotency_key=new_key("death_claim"))

    with pytest.raises(ApplicationError) as refused:
        await env.run(BpjsActivities(gov_client).file_death_claim, claim)

    assert refused.value.type == GOV_REJECTED and refused.value.non_retryable


async def test_a_family_sms_without_a_family_contact_is_skipped(gov_client, sim, vault, new_key):
    message = SmsMessage(
        journey_id=vault.add(phone="+6281234567890", family_phone=None),
        idempotency_key=new_key("family_sms"),
        template="case_escalated",
        recipient="family",
    )

    sent = await env.run(NotifyActivities(gov_client, vault.lookup).send_sms, message)

    # The worker's own phone is not a stand-in for the family's.
    assert sent.message_id == NO_FAMILY_CONTACT
    assert await calls_for(sim, "notify", message.idempotency_key) == []


async def test_a_family_sms_goes_to_the_family_phone_once(gov_client, sim, vault, new_key, caplog):
    await sim.put("/_config/notify", json={"fail_next": 1})
    message = SmsMessage(
        journey_id=vault.add(phone=None, family_phone="+6285711112222"),
        idempotency_key=new_key("family_sms"),
        template="case_escalated",
        recipient="family",
    )
    activities = NotifyActivities(gov_client, vault.lookup)

    with pytest.raises(ApplicationError):
        await env.run(activities.send_sms, message)
    sent = await env.run(activities.send_sms, message)
    again = await env.run(activities.send_sms, message)

    assert sent == again and sent.message_id.startswith("SMS-")
    assert await effects_for(sim, "notify", message.idempotency_key) == 1
    assert "+6285711112222" not in caplog.text


async def test_a_worker_sms_ignores_the_family_phone(gov_client, vault, new_key):
    message = SmsMessage(
        journey_id=vault.add(phone=None, family_phone="+6285711112222"),
        idempotency_key=new_key("sms"),
        template="step_open",
    )

    sent = await env.run(NotifyActivities(gov_client, vault.lookup).send_sms, message)

    assert sent.message_id == NO_PHONE
