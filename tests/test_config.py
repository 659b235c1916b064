"""Settings: DOMAIN.md's *(policy)* values come from PMI_* variables into the `Policy` journeys and cases carry."""

import pytest
from pydantic import ValidationError

from config import Settings
from domain.policy import Policy


def test_case_policy_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PMI_CASE_DOCUMENTS_INCOMPLETE_DAYS", "20")
    monkeypatch.setenv("PMI_CASE_CLARIFICATION_WORKING_DAYS", "10")
    monkeypatch.setenv("PMI_CASE_UNREACHABLE_DAYS", "45")
    monkeypatch.setenv("PMI_CASE_FIRST_RESPONSE_HOURS", '{"trafficking": 2}')
    policy = Settings().policy()
    assert (policy.case_documents_incomplete_days, policy.case_clarification_working_days) == (20, 10)
    assert policy.case_unreachable_days == 45
    # A type left out keeps its default, so every case type can still be opened.
    assert policy.case_first_response_hours == {**Policy().case_first_response_hours, "trafficking": 2}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PMI_CASE_FIRST_RESPONSE_HOURS", '{"kidnapping": 2}'),
        ("PMI_CASE_FIRST_RESPONSE_HOURS", '{"fraud": -1}'),
        ("PMI_CASE_UNREACHABLE_DAYS", "0"),
        ("PMI_CONTRACT_DEFAULT_MONTHS", "72"),
    ],
)
def test_a_policy_value_that_cannot_work_is_refused_at_start_up(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
