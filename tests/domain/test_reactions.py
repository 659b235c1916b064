"""Which side effects each recorded event calls for, with their idempotency keys."""

from datetime import UTC, datetime, timedelta

import pytest

from domain import protection
from domain.contracts import CaseChange, OpenCase
from domain.reactions import closing_effects
from tests.domain.harness import CONTRACT_END, OFFICER, SUPERVISOR, new


def kinds(effects, kind):
    return [e for e in effects if e.kind == kind]


def since(j, count):
    return j.effects[count:]


def test_the_passport_recommendation_is_requested_when_passport_becomes_available():
    j = new()
    assert kinds(j.effects, "passport_recommendation") == []
    count = len(j.effects)
    j.complete("family_consent")
    [effect] = kinds(since(j, count), "passport_recommendation")
    assert effect.key == "j_01TEST:passport:recommendation"
    assert effect.step == "passport"


def test_bpjs_enrolment_is_requested_when_social_security_becomes_available():
    j = new().through("job_selection")
    assert kinds(j.effects, "bpjs_enrolment") == []
    count = len(j.effects)
    j.complete("employment_contract")
    [effect] = kinds(since(j, count), "bpjs_enrolment")
    assert effect.key == "j_01TEST:social_security:enrolment"


def test_a_rejected_passport_does_not_ask_for_another_recommendation():
    j = new().through("family_consent")
    count = len(j.effects)
    j.act("passport", "reject", reason="photo unclear")
    assert kinds(since(j, count), "passport_recommendation") == []


def test_an_e_pmi_is_issued_when_orientation_is_completed():
    j = new().through("document_verification")
    assert kinds(j.effects, "issue_epmi") == []
    j.complete("pre_departure_orientation")
    [effect] = kinds(j.effects, "issue_epmi")
    assert effect.key == "j_01TEST:pre_departure_orientation:epmi"


@pytest.mark.parametrize("scheme", ["P3MI", "G2G"])
@pytest.mark.parametrize("ending", ["withdraw", "cancel"])
def test_a_taken_job_order_is_released_when_the_journey_ends_before_departure(scheme, ending):
    j = new(scheme).through("job_selection")
    getattr(j, ending)()
    [effect] = kinds(j.effects, "release_quota")
    assert effect.key == f"j_01TEST:job_selection:release:{j.s.version}"


def test_no_quota_is_released_when_no_job_order_was_taken():
    j = new()
    j.withdraw()
    assert kinds(j.effects, "release_quota") == []


def test_an_independent_journey_has_no_quota_to_release():
    j = new("INDEPENDENT").through("job_selection")
    j.withdraw()
    assert kinds(j.effects, "release_quota") == []


def test_no_quota_is_released_when_a_journey_ends_after_departure():
    j = new().departed()
    j.cancel()
    assert kinds(j.effects, "release_quota") == []


def test_reopening_job_selection_releases_its_quota():
    j = new().through("job_selection")
    j.act("job_selection", "reopen", reason="wrong job order", actor=SUPERVISOR)
    [effect] = kinds(j.effects, "release_quota")
    assert effect.key == f"j_01TEST:job_selection:release:{j.s.version}"


def test_a_waived_job_selection_releases_no_quota_it_never_took():
    j = new()
    j.act("job_selection", "waive", reason="programme placement", actor=SUPERVISOR)
    j.withdraw()
    assert kinds(j.effects, "release_quota") == []


def test_a_journey_resumed_after_an_unfit_result_still_holds_its_job_order():
    j = new().through("job_selection")
    j.complete("medical_check", result="unfit")
    j.act("medical_check", "reopen", reason="second opinion", actor=SUPERVISOR)
    assert j.step("job_selection") == "completed"
    assert kinds(j.effects, "release_quota") == []


def test_every_step_change_sends_one_sms_keyed_by_sequence():
    j = new()
    j.complete("family_consent")
    j.act("medical_check", "reject", reason="blurred")
    j.act("medical_check", "waive", reason="exam abroad", actor=SUPERVISOR)
    j.act("family_consent", "reopen", reason="typo", actor=SUPERVISOR)
    j.withdraw()
    sms = kinds(j.effects, "sms")
    notified = [
        e
        for e in j.events
        if e.type in {"StepCompleted", "StepRejected", "StepWaived", "StepReopened", "StepExpired", "JourneyEnded"}
    ]
    assert [s.key for s in sms] == [f"j_01TEST:sms:{e.seq}" for e in notified]
    assert [s.template for s in sms] == [e.type for e in notified]
    assert sms[-1].params == {"step": "", "event": "JourneyEnded", "outcome": "withdrawn"}
    assert sms[1].params == {"step": "family_consent", "event": "StepCompleted"}
    assert len({s.key for s in sms}) == len(sms)


