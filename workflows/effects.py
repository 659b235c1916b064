"""Runs the side effects the domain asks for (`domain.reactions.Effect`) as activities.

Each returns the domain events its result calls for; the journey workflow commits them.
Imported by workflow code, so it uses only Temporal's workflow APIs.
"""

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.retry import external_call
    from domain import decide
    from domain.contracts import (
        SYSTEM,
        ActivityName,
        Actor,
        AppendEvents,
        AppendResult,
        ChannelMessage,
        ChannelPosted,
        EpmiIssued,
        JourneyCall,
        NikVerification,
        QuotaRequest,
        QuotaResult,
        Registration,
        RequestAcknowledged,
        SmsMessage,
        SmsSent,
        StartCase,
        office_channel,
    )
    from domain.decide import Emitted
    from domain.reactions import Effect, LaunchCase, NotifyOffice, ReleaseNik, ReleaseQuota, Request, Sms
    from domain.rules import rules_of
    from domain.state import JourneyState

# The event store is ours: retry it quickly and for ever (an outage of the database is waited out).
STORE_CALL = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)),
}
# Journeys recorded before this patch took their job-order unit with a (remote) activity.
QUOTA_LOCALLY = "quota-local-activity"
NOTIFY_CALL = {**external_call(), "retry_policy": RetryPolicy(maximum_attempts=5)}


async def append(batch: AppendEvents) -> AppendResult:
    return await workflow.execute_activity(ActivityName.APPEND_EVENTS, batch, result_type=AppendResult, **STORE_CALL)


async def take_quota(state: JourneyState, job_order_id: str) -> QuotaResult:
    request = QuotaRequest(
        journey_id=state.journey_id,
        job_order_id=job_order_id,
        destination_country=state.destination_country,
        scheme=state.scheme,
        p3mi_id=state.p3mi_id,
    )
    if workflow.patched(QUOTA_LOCALLY):
        # The officer waits on this update: a local activity takes the unit in the worker itself,
        # without a round trip through the task queue behind the journey's store writes and SMS.
        return await workflow.execute_local_activity(
            ActivityName.TAKE_QUOTA, request, result_type=QuotaResult, **STORE_CALL
        )
    return await workflow.execute_activity(ActivityName.TAKE_QUOTA, request, result_type=QuotaResult, **STORE_CALL)


# Requests an available step makes to a system, which acknowledges them with a reference:
# effect kind -> (activity, system, step).
_REQUESTS = {
    "passport_recommendation": (ActivityName.REQUEST_PASSPORT_RECOMMENDATION, "imigrasi", "passport"),
    "bpjs_enrolment": (ActivityName.REQUEST_BPJS_ENROLMENT, "bpjs", "social_security"),
}


def _call(state: JourneyState, effect: Effect) -> JourneyCall:
    return JourneyCall(
        journey_id=state.journey_id,
        idempotency_key=effect.key,
        destination_country=state.destination_country,
        scheme=state.scheme,
        province_code=state.worker.province_code,
        contract_end=state.contract_end,
    )


def _refusal(exc: ActivityError) -> str:
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        return f"{cause.type or 'refused'}: {cause.message}"
    return str(cause or exc)


async def _register(current: Callable[[], JourneyState], effect: Request) -> list[Emitted]:
    """Dukcapil confirms the NIK, then SIAPkerja/SISKOP2MI registers the worker."""
    state = current()
    refused = decide.registration_refusal(state)
    if refused:  # a reopened registration meets the age rule again before the registry is asked
        return decide.registration_result(state, None, refused)
    try:
        check = await workflow.execute_activity(
            ActivityName.VERIFY_NIK,
            _call(state, effect.model_copy(update={"key": f"{effect.key}:nik"})),
            result_type=NikVerification,
            **external_call(),
        )
        if not check.verified:
            return decide.registration_result(current(), None, f"NIK not confirmed by Dukcapil: {check.reason}")
        registration = await workflow.execute_activity(
            ActivityName.REGISTER_WORKER,
            _call(state, effect.model_copy(update={"key": f"{effect.key}:siskop2mi"})),
            result_type=Registration,
            **external_call(),
        )
    except ActivityError as exc:
        return decide.registration_result(current(), None, f"registration refused: {_refusal(exc)}")
    return decide.registration_result(current(), registration.registration_no, None)


