"""A pure aggregate for domain tests: decide -> NewEvent -> evolve, then settle, with the commit loop
`JourneyWorkflow._commit` uses (`domain.commit`).

The clock is explicit (`journey.now`, moved with `advance`); every recorded event, every effect the
reactions ask for, and every refusal leave the journey untouched, so tests can replay `events` with `fold`.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain import decide, employment, integrations, standing_events, timeline
from domain.commit import commit
from domain.contracts import (
    Actor,
    EndJourney,
    IntegrationEvent,
    NewEvent,
    RecordEmploymentEvent,
    StandingChange,
    StartJourney,
    StepCommand,
    WaiveRule,
    WorkerProfile,
)
from domain.decide import Emitted
from domain.evolve import evolve
from domain.policy import Policy
from domain.reactions import Effect, reactions
from domain.rules import CURRENT
from domain.state import JourneyState
from domain.steps import ACTIONABLE

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
OFFICER = Actor(sub="officer-17", role="officer")
SUPERVISOR = Actor(sub="supervisor-3", role="supervisor")
JOB_ORDER = "JO-TW-0001"
CONTRACT_START = date(2025, 6, 1)
CONTRACT_END = date(2027, 6, 1)  # CONTRACT_START + 24 months

PRE_DEPARTURE_ORDER = (
    "family_consent",
    "job_selection",
    "placement_agreement",
    "medical_check",
    "competency_training",
    "passport",
    "employment_contract",
    "social_security",
    "work_visa",
    "document_verification",
    "pre_departure_orientation",
    "departure",
)


def worker(birth_date: date = date(1995, 1, 15), province_code: str = "33") -> WorkerProfile:
    return WorkerProfile(
        nik_masked="3374********0002",
        full_name="Siti Aminah",
        birth_date=birth_date,
        gender="F",
        phone_masked="0812*****678",
        province_code=province_code,
    )


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def valid_evidence(step: str, scheme: str, now: datetime) -> dict[str, Any]:
    """Evidence that passes every rule of `step` when given at `now` on a journey built with these helpers."""
    today = now.date()
    evidence: dict[str, dict[str, Any]] = {
        "family_consent": {"consent_ref": "FC-1", "village": "Kendal"},
        "job_selection": (
            {"employer_name": "Chen Family", "offer_ref": "OFFER-9"}
            if scheme == "INDEPENDENT"
            else {"job_order_id": JOB_ORDER}
        ),
        "placement_agreement": {"agreement_no": "PA-1", "signed_at": today.isoformat()},
        "medical_check": {"clinic_id": "CLN-3374-01", "result": "fit", "examined_at": today.isoformat()},
        "competency_training": {"certificate_no": "CERT-1", "institution_id": "LSP-1", "issued_at": iso(now)},
        "passport": {"passport_no": "C*****12", "expires_at": "2030-01-01"},
        "employment_contract": {
            "contract_no": "EC-1",
            "employer_name": "Chen Family",
            "start_date": CONTRACT_START.isoformat(),
            "duration_months": 24,
            "monthly_salary": "20000",
            "currency": "TWD",
        },
        "social_security": {"membership_no": "BPJS-1", "covered_until": "2027-12-31"},
        "work_visa": {"visa_no": "V-1", "expires_at": "2027-12-31"},
        "document_verification": {},
        "pre_departure_orientation": {"attended_at": iso(now)},
        "departure": {"departed_at": iso(now), "port": "CGK", "flight_no": "CI762"},
        "arrival_report": {"reported_at": iso(now), "mission": "KDEI-TPE"},
        "return": {"arrived_at": iso(now), "port": "CGK", "reason": "contract_end"},
        "reintegration_assessment": {"needs": ["entrepreneurship"]},
        "reintegration_program": {"programs": ["desmigratif"]},
    }
    return evidence[step]


class Journey:
    """One journey driven through the pure domain, recording events and effects like the workflow."""

    def __init__(
        self,
        scheme: str = "P3MI",
        *,
        birth_date: date = date(1995, 1, 15),
        now: datetime = T0,
        policy: Policy | None = None,
        register: bool = True,
        nik_refusal: str | None = None,
        province_code: str = "33",
        rules: int = CURRENT,
        licence_valid_until: date | None = None,
    ) -> None:
        self.now = now
        self.state: JourneyState | None = None
        self.events: list[NewEvent] = []
        # The state after each recorded event: states[n - 1] is the state at version n.
        self.states: list[JourneyState] = []
        self.effects: list[Effect] = []
        start = StartJourney(
            journey_id="j_01TEST",
            scheme=scheme,
            worker=worker(birth_date, province_code),
            p3mi_id="P3MI-7" if scheme == "P3MI" else None,
            job_order_id=JOB_ORDER if scheme != "INDEPENDENT" else None,
            destination_country="TW",
            occupation="caregiver",
            sector="informal",
            actor=OFFICER,
            policy=policy or Policy(),
            p3mi_licence_valid_until=licence_valid_until,
        )
        self.commit(decide.start(start, rules))
        refusal = decide.registration_refusal(self.s)
        if refusal:
            self.commit(decide.registration_result(self.s, None, refusal))
        elif register:
            self.commit(decide.registration_result(self.s, "REG-1", nik_refusal))

    @property
    def s(self) -> JourneyState:
        assert self.state is not None
        return self.state

    @property
    def scheme(self) -> str:
        return self.s.scheme

    def step(self, step: str) -> str | None:
        return self.s.step_state(step)

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def commit(self, emitted: list[Emitted]) -> list[NewEvent]:
        """Record and fold `emitted`, then whatever `settle` makes due, as `JourneyWorkflow._commit` does."""
        self.state, folded = commit(self.state, emitted, self.now, evolve, timeline.settle)
        for step in folded:
            self.events.append(step.recorded)
            self.states.append(step.after)
            self.effects.extend(reactions(step.before, step.after, step.recorded))
        return [step.recorded for step in folded]

    # ---- commands ---------------------------------------------------------------

    def act(
        self,
        step: str,
        action: str = "complete",
        evidence: dict[str, Any] | None = None,
        *,
        actor: Actor = OFFICER,
        reason: str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> list[NewEvent]:
        cmd = StepCommand(
            step=step,
            action=action,
            evidence=evidence or {},
            reason=reason,
            note=note,
            expected_version=expected_version,
            actor=actor,
        )
        return self.commit(decide.step_action(self.s, cmd, self.now))

    def complete(self, step: str, **overrides: Any) -> list[NewEvent]:
        """Complete `step` with valid evidence, changed by `overrides`."""
        return self.act(step, evidence={**valid_evidence(step, self.scheme, self.now), **overrides})

    def integrate(
        self, type_: str, source: str, data: dict[str, Any], *, event_id: str | None = None
    ) -> list[NewEvent]:
        msg = IntegrationEvent(
            source=source,
            event_id=event_id or f"{source}-{len(self.events)}",
            type=type_,
            occurred_at=self.now,
            data=data,
        )
        return self.commit(integrations.integration(self.s, msg, self.now))

    def employment(
        self,
        kind: str,
        data: dict[str, Any] | None = None,
        *,
        actor: Actor = OFFICER,
        expected_version: int | None = None,
    ) -> list[NewEvent]:
        cmd = RecordEmploymentEvent(kind=kind, data=data or {}, actor=actor, expected_version=expected_version)
        return self.commit(employment.employment_event(self.s, cmd, self.now))

    def standing(
        self, kind: str, status: str, valid_until: date | None = None, key: str | None = None
    ) -> list[NewEvent]:
        """An admin's change of the P3MI's licence or the destination's status reaching the journey."""
        key = key or (self.s.p3mi_id if kind == "p3mi_licence" else self.s.destination_country)
        change = StandingChange(kind=kind, key=key or "", status=status, valid_until=valid_until)
        return self.commit(standing_events.standing_changed(self.s, change))

    def waive_rule(
        self, rule: str = "destination_closed", reason: str = "visa and flight booked", *, actor: Actor = SUPERVISOR
    ) -> list[NewEvent]:
        return self.commit(standing_events.waive(self.s, WaiveRule(rule=rule, reason=reason, actor=actor)))

    def withdraw(self, reason: str = "changed her mind", *, actor: Actor = OFFICER) -> list[NewEvent]:
        return self.commit(decide.end_journey(self.s, EndJourney(reason=reason, actor=actor), "withdrawn"))

    def cancel(self, reason: str = "fraudulent job order", *, actor: Actor = SUPERVISOR) -> list[NewEvent]:
        return self.commit(decide.end_journey(self.s, EndJourney(reason=reason, actor=actor), "cancelled"))

    def advance(self, delta: timedelta = timedelta(0), **kwargs: float) -> list[NewEvent]:
        """Move the clock, then settle what time made due (the workflow's timer firing)."""
        self.now += delta + timedelta(**kwargs)
        return self.commit(timeline.settle(self.s, self.now))

    # ---- whole stretches ---------------------------------------------------------

    def through(self, last: str) -> "Journey":
        """Complete the open pre-departure steps of the scheme in table order, up to and including `last`."""
        for step in PRE_DEPARTURE_ORDER:
            if self.step(step) in ACTIONABLE:
                self.complete(step)
            if step == last:
                break
        return self

    def departed(self) -> "Journey":
        return self.through("departure")

    def returned(self, **overrides: Any) -> "Journey":
        """Depart, report arrival, run to the contract end, and record the return."""
        self.departed()
        self.complete("arrival_report")
        self.now = datetime.combine(CONTRACT_END, datetime.min.time(), tzinfo=UTC) + timedelta(days=2)
        self.advance()
        self.complete("return", **overrides)
        return self


def new(scheme: str = "P3MI", **kwargs: Any) -> Journey:
    return Journey(scheme, **kwargs)
