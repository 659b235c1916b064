"""`ProtectionCaseWorkflow`: one per protection case, a child of its journey that outlives the
journey's runs. It owns the case's timers (first-response deadline, automatic closure), records
the case's events in its own stream, notifies offices, and tells the journey what changed."""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain import case_rules, rules
    from domain.case_events import CaseState, evolve_case
    from domain.commit import commit
    from domain.contracts import (
        ActivityName,
        AppendEvents,
        CaseChange,
        CaseCommand,
        ChannelMessage,
        ChannelPosted,
        DeathClaim,
        DeathClaimFiled,
        NewEvent,
        SmsMessage,
        SmsSent,
        StartCase,
        office_channel,
        p3mi_channel,
    )
    from domain.decide import Emitted
    from domain.errors import DomainError
    from domain.rules import rules_of
    from workflows import effects
    from workflows.journey import refusal

CASE_RULES_2 = "case-rules-2"
# Cases recorded before this patch did not tell the P3MI of a clarification asked of it.
P3MI_CLARIFICATION_NOTICE = "p3mi-clarification-notice"
RRT_CHANNEL = "rapid-response-team"
ALERT_CALL = effects.external_call()


@workflow.defn(name="ProtectionCaseWorkflow")
class ProtectionCaseWorkflow:
    @workflow.init
    def __init__(self, start: StartCase) -> None:
        self._start = start
        self._state: CaseState | None = CaseState.model_validate(start.carried_state) if start.carried_state else None
        self._outbox: list[NewEvent] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def state(self) -> CaseState:
        if self._state is None:
            raise RuntimeError("the state is read before the workflow made it")
        return self._state

    @workflow.run
    async def run(self, start: StartCase) -> case_rules.CaseView:
        if self._state is None:
            # Cases recorded before the rules were versioned replay under the legacy ones.
            version = rules.V2 if workflow.patched(CASE_RULES_2) else rules.LEGACY
            self._commit(case_rules.open_case(start, workflow.now(), version))
        while True:
            deadline = case_rules.next_case_deadline(self.state)
            timeout = (
                None if deadline is None else timedelta(seconds=max((deadline - workflow.now()).total_seconds(), 0.001))
            )
            try:
                await workflow.wait_condition(lambda: bool(self._outbox) or not self.state.is_open, timeout=timeout)
            except TimeoutError:
                pass
            self._settle()
            await self._flush()
            if not self.state.is_open and not self._outbox:
                await workflow.wait_condition(lambda: not self._tasks and workflow.all_handlers_finished())
                await self._flush()
                return case_rules.case_view(self.state)
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(lambda: not self._tasks and workflow.all_handlers_finished())
                await self._flush()
                workflow.continue_as_new(
                    self._start.model_copy(update={"carried_state": self.state.model_dump(mode="json")})
                )

    def _commit(self, emitted: list[Emitted], settle: Any = None) -> None:
        """Fold events into state and queue them for the store (`domain.commit`; with `settle`, then
        what it makes due); the reactions are asked event by event, with the state right after each."""
        _, folded = commit(self._state, emitted, workflow.now(), evolve_case, settle)
        for step in folded:
            self._state = step.after
            self._outbox.append(step.recorded)
            self._react(step.before, step.recorded)

    def _settle(self) -> None:
        """Record every deadline that has passed by now, in order (a missed first response, then waits)."""
        if not rules_of(self.state).settles_every_passed_deadline:  # legacy: one batch per wake-up
            self._commit(case_rules.settle_case(self.state, workflow.now()))
            return
        self._commit(case_rules.settle_case(self.state, workflow.now()), case_rules.settle_case)

    async def _flush(self) -> None:
        if self._outbox:
            batch = list(self._outbox)
            projection = case_rules.case_projection(self.state)
            await effects.append(AppendEvents(stream_id=self.state.case_id, events=batch, case_projection=projection))
            del self._outbox[: len(batch)]

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _react(self, before: CaseState | None, recorded: NewEvent) -> None:
        """Notifications and news for the journey that an event calls for (all idempotent by key)."""
        s, data, key = self.state, recorded.data, f"{self.state.case_id}:{recorded.seq}"
        if recorded.type == "CaseOpened":
            due = f"{s.first_response_due_at:%Y-%m-%d %H:%M} UTC"
            text = f"New {s.case_type} case {s.case_id} ({s.severity}); first response due {due}"
            self._spawn(self._post(office_channel(s.province_code), text, key))
        if recorded.type == "CaseEscalated":
            channel = RRT_CHANNEL if data["to"] == "rapid_response_team" else f"bp3mi-{s.province_code}-supervisors"
            self._spawn(self._post(channel, f"Escalated {s.case_type} case {s.case_id}: {data['reason']}", key))
            sms = SmsMessage(
                journey_id=s.journey_id,
                idempotency_key=f"{key}:family",
                template="case_escalated",
                params={"case_type": s.case_type},
                recipient="family",
            )
            self._spawn(self._sms(sms))
        if before is not None and before.status != s.status:
            self._spawn(self._tell_journey(CaseChange(case_id=s.case_id, case_type=s.case_type, status=s.status)))
        if recorded.type == "CaseActionTaken" and data["action"] == "request_clarification" and s.p3mi_id:
            # The P3MI answers for its worker: it is asked, on its channel, by the deadline.
            if workflow.patched(P3MI_CLARIFICATION_NOTICE):
                due = s.waits.get("clarification")
                text = (
                    f"Clarification requested on {s.case_type} case {s.case_id} (journey {s.journey_id}); "
                    f"answer with p3mi.clarification by {due:%Y-%m-%d %H:%M} UTC"
                )
                self._spawn(self._post(p3mi_channel(s.p3mi_id), text, key))
        if recorded.type == "CaseActionTaken" and data["action"] == "repatriate":
            self._spawn(self._repatriated(key))

    async def _repatriated(self, key: str) -> None:
        s = self.state
        if s.case_type != "death":
            await self._tell_journey(
                CaseChange(case_id=s.case_id, case_type=s.case_type, status=s.status, effect="repatriated")
            )
            return
        try:
            claim = await workflow.execute_activity(
                ActivityName.FILE_DEATH_CLAIM,
                DeathClaim(journey_id=s.journey_id, case_id=s.case_id, idempotency_key=f"{key}:death-claim"),
                result_type=DeathClaimFiled,
                **effects.external_call(),
            )
        except ActivityError as exc:
            if not rules_of(s).death_claim_refusal_goes_to_supervisors:
                raise
            # BPJS refused the claim (outages are retried for ever): the supervisors file it by hand,
            # and the journey still ends, as deceased, without a claim reference.
            text = f"BPJS refused the death claim of case {s.case_id}: {exc.cause or exc}. File it by hand."
            await self._post(f"bp3mi-{s.province_code}-supervisors", text, f"{key}:death-claim-refused")
            change = CaseChange(case_id=s.case_id, case_type=s.case_type, status=s.status, effect="remains_repatriated")
            await self._tell_journey(change)
            return
        self._commit(case_rules.death_claim(claim.claim_ref))
        change = CaseChange(
            case_id=s.case_id,
            case_type=s.case_type,
            status=self.state.status,
            effect="remains_repatriated",
            death_claim_ref=claim.claim_ref,
        )
        await self._tell_journey(change)

    async def _post(self, channel: str, text: str, key: str) -> None:
        message = ChannelMessage(
            idempotency_key=key,
            channel=channel,
            text=text,
            case_id=self.state.case_id,
            journey_id=self.state.journey_id,
        )
        # An alert about a case is never given up on: an outage of the channel is waited out.
        await workflow.execute_activity(ActivityName.POST_CHANNEL, message, result_type=ChannelPosted, **ALERT_CALL)

    async def _sms(self, sms: SmsMessage) -> None:
        try:
            await workflow.execute_activity(ActivityName.SEND_SMS, sms, result_type=SmsSent, **ALERT_CALL)
        except ActivityError as exc:  # refused by the gateway (e.g. a bad number): the case goes on
            workflow.logger.warning("family SMS for %s failed: %s", self.state.case_id, exc)

    async def _tell_journey(self, change: CaseChange) -> None:
        try:
            await workflow.get_external_workflow_handle(self.state.journey_id).signal("case_changed", change)
        except Exception as exc:  # the journey may have ended: the case goes on regardless
            workflow.logger.info("journey %s not told of %s: %s", self.state.journey_id, change.status, exc)

    def _decide(self, cmd: CaseCommand) -> list[Emitted]:
        try:
            return case_rules.case_action(self.state, cmd, workflow.now())
        except DomainError as exc:
            raise refusal(exc) from None

    @workflow.update
    def case_action(self, cmd: CaseCommand) -> case_rules.CaseView:
        # Deadlines that passed before this action are recorded first: an update can be handled in
        # the same activation as the timer that fired for it (a worker that was behind), and a
        # first response given after its deadline is still a missed one, escalated.
        if rules_of(self.state).settles_every_passed_deadline:
            self._settle()
        self._commit(self._decide(cmd))
        self._settle()
        return case_rules.case_view(self.state)

    @case_action.validator
    def _check_case_action(self, cmd: CaseCommand) -> None:
        if self._state is None:
            raise refusal(DomainError("case is starting"))
        self._decide(cmd)

    @workflow.query(name="state")
    def state_view(self) -> case_rules.CaseView | case_rules.CaseStarting:
        return case_rules.case_view(self.state) if self._state else case_rules.CaseStarting(case_id=self._start.case_id)
