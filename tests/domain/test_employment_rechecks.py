"""Rules 5 (issue 9, item 6): employment changes re-check what depends on them. A contract extension
holds the passport and the BPJS cover against its new end, a gap is a flag and a task (not a silent
pass), the renewal closes it; an employer change names its new contract as the employment's evidence."""

from datetime import date

import pytest

from domain.employment import COVERAGE_GAP
from domain.errors import EvidenceInvalid, InvalidTransition
from domain.evolve import fold
from domain.rules import V4
from domain.view import journey_view
from tests.domain.harness import SUPERVISOR, new

# The harness's documents: the passport expires 2030-01-01, the cover runs until 2027-12-31, and the
# contract ends 2027-06-01.
EXTEND = {"new_end_date": "2028-06-01", "family_consent_ref": "FC-2"}


def _tasks(j) -> dict[str, str]:
    return {t["task"]: t["status"] for t in journey_view(j.s).document().get("tasks", [])}


def test_an_extension_the_documents_cover_opens_nothing():
    j = new().departed()
    j.employment("contract_extended", {"new_end_date": "2027-11-30", "family_consent_ref": "FC-2"})
    assert j.types()[-1] == "ContractExtended"
    assert COVERAGE_GAP not in j.s.flags and "tasks" not in journey_view(j.s).document()


def test_an_extension_past_the_cover_flags_the_journey_and_opens_a_task_the_office_hears_of():
    j = new().departed()
    j.employment("contract_extended", EXTEND)
    assert j.types()[-3:] == ["ContractExtended", "TaskOpened", "FlagRaised"]
    assert COVERAGE_GAP in j.s.flags
    (task,) = journey_view(j.s).document()["tasks"]
    assert task["task"] == "extend_social_security" and task["status"] == "open"
    assert "2027-12-31" in task["reason"] and "2028-06-01" in task["reason"]
    notice = [e for e in j.effects if e.kind == "notify_office"][-1]
    assert notice.flag == COVERAGE_GAP and "BPJS cover" in notice.reason


def test_an_extension_past_both_documents_opens_a_task_for_each():
    j = new().departed()
    j.employment("contract_extended", {"new_end_date": "2030-06-01", "family_consent_ref": "FC-2"})
    assert _tasks(j) == {"renew_passport": "open", "extend_social_security": "open"}
    assert j.types().count("FlagRaised") == 1


def test_renewals_close_the_tasks_and_the_last_clears_the_flag():
    j = new().departed()
    j.employment("contract_extended", {"new_end_date": "2030-06-01", "family_consent_ref": "FC-2"})
    j.employment("passport_renewed", {"expires_at": "2035-01-01T00:00:00Z"})
    assert _tasks(j) == {"renew_passport": "done", "extend_social_security": "open"}
    assert COVERAGE_GAP in j.s.flags
    assert j.s.steps["passport"].evidence["expires_at"] == "2035-01-01T00:00:00Z"
    j.employment("social_security_extended", {"covered_until": "2030-07-01"})
    assert _tasks(j) == {"renew_passport": "done", "extend_social_security": "done"}
    assert COVERAGE_GAP not in j.s.flags
    assert j.s.steps["social_security"].evidence["covered_until"] == "2030-07-01"
    assert j.types()[-2:] == ["TaskClosed", "FlagCleared"]


def test_a_renewal_still_short_of_the_contract_is_recorded_and_leaves_the_task_open():
    j = new().departed()
    j.employment("contract_extended", EXTEND)
    j.employment("social_security_extended", {"covered_until": "2028-01-31"})
    assert j.types()[-1] == "DocumentRenewed"
    assert _tasks(j) == {"extend_social_security": "open"} and COVERAGE_GAP in j.s.flags


def test_a_second_extension_does_not_open_the_same_task_twice():
    j = new().departed()
    j.employment("contract_extended", EXTEND)
    j.employment("contract_extended", {"new_end_date": "2028-09-01", "family_consent_ref": "FC-3"})
    assert j.types()[-1] == "ContractExtended"
    assert j.types().count("TaskOpened") == 1


def test_the_end_of_employment_closes_what_is_still_open():
    j = new().departed()
    j.employment("contract_extended", EXTEND)
    j.employment("early_termination", {"reason": "employer abuse"})
    assert _tasks(j) == {"extend_social_security": "done"}
    assert journey_view(j.s).document()["tasks"][0]["resolution"] == "employment ended"
    assert COVERAGE_GAP not in j.s.flags


def test_a_renewal_needs_a_document_that_was_completed():
    j = new().through("job_selection")
    j.act("passport", "waive", reason="passport held abroad", actor=SUPERVISOR)
    j.departed()
    with pytest.raises(InvalidTransition):
        j.employment("passport_renewed", {"expires_at": "2035-01-01T00:00:00Z"})


def test_an_employer_change_names_its_contract_as_the_employments_evidence():
    j = new().departed()
    with pytest.raises(EvidenceInvalid) as err:
        j.employment("employer_changed", {"employer_name": "Lin Family"})
    assert err.value.extra == {"fields": ["data.contract_ref"]}
    j.employment("employer_changed", {"employer_name": "Lin Family", "contract_ref": "CT-77", "reason": "transfer"})
    assert j.s.steps["employment"].evidence == {"employer_name": "Lin Family", "contract_ref": "CT-77"}
    assert j.s.employer_name == "Lin Family"
    j.employment("early_termination", {"reason": "ill"})
    assert j.s.steps["employment"].evidence["contract_ref"] == "CT-77"


def test_journeys_under_rules_4_keep_their_rules():
    j = new(rules=V4).departed()
    j.employment("contract_extended", EXTEND)
    j.employment("employer_changed", {"employer_name": "Lin Family"})
    assert j.types()[-2:] == ["ContractExtended", "EmployerChanged"]
    assert j.s.flags == [] and j.s.tasks == [] and j.s.steps["employment"].evidence == {}


def test_the_events_fold_to_the_same_tasks():
    j = new().departed()
    j.employment("contract_extended", EXTEND)
    j.employment("social_security_extended", {"covered_until": "2029-01-01"})
    assert fold(j.events) == j.s
    assert j.s.contract_end == date(2028, 6, 1)
