"""The step graph of DOMAIN.md: ids, phases, what each requires, which scheme it applies to."""

from dataclasses import dataclass
from functools import cache

PRE_DEPARTURE = "pre_departure"
PLACEMENT = "placement"
REINTEGRATION = "reintegration"

LOCKED, AVAILABLE, COMPLETED, REJECTED, WAIVED, EXPIRED = (
    "locked",
    "available",
    "completed",
    "rejected",
    "waived",
    "expired",
)
# States in which a step can be completed (rejected and expired steps are "available again").
ACTIONABLE = frozenset({AVAILABLE, REJECTED, EXPIRED})
# States that satisfy a requirement of a later step.
DONE = frozenset({COMPLETED, WAIVED})


@dataclass(frozen=True)
class StepDef:
    step: str
    phase: str
    requires: tuple[str, ...]
    schemes: frozenset[str] = frozenset({"G2G", "P3MI", "INDEPENDENT"})
    # Steps only the engine itself completes (an activity or a timer), never an officer.
    system_only: bool = False


_ALL_PRE = (
    "registration",
    "family_consent",
    "job_selection",
    "placement_agreement",
    "medical_check",
    "competency_training",
    "passport",
    "employment_contract",
    "social_security",
    "work_visa",
)

STEPS: tuple[StepDef, ...] = (
    StepDef("registration", PRE_DEPARTURE, (), system_only=True),
    StepDef("family_consent", PRE_DEPARTURE, ("registration",)),
    StepDef("job_selection", PRE_DEPARTURE, ("registration",)),
    StepDef("placement_agreement", PRE_DEPARTURE, ("job_selection",), schemes=frozenset({"P3MI"})),
    StepDef("medical_check", PRE_DEPARTURE, ("registration",)),
    StepDef("competency_training", PRE_DEPARTURE, ("job_selection",)),
    StepDef("passport", PRE_DEPARTURE, ("registration", "family_consent")),
    StepDef("employment_contract", PRE_DEPARTURE, ("job_selection",)),
    StepDef("social_security", PRE_DEPARTURE, ("registration", "employment_contract")),
    StepDef("work_visa", PRE_DEPARTURE, ("passport", "employment_contract")),
    StepDef("document_verification", PRE_DEPARTURE, _ALL_PRE),
    StepDef("pre_departure_orientation", PRE_DEPARTURE, ("document_verification",)),
    StepDef("departure", PRE_DEPARTURE, ("pre_departure_orientation",)),
    StepDef("arrival_report", PLACEMENT, ("departure",)),
    StepDef("employment", PLACEMENT, ("departure",), system_only=True),
    StepDef("return", REINTEGRATION, ("employment",)),
    StepDef("reintegration_assessment", REINTEGRATION, ("return",)),
    StepDef("reintegration_program", REINTEGRATION, ("reintegration_assessment",)),
)

STEP_BY_ID: dict[str, StepDef] = {s.step: s for s in STEPS}
STEP_IDS: tuple[str, ...] = tuple(STEP_BY_ID)

# Documents whose validity document_verification checks.
PRE_DEPARTURE_DOCUMENTS = _ALL_PRE


def steps_for(scheme: str) -> tuple[StepDef, ...]:
    """The steps of one scheme's graph, in table order."""
    return tuple(s for s in STEPS if scheme in s.schemes)


@cache  # the table is constant, and the fold asks this for every locked step after every event
def requirements(step: str, scheme: str) -> tuple[str, ...]:
    """What `step` requires in `scheme` (requirements that do not apply to the scheme drop out)."""
    return tuple(r for r in STEP_BY_ID[step].requires if scheme in STEP_BY_ID[r].schemes)


# Integration event type -> (allowed sources, step it is evidence for). `complaint.filed` opens a case.
INTEGRATION_TYPES: dict[str, tuple[frozenset[str], str | None]] = {
    "medical.result": (frozenset({"clinic"}), "medical_check"),
    "certification.issued": (frozenset({"lsp"}), "competency_training"),
    "passport.issued": (frozenset({"imigrasi"}), "passport"),
    "bpjs.enrolled": (frozenset({"bpjs"}), "social_security"),
    "visa.issued": (frozenset({"embassy"}), "work_visa"),
    "departure.recorded": (frozenset({"imigrasi"}), "departure"),
    "arrival.reported": (frozenset({"embassy"}), "arrival_report"),
    "return.recorded": (frozenset({"imigrasi"}), "return"),
    "complaint.filed": (frozenset({"hotline", "embassy"}), None),
    # The P3MI's answer to a clarification asked on one of its workers' cases: it goes to the case.
    "p3mi.clarification": (frozenset({"p3mi"}), None),
}
