"""The one journey driver: what carries a journey from its start through departure and on to its
reintegration, and the evidence every step takes.

The workflow tests and the recorded histories (`tests/workflows/journeys.py`), the end-to-end tests
over HTTP (`tests/api/test_e2e_journey.py`), `pmi demo` and the benchmark (`bench/journeys.py`) all
drive journeys with it. Each says what its journeys look like (`Journey`: the scheme, the job order,
the contract, which steps a government system reports and which the engine completes itself) and
carries the moves out through its own `Transport`: workflow updates and signals, or the API and signed
webhooks, or the simulator's `/_emit`.

A step's data is the same whoever records it: the officer's evidence (`Complete`) and a system's
event (`Report`) carry the same fields.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from domain.evolve import contract_end

# The government system that reports each step it can report, and the event type it sends (API.md,
# Integration events).
REPORTED_BY: dict[str, tuple[str, str]] = {
    "medical_check": ("clinic", "medical.result"),
    "competency_training": ("lsp", "certification.issued"),
    "passport": ("imigrasi", "passport.issued"),
    "social_security": ("bpjs", "bpjs.enrolled"),
    "work_visa": ("embassy", "visa.issued"),
    "departure": ("imigrasi", "departure.recorded"),
    "arrival_report": ("embassy", "arrival.reported"),
    "return": ("imigrasi", "return.recorded"),
}
# The steps the engine itself asks a government system for (`domain.reactions`): once the simulator
# answers its requests with webhooks, the driver only waits for them.
REQUESTED_BY_THE_ENGINE = frozenset({"passport", "social_security"})


@dataclass(frozen=True)
class Journey:
    """What a driven journey looks like. `now` is the clock the evidence is dated by (the time-skipping
    server's, or the wall clock)."""

    scheme: str
    now: datetime
    job_order_id: str | None = None
    # An independent worker brings her own employer's offer.
    employer_name: str = "Lin Family"
    offer_ref: str = "OFFER-9"
    village: str = "Tegalrejo"
    clinic_id: str = "CLN-3374-01"
    institution_id: str = "LPK-3374-01"
    mission: str = "KDEI-TPE"
    port: str = "CGK"
    flight_no: str = "CI762"
    salary: tuple[int, str] = (20_000, "TWD")
    # The contract starts two weeks from now and runs two years, unless said otherwise.
    contract_start: date | None = None
    contract_months: int = 24
    # Steps a government system reports (`Report`); the officer completes the rest (`Complete`).
    reported: frozenset[str] = frozenset(
        {"medical_check", "passport", "social_security", "departure", "arrival_report"}
    )
    # Whether the simulator answers the engine's own requests (passport, BPJS) with webhooks: then the
    # driver waits for those steps instead of reporting them.
    registries_answer: bool = False
    refs: str = "1"  # what makes this journey's reference numbers its own

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def start_date(self) -> date:
        return self.contract_start or self.today + timedelta(days=14)

    @property
    def contract_end(self) -> date:
        return contract_end(self.start_date, self.contract_months)


def evidence(step: str, j: Journey) -> dict[str, Any]:
    """The data `step` is completed with, by an officer or in a government system's event."""
    now, today, refs = j.now.isoformat(), j.today.isoformat(), j.refs
    match step:
        case "family_consent":
            return {"consent_ref": f"FC-{refs}", "village": j.village}
        case "job_selection":
            if j.scheme == "INDEPENDENT":
                return {"employer_name": j.employer_name, "offer_ref": j.offer_ref}
            return {"job_order_id": j.job_order_id}
        case "placement_agreement":
            return {"agreement_no": f"PA-{refs}", "signed_at": now}
        case "medical_check":
            return {"clinic_id": j.clinic_id, "result": "fit", "examined_at": today}
        case "competency_training":
            return {"certificate_no": f"CERT-{refs}", "institution_id": j.institution_id, "issued_at": now}
        case "passport":
            return {"passport_no": "C1234567", "expires_at": (j.today + timedelta(days=365 * 5)).isoformat()}
        case "employment_contract":
            salary, currency = j.salary
            return {
                "contract_no": f"EC-{refs}",
                "employer_name": j.employer_name,
                "start_date": j.start_date.isoformat(),
                "duration_months": j.contract_months,
                "monthly_salary": salary,
                "currency": currency,
            }
        case "social_security":
            # Sized to the contract, with a month for the return (as BPJS sizes it, `simulator`).
            covered = max(j.contract_end, j.today) + timedelta(days=31)
            return {"membership_no": f"BPJS-{refs}", "covered_until": covered.isoformat()}
        case "work_visa":
            return {
                "visa_no": f"V-{refs}",
                "expires_at": (max(j.contract_end, j.today) + timedelta(days=90)).isoformat(),
            }
        case "document_verification":
            return {}
        case "pre_departure_orientation":
            return {"attended_at": now}
        case "departure":
            return {"departed_at": now, "port": j.port, "flight_no": j.flight_no}
        case "arrival_report":
            return {"reported_at": now, "mission": j.mission}
        case "return":
            return {"arrived_at": now, "port": j.port, "reason": "contract_end"}
        case "reintegration_assessment":
            return {"needs": ["entrepreneurship", "kur_loan"]}
        case "reintegration_program":
            return {"programs": ["desmigratif"]}
    raise ValueError(f"no evidence for {step!r}")


@dataclass(frozen=True)
class Complete:
    """An officer completes `step` with `evidence`."""

    step: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Report:
    """A government system reports `step`: an integration event from `source` of type `type`."""

    step: str
    source: str
    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class AwaitStep:
    """The engine completes `step` itself (its registration, or a registry answering its request)."""

    step: str


Move = Complete | Report | AwaitStep


def move(step: str, j: Journey) -> Move:
    """How `step` gets done in journey `j`."""
    if step == "registration" or (step in REQUESTED_BY_THE_ENGINE and j.registries_answer):
        return AwaitStep(step)
    if step in j.reported and step in REPORTED_BY:
        source, type_ = REPORTED_BY[step]
        return Report(step, source, type_, evidence(step, j))
    return Complete(step, evidence(step, j))


def to_departure(j: Journey, *, depart: bool = True) -> list[Move]:
    """Every pre-departure step in an order that works: what a step needs comes first, and the steps
    the engine's requests complete are waited for before the documents are verified."""
    steps = ["registration", "family_consent", "job_selection"]
    if j.scheme == "P3MI":
        steps.append("placement_agreement")
    steps += ["medical_check", "competency_training", "passport", "employment_contract", "social_security", "work_visa"]
    moves = [move(s, j) for s in steps]
    # A reported passport or cover is applied once its step is available: wait for both, whoever did them.
    moves += [AwaitStep("passport"), AwaitStep("social_security"), AwaitStep("work_visa")]
    moves += [move("document_verification", j), move("pre_departure_orientation", j)]
    if depart:
        moves += [move("departure", j), AwaitStep("departure")]
    return moves


def to_return(j: Journey) -> list[Move]:
    """After the contract has ended: the return, the assessment and the programme."""
    return [move("return", j), move("reintegration_assessment", j), move("reintegration_program", j)]


class Transport(Protocol):
    """How a driver's moves reach the engine."""

    async def complete(self, step: str, evidence: dict[str, Any]) -> Any: ...

    async def report(self, report: Report) -> Any: ...

    async def await_step(self, step: str) -> Any: ...


async def drive(moves: Iterable[Move], transport: Transport) -> Any:
    """Carry out `moves` in order; the answer of the last one (a journey, for most transports)."""
    answer: Any = None
    for m in moves:
        if isinstance(m, Complete):
            answer = await transport.complete(m.step, m.evidence)
        elif isinstance(m, Report):
            answer = await transport.report(m)
        else:
            answer = await transport.await_step(m.step)
    return answer
