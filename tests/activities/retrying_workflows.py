"""Test-only workflows that call the external-system activities the way the journey workflow does.

A module of its own so the workflow sandbox imports nothing but temporalio and the contracts,
which also proves `activities.retry` is safe to import from workflow code.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.retry import external_call
    from domain.contracts import ActivityName, JourneyCall, NikVerification, RequestAcknowledged


@workflow.defn
class EnrolInBpjs:
    """Requests a BPJS enrolment with the production retry policy."""

    @workflow.run
    async def run(self, call: JourneyCall) -> RequestAcknowledged:
        return await workflow.execute_activity(
            ActivityName.REQUEST_BPJS_ENROLMENT, call, result_type=RequestAcknowledged, **external_call()
        )


@workflow.defn
class VerifyNik:
    """Asks Dukcapil about the worker's NIK with the production retry policy."""

    @workflow.run
    async def run(self, call: JourneyCall) -> NikVerification:
        return await workflow.execute_activity(
            ActivityName.VERIFY_NIK, call, result_type=NikVerification, **external_call()
        )
