"""Versions of the engine's own rules (not the ministry's policy values, which are `Policy`).

A journey or a case keeps the rules it started under: its first event (`JourneyStarted`,
`CaseOpened`) says which, so the workflow's replay and the auditor's fold of the events agree
whatever the code has learned since. Events recorded before rules were versioned carry none and
read as `LEGACY`. The workflows choose `CURRENT` for new journeys and cases through
`workflow.patched`, so a history recorded before replays as it ran.

Version 2 (2026-11):
- a reopened step locks again the steps waiting on it that are not done yet;
- a reopened registration asks the registries again;
- a departure made while the medical check was valid is accepted when recorded after its lapse;
- the minimum age is taken on the start date in the worker's province;
- the journey stores what arrives while it waits to be reopened after an unfit result, at once;
- a complaint that comes with the journey's start opens its case;
- a case's update records the deadlines that passed before it; a resolved case waits for nobody;
  a case is repatriated once; working days are the province's weekdays.

Version 3 (2026-12, issue 9):
- the passport, the work visa and the BPJS cover lapse before departure as the medical check does;
- every flag raised tells the worker's office (a message on its channel);
- the P3MI's licence and the destination's status are rules of the journey: a licence suspended,
  revoked or expired blocks job selection, the placement agreement and departure, a closed destination
  blocks departure (until it reopens or a supervisor waives it), and both flag the journey;
- a journey started with a job order selects that one (a reopened job selection may choose again).

Version 4 (2026-12, issue 9):
- a follow-up that becomes due is a task: the office is told, the officer records its outcome, one not
  recorded `follow_up_overdue_days` after it was due flags the journey (and tells the office); the
  journey completes once the programme is done and every follow-up is recorded.

Version 5 (2026-12, issue 9):
- a contract extension re-checks the passport and the BPJS cover against the new end: a document that
  no longer covers it flags the journey `coverage_gap` and opens a task for the officer, closed by
  recording the renewal (`passport_renewed`, `social_security_extended`) or by the end of employment;
- an employer change names the new contract (`contract_ref`), and the employment step's evidence
  holds the employer and contract the worker has now.
"""

from dataclasses import dataclass

LEGACY = 1
V2 = 2
V3 = 3
V4 = 4
V5 = 5
CURRENT = V5
# Cases have had no rule of their own since version 2: a new case runs under it.
CASE_CURRENT = V2


@dataclass(frozen=True)
class Rules:
    """What a version of the rules does, feature by feature: the code asks `rules_of(state)` once and
    reads the answer by name, instead of comparing version numbers wherever a rule differs."""

    version: int
    # Journeys.
    reopen_relocks_dependents: bool  # a reopened step locks again the steps waiting on it
    reopened_registration_asks_again: bool  # a reopened registration asks the registries again
    departure_after_lapse_accepted: bool  # a departure made while the medical check was valid
    age_on_local_start_date: bool  # the minimum age on the start date in the worker's province
    stores_while_awaiting_reopen: bool  # what arrives while an unfit journey waits is stored at once
    early_events_applied_as_integrations: bool  # what came with the start (a complaint) is applied
    release_only_own_quota: bool  # a completion that lost a quota race gives back nothing of the winner's
    release_quota_without_job_order: bool  # an ended journey gives back whatever unit it holds
    # Cases.
    resolved_case_waits_for_nobody: bool
    repatriated_once: bool
    working_days_in_province: bool  # working days in the province's time zone, not UTC
    settles_every_passed_deadline: bool  # an update or wake-up records every deadline passed by then
    death_claim_refusal_goes_to_supervisors: bool  # a refused BPJS death claim is handed to people
    # Journeys, version 3.
    documents_lapse: bool  # passport, work visa and BPJS cover lapse before departure
    flags_notify_office: bool  # a raised flag is posted to the worker's office
    placement_standing: bool  # the P3MI licence and the destination status block and flag
    job_order_kept: bool  # a journey started with a job order selects that one
    # Journeys, version 4.
    follow_ups_recorded: bool  # follow-ups are tasks whose outcome is recorded; overdue ones flag
    # Journeys, version 5.
    employment_rechecks: bool  # an extension re-checks passport and cover; an employer change names its contract


# The version each feature came with (all of version 2's are listed by name in its docstring).
_SINCE = {
    "documents_lapse": V3,
    "flags_notify_office": V3,
    "placement_standing": V3,
    "job_order_kept": V3,
    "follow_ups_recorded": V4,
    "employment_rechecks": V5,
}


_FEATURES = [name for name in Rules.__dataclass_fields__ if name != "version"]
_BY_VERSION = {
    version: Rules(version=version, **{name: _SINCE.get(name, V2) <= version for name in _FEATURES})
    for version in (LEGACY, V2, V3, V4, V5)
}


def rules_of(state_or_version: object) -> Rules:
    """The rules of a journey or case state (its `rules` member), or of a version number."""
    version = state_or_version if isinstance(state_or_version, int) else state_or_version.rules  # type: ignore[attr-defined]
    return _BY_VERSION[version]
