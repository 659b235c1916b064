"""Which side effects an event calls for: requests to external systems, SMS, quota release.

Pure: given the state before and after one recorded event, returns `Effect`s, each with the
idempotency key the external call will carry (derived from journey, step and sequence).
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.contracts import NewEvent
from domain.rules import rules_of
from domain.state import JourneyState
from domain.steps import COMPLETED


class _Effect(BaseModel):
    """One side effect, with the idempotency key its external call carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str


class Request(_Effect):
    """A request an available step makes to a government system (Dukcapil and SIAPkerja for the
    registration, Imigrasi, BPJS TK, SISKOP2MI's E-PMI)."""

    kind: Literal["register", "passport_recommendation", "bpjs_enrolment", "issue_epmi"]
    step: str


class ReleaseQuota(_Effect):
    """Give back the job-order unit the journey holds (`job_order_id` names it when the state no longer does)."""

    kind: Literal["release_quota"] = "release_quota"
    step: str = "job_selection"
    job_order_id: str | None = None


class Sms(_Effect):
    """Tell the worker by SMS that a step of her journey changed (`template` is the event type)."""

    kind: Literal["sms"] = "sms"
    template: str
    step: str = ""
    event: str
    outcome: str | None = None

    @property
    def params(self) -> dict[str, str]:
        """The template's parameters, as the notification gateway takes them."""
        params = {"step": self.step, "event": self.event}
        return params | ({"outcome": self.outcome} if self.outcome is not None else {})


class LaunchCase(_Effect):
    """Start the workflow of a protection case the journey recorded (its key is the case id)."""

    kind: Literal["start_case"] = "start_case"
    case_type: str
    reported_via: str = ""
    description: str = ""
    opened_by: str = ""
    opened_by_role: str = ""

    @property
    def case_id(self) -> str:
        return self.key


class NotifyOffice(_Effect):
    """A message on the worker's office channel: a flag raised, a follow-up due."""

    kind: Literal["notify_office"] = "notify_office"
    flag: str
    reason: str


class ReleaseNik(_Effect):
    """Free the worker's NIK for a new journey (`store.identity`), as the journey's workflow closes."""

    kind: Literal["release_nik"] = "release_nik"


Effect = Annotated[Request | ReleaseQuota | Sms | LaunchCase | NotifyOffice | ReleaseNik, Field(discriminator="kind")]

# Events after which the worker is told by SMS that a step changed (EmploymentEnded completes the
# `employment` step: contract end, early termination, repatriation or death).
_NOTIFY = {
    "StepCompleted",
    "StepRejected",
    "StepWaived",
    "StepReopened",
    "StepExpired",
    "EmploymentEnded",
    "JourneyEnded",
}


def reactions(before: JourneyState | None, after: JourneyState, recorded: NewEvent) -> list[Effect]:
    jid = after.journey_id
    out: list[Effect] = []
    was_available = set(before.available_steps()) if before else set()
    became = [s for s in after.available_steps() if s not in was_available]
    if "passport" in became and after.step_state("passport") == "available":
        out.append(Request(kind="passport_recommendation", key=f"{jid}:passport:recommendation", step="passport"))
    if "social_security" in became and after.step_state("social_security") == "available":
        out.append(Request(kind="bpjs_enrolment", key=f"{jid}:social_security:enrolment", step="social_security"))
    data = recorded.data
    if recorded.type == "StepCompleted" and data.get("step") == "pre_departure_orientation":
        out.append(Request(kind="issue_epmi", key=f"{jid}:pre_departure_orientation:epmi", step=data["step"]))
    # An unfit result may still be reopened: its unit is given back when the journey closes for good.
    ended_before_departure = (
        recorded.type == "JourneyEnded" and not after.departed and data.get("outcome") != "medically_unfit"
    )
    job_reopened = recorded.type == "StepReopened" and data.get("step") == "job_selection"
    if (ended_before_departure or job_reopened) and _holds_quota(before):
        out.append(ReleaseQuota(key=f"{jid}:job_selection:release:{recorded.seq}"))
    asks_again = rules_of(after).reopened_registration_asks_again
    if recorded.type == "StepReopened" and data.get("step") == "registration" and asks_again:
        # Registration is the engine's: reopened (after a NIK mismatch the registry may since have
        # corrected), it asks Dukcapil and SIAPkerja again, under new idempotency keys.
        out.append(Request(kind="register", key=f"{jid}:registration:{recorded.seq}", step="registration"))
    if recorded.type == "ProtectionCaseOpened":
        case = {k: str(data.get(k) or "") for k in ("case_type", "reported_via", "description")}
        opened_by = {"opened_by": recorded.actor.sub, "opened_by_role": recorded.actor.role}
        out.append(LaunchCase(key=data["case_id"], **case, **opened_by))
    if recorded.type == "FlagRaised" and rules_of(after).flags_notify_office:
        # The worker's office hears of every flag: what needs a person's attention, said where they look.
        out.append(office_notice(jid, recorded, str(data.get("flag")), str(data.get("reason") or "")))
    if recorded.type == "FollowUpDue" and rules_of(after).follow_ups_recorded:
        n = data["number"]
        reason = f"follow-up {n} is due: record it with POST /v1/journeys/{jid}/follow-ups/{n}"
        out.append(office_notice(jid, recorded, "follow_up_due", reason))
    if recorded.type in _NOTIFY and not reports_death(recorded):
        out.append(step_change_sms(jid, recorded))
    return out


def office_notice(journey_id: str, recorded: NewEvent, flag: str, reason: str) -> NotifyOffice:
    """A message to the worker's office about `recorded`, keyed by its sequence."""
    return NotifyOffice(key=f"{journey_id}:office:{recorded.seq}", flag=flag, reason=reason)


def reports_death(recorded: NewEvent) -> bool:
    """The worker died: nobody texts her phone about it (her family is told by the case's officers)."""
    data = recorded.data
    return (recorded.type == "JourneyEnded" and data.get("outcome") == "deceased") or (
        recorded.type == "EmploymentEnded" and str(data.get("reason", "")).startswith("death")
    )


def step_change_sms(journey_id: str, recorded: NewEvent) -> Sms:
    """The SMS telling the worker that a step changed, keyed by the event's sequence."""
    data = recorded.data
    step = "employment" if recorded.type == "EmploymentEnded" else str(data.get("step") or "")
    outcome = str(data.get("outcome")) if recorded.type == "JourneyEnded" else None
    return Sms(
        key=f"{journey_id}:sms:{recorded.seq}", template=recorded.type, step=step, event=recorded.type, outcome=outcome
    )


def closing_effects(state: JourneyState) -> list[Effect]:
    """Effects due when a journey's workflow closes for good (after any reopen window): an unfit
    journey's job-order unit goes back, and the worker's NIK is released for a new journey, whatever the
    outcome (`store.identity` owns the one-active-journey rule; this is the one place a claim ends)."""
    jid = state.journey_id
    out: list[Effect] = []
    if state.outcome == "medically_unfit" and _holds_quota(state):
        out.append(ReleaseQuota(key=f"{jid}:job_selection:release:closed"))
    out.append(ReleaseNik(key=f"{jid}:nik:release"))
    return out


def _holds_quota(state: JourneyState | None) -> bool:
    """Only a completed job selection naming a job order took a unit (a waived one took none)."""
    if not state or state.scheme == "INDEPENDENT" or state.step_state("job_selection") != COMPLETED:
        return False
    return "job_order_id" in state.steps["job_selection"].evidence
