"""Free text (notes, reasons, descriptions) is recorded with the identifiers in it masked."""

import pytest

from api.schemas.cases import CaseActionIn, OpenCaseIn
from api.schemas.journeys import EndJourneyIn, StepActionIn

TEXT = "Worker 3374015501950002 (passport C1234567) reachable on +6281234567890"
MASKED = "Worker 3374********0002 (passport C*****67) reachable on +628*******890"


@pytest.mark.parametrize(
    ("model", "field", "extra"),
    [
        (StepActionIn, "note", {}),
        (StepActionIn, "reason", {}),
        (EndJourneyIn, "reason", {}),
        (OpenCaseIn, "description", {"case_type": "fraud", "reported_via": "officer"}),
        (CaseActionIn, "note", {"action": "verify"}),
        (CaseActionIn, "resolution", {"action": "resolve"}),
    ],
)
def test_identifiers_in_free_text_are_masked_on_the_way_in(model, field, extra):
    assert getattr(model.model_validate({field: TEXT, **extra}), field) == MASKED