async def _start_case(state: JourneyState, effect: LaunchCase) -> None:
    """A case is a child workflow that outlives the journey's run (continue-as-new, or the journey's end)."""
    start = StartCase(
        case_id=effect.case_id,
        journey_id=state.journey_id,
        case_type=effect.case_type,
        description=effect.description,
        reported_via=effect.reported_via or "officer",
        province_code=state.worker.province_code,
        # Who opened it (an officer, or the hotline's integration): the case stream says so too.
        actor=Actor(sub=effect.opened_by, role=effect.opened_by_role) if effect.opened_by else SYSTEM,
        policy=state.policy,
        p3mi_id=state.p3mi_id,
    )
    try:
        await workflow.start_child_workflow(
            "ProtectionCaseWorkflow",
            start,
            id=start.case_id,
            parent_close_policy=ParentClosePolicy.ABANDON,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        workflow.logger.info("case %s already started", start.case_id)


async def run(current: Callable[[], JourneyState], effect: Effect) -> list[Emitted]:
    """Carry out one effect; a refusal by the external system is logged, not fatal to the journey.
    `current` gives the journey state as it is when a result comes back."""
    state = current()
    try:
        if isinstance(effect, Request) and effect.kind == "register":
            return await _register(current, effect)
        if isinstance(effect, Request) and effect.kind in _REQUESTS:
            activity, system, step = _REQUESTS[effect.kind]
            ack = await workflow.execute_activity(
                activity, _call(state, effect), result_type=RequestAcknowledged, **external_call()
            )
            return decide.external_request(system, step, ack.reference)
        if isinstance(effect, Request) and effect.kind == "issue_epmi":
            epmi = await workflow.execute_activity(
                ActivityName.ISSUE_EPMI, _call(state, effect), result_type=EpmiIssued, **external_call()
            )
            return decide.external_request("siskop2mi", "pre_departure_orientation", epmi.epmi_id)
        if isinstance(effect, ReleaseQuota) and (state.job_order_id or rules_of(state).release_quota_without_job_order):
            # The store gives back whatever unit the journey holds; the id is for the record.
            held = effect.job_order_id or state.job_order_id or ""
            request = QuotaRequest(journey_id=state.journey_id, job_order_id=held)
            await workflow.execute_activity(ActivityName.RELEASE_QUOTA, request, result_type=QuotaResult, **STORE_CALL)
        if isinstance(effect, ReleaseNik):
            call = JourneyCall(journey_id=state.journey_id, idempotency_key=effect.key)
            await workflow.execute_activity(ActivityName.RELEASE_NIK, call, **STORE_CALL)
        if isinstance(effect, LaunchCase):
            await _start_case(state, effect)
        if isinstance(effect, NotifyOffice):
            message = ChannelMessage(
                idempotency_key=effect.key,
                channel=office_channel(state.worker.province_code),
                text=f"Journey {state.journey_id} is flagged {effect.flag}: {effect.reason}",
                journey_id=state.journey_id,
            )
            await workflow.execute_activity(
                ActivityName.POST_CHANNEL, message, result_type=ChannelPosted, **NOTIFY_CALL
            )
        if isinstance(effect, Sms):
            sms = SmsMessage(
                journey_id=state.journey_id,
                idempotency_key=effect.key,
                template=effect.template,
                params=effect.params,
            )
            await workflow.execute_activity(ActivityName.SEND_SMS, sms, result_type=SmsSent, **NOTIFY_CALL)
    except ActivityError as exc:
        workflow.logger.warning("effect %s failed: %s", effect.kind, _refusal(exc))
    return []
