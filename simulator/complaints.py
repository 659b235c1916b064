"""The hotline and the embassies as complaint sources: `POST /_complaints` files `complaint.filed` events.

For the demo and tests a complaint needs no more than a journey (or a NIK); when the case
type is not given it is drawn with weights that follow the ministry's figures (DOMAIN.md):

- West Sumatra 2023, cases handled: 5 trafficking, 13 stranded-worker repatriations,
  6 remains (death), 2 sick (illness). These keep their ratio 5 : 13 : 6 : 2.
- Nationally about 1,500-1,900 complaints a year, most of them the common ones the
  provincial figure does not break out: unpaid wages and fraud (overcharging, failed
  departure) lead, then social-security claims, violence and detention. Their weights
  below are our estimate, chosen so that these make a bit over half of all complaints.

The weights are relative (they need not sum to anything); total 60.
"""

import random
from typing import Literal, get_args

from pydantic import BaseModel, Field, model_validator

from domain.contracts import CaseType

COMPLAINT_SOURCES = ("hotline", "embassy")
ComplaintSource = Literal["hotline", "embassy"]

CASE_TYPE_WEIGHTS: dict[str, int] = {
    # West Sumatra 2023 (DOMAIN.md), kept in proportion.
    "trafficking": 5,
    "repatriation": 13,
    "death": 6,
    "illness": 2,
    # The common complaints (our estimate; see the module docstring).
    "unpaid_wages": 12,
    "fraud": 10,
    "social_security_claim": 5,
    "violence": 4,
    "detention": 3,
}
if set(CASE_TYPE_WEIGHTS) != set(get_args(CaseType)):
    raise RuntimeError("every case type needs a weight")

# What a caller or an embassy officer typically reports; no personal data.
DESCRIPTIONS: dict[str, str] = {
    "trafficking": "Recruited for a job that does not exist; passport held by the agent, not allowed to leave.",
    "violence": "Worker reports being beaten by the employer and asks for help.",
    "detention": "Worker detained by local police over an expired residence permit.",
    "death": "Family reports the worker died abroad; asks for repatriation of the remains.",
    "illness": "Worker hospitalised abroad and unable to work; asks for help with treatment.",
    "repatriation": "Worker stranded after the employer ended the contract early; wants to return home.",
    "unpaid_wages": "Salary not paid for three months.",
    "fraud": "Placement agency charged fees above the official cost and departure never happened.",
    "social_security_claim": "BPJS Ketenagakerjaan claim after a work accident has not been paid.",
}


def draw_case_type(rng: random.Random) -> str:
    """A case type drawn with `CASE_TYPE_WEIGHTS`."""
    types = list(CASE_TYPE_WEIGHTS)
    return rng.choices(types, weights=[CASE_TYPE_WEIGHTS[t] for t in types], k=1)[0]


class ComplaintRequest(BaseModel):
    """`POST /_complaints`: `count` complaints about one journey (by id or by the worker's NIK)."""

    journey_id: str | None = None
    nik: str | None = None
    case_type: CaseType | None = None  # None: drawn per complaint with CASE_TYPE_WEIGHTS
    description: str | None = None  # None: a typical description of the case type
    source: ComplaintSource = "hotline"
    count: int = Field(default=1, ge=1, le=100)
    # Deliver before answering and report each delivery (like `/_emit` with `wait`).
    wait: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> "ComplaintRequest":
        if (self.journey_id is None) == (self.nik is None):
            raise ValueError("exactly one of journey_id and nik is required")
        return self