def test_a_lapsed_medical_check_sends_an_sms():
    j = new().through("medical_check")
    count = len(j.effects)
    j.advance(days=100)
    [sms] = kinds(since(j, count), "sms")
    assert sms.params == {"step": "medical_check", "event": "StepExpired"}


def test_records_that_change_no_step_send_no_sms():
    j = new().departed()
    count = len(j.effects)
    j.employment("welfare_check")
    j.integrate("medical.result", "imigrasi", {})
    j.advance(days=31)  # arrival report overdue flag: the office hears of it, the worker is not texted
    assert [e.kind for e in since(j, count)] == ["notify_office"]


def test_a_flag_raised_tells_the_workers_office_under_rules_3_and_not_before():
    j = new().departed()
    count = len(j.effects)
    j.advance(days=31)
    [notice] = since(j, count)
    assert notice.kind == "notify_office"
    assert (notice.flag, notice.reason) == ("arrival_report_overdue", "arrival report was due 2025-02-05")
    assert notice.key == f"j_01TEST:office:{j.events[-1].seq}"
    old = new(rules=2).departed()
    count = len(old.effects)
    old.advance(days=31)
    assert "arrival_report_overdue" in old.s.flags
    assert since(old, count) == []


def test_effect_keys_depend_only_on_the_journey_step_and_sequence():
    a, b = new().departed(), new().departed()
    assert [e.key for e in a.effects] == [e.key for e in b.effects]
    assert all(e.key.startswith("j_01TEST:") for e in a.effects)


def test_the_end_of_employment_is_sent_by_sms_as_a_change_of_the_employment_step():
    j = new().departed()
    j.complete("arrival_report")
    count = len(j.effects)
    j.now = datetime.combine(CONTRACT_END, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    j.advance()  # the contract-end timer fires
    [ended] = [e for e in j.events if e.type == "EmploymentEnded"]
    [sms] = [e for e in kinds(since(j, count), "sms") if e.template == "EmploymentEnded"]
    assert sms.key == f"j_01TEST:sms:{ended.seq}"
    assert sms.params == {"step": "employment", "event": "EmploymentEnded"}


def test_a_reopened_registration_asks_the_registries_again():
    j = new(nik_refusal="NIK not confirmed by Dukcapil: name does not match")
    assert j.step("registration") == "rejected"
    count = len(j.effects)
    j.act("registration", "reopen", reason="Dukcapil record corrected", actor=SUPERVISOR)
    [register] = kinds(since(j, count), "register")
    assert register.key == f"j_01TEST:registration:{j.events[-1].seq}"


def test_nobody_texts_a_dead_workers_phone_about_her_death():
    j = new().departed()
    j.commit(protection.open_case(j.s, OpenCase(case_id="c_3", case_type="death", actor=OFFICER)))
    count = len(j.effects)
    change = CaseChange(
        case_id="c_3", case_type="death", status="in_progress", effect="remains_repatriated", death_claim_ref="DC-1"
    )
    j.commit(protection.case_changed(j.s, change, j.now))
    assert (j.s.status, j.s.outcome) == ("ended", "deceased")
    assert {"EmploymentEnded", "JourneyEnded"} <= set(j.types())
    assert kinds(since(j, count), "sms") == []


@pytest.mark.parametrize(
    "end",
    [
        lambda j: j.withdraw(),
        lambda j: j.cancel(),
        lambda j: j.complete("medical_check", result="unfit"),
    ],
    ids=["withdrawn", "cancelled", "medically_unfit"],
)
def test_every_journey_releases_its_nik_when_its_workflow_closes_and_only_then(end):
    # One owner (issue 9, item 12): no reaction to an event frees the NIK; closing the workflow does.
    j = new()
    end(j)
    assert kinds(j.effects, "release_nik") == []
    [release] = kinds(closing_effects(j.s), "release_nik")
    assert release.key == f"{j.s.journey_id}:nik:release"
