"""Policy values DOMAIN.md marks *(policy)*: defaults here, overridden from settings.

A `Policy` travels inside the workflow input, so a running journey keeps the rules
it started with (deterministic replay) while new journeys pick up changed settings.
"""

from pydantic import BaseModel, ConfigDict, Field


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    minimum_age_years: int = 18
    medical_validity_months: int = 3
    arrival_report_due_days: int = 30
    contract_default_months: int = 24
    contract_min_months: int = 1
    contract_max_months: int = 60
    follow_up_months: tuple[int, ...] = (3, 6, 12)
    # A follow-up not recorded this many days after it was due flags the journey (rules 4).
    follow_up_overdue_days: int = 14
    # How long a journey ended as medically_unfit stays open for a supervisor to reopen the medical check.
    unfit_reopen_window_days: int = 30
    # Protection case first-response deadlines, in hours (issue 3 uses them).
    case_first_response_hours: dict[str, int] = Field(
        default_factory=lambda: {
            "trafficking": 4,
            "violence": 4,
            "detention": 24,
            "death": 24,
            "illness": 24,
            "repatriation": 72,
            "unpaid_wages": 120,
            "fraud": 120,
            "social_security_claim": 240,
        }
    )
    case_documents_incomplete_days: int = 30
    case_clarification_working_days: int = 15
    case_unreachable_days: int = 60
