"""Timeouts and retry policy for calls to the external government systems.

Imports only temporalio so workflow code (sandboxed) can use it:
`workflow.execute_activity(ActivityName.X, call, **external_call())`.
An outage is waited out (unlimited attempts, capped backoff); a domain refusal is not retried.
"""

from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

# ApplicationError types raised by the external-system activities (see activities/gov_http.py).
GOV_REJECTED = "GOV_REJECTED"  # the system refused the request (a 4xx): retrying cannot change the answer
GOV_UNAVAILABLE = "GOV_UNAVAILABLE"  # 5xx, timeout or connection error: retried
PII_MISSING = "PII_MISSING"  # the vault holds no identity for the journey: an engine fault, not retried

NON_RETRYABLE_ERROR_TYPES: tuple[str, ...] = (GOV_REJECTED, PII_MISSING)


def external_retry_policy(maximum_attempts: int = 0) -> RetryPolicy:
    """1 s, 2 s, 4 s ... up to 60 s between attempts; `maximum_attempts` 0 means unlimited."""
    return RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=60),
        maximum_attempts=maximum_attempts,
        non_retryable_error_types=list(NON_RETRYABLE_ERROR_TYPES),
    )


def external_call(start_to_close_seconds: float = 30.0, maximum_attempts: int = 0) -> dict[str, Any]:
    """Keyword arguments for `workflow.execute_activity` towards an external system."""
    return {
        "start_to_close_timeout": timedelta(seconds=start_to_close_seconds),
        "retry_policy": external_retry_policy(maximum_attempts),
    }
