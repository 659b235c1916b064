"""`JourneyWorkflow`: one durable workflow per journey. A thin shell around the domain:
handlers decide through `domain.decide`, events are folded with `domain.evolve`, persisted by
the event-store activity, and side effects run as activities."""

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import decide, employment, integrations, protection, rules, standing_events, timeline
    from domain.commit import commit
    from domain.contracts import (
        AppendEvents,
        CaseChange,
        EndJourney,
        IntegrationEvent,
        NewEvent,
        OpenCase,
        RecordEmploymentEvent,
        RecordFollowUp,
        StandingChange,
        StartJourney,
        StepCommand,
        WaiveRule,
    )
    from domain.decide import Emitted
    from domain.errors import DomainError, RuleViolation
    from domain.evolve import evolve
    from domain.reactions import (
        Effect,
        ReleaseQuota,
        Request,
        closing_effects,
        reactions,
        reports_death,
        step_change_sms,
    )
    from domain.rules import rules_of
    from domain.state import JourneyState
    from domain.view import JourneyView, Starting, journey_view, projection
    from workflows import effects
    from workflows import search_attributes as sa


JOURNEY_RULES_2 = "journey-rules-2"
JOURNEY_RULES_3 = "journey-rules-3"
JOURNEY_RULES_4 = "journey-rules-4"
JOURNEY_RULES_5 = "journey-rules-5"
SMS_ON_EMPLOYMENT_END = "sms-on-employment-end"
RELEASE_NIK_ON_CLOSE = "release-nik-on-close"
NO_SMS_ABOUT_A_DEATH = "no-sms-about-a-death"


def refusal(exc: DomainError) -> ApplicationError:
    """A domain refusal as the update's failure: `type` is the API error code."""
    return ApplicationError(exc.message, exc.as_details(), type=exc.code, non_retryable=True)


def _rules_version() -> int:
    """The rules a new journey runs under: the newest this code knows, or the one a recorded history
    started with (its patch marker says which)."""
    if workflow.patched(JOURNEY_RULES_5):
        return rules.V5
    if workflow.patched(JOURNEY_RULES_4):
        return rules.V4
    if workflow.patched(JOURNEY_RULES_3):
        return rules.V3
    return rules.V2 if workflow.patched(JOURNEY_RULES_2) else rules.LEGACY


@workflow.defn(name="JourneyWorkflow")
class JourneyWorkflow:
    @workflow.init
    def __init__(self, start: StartJourney) -> None:
        self._start = start
        self._state: JourneyState | None = (
            JourneyState.model_validate(start.carried_state) if start.carried_state else None
        )
        self._outbox: list[NewEvent] = []
        self._effects: list[Effect] = []
        self._running: set[asyncio.Task[None]] = set()
        self._early: list[IntegrationEvent] = []
        self._messages = 0
        self._indexed: tuple[str, str] | None = None
        self._started_cases: set[str] = set()
        # Opened here, not in `run`: an update can come in the journey's first workflow task, and its
        # handler runs before `run` does (the API answers a start without waiting for that task).
        # Signals that come before `run` starts are kept for it, as when `run` opened the journey.
        self._before_run = self._state is None
        if self._before_run:
            self._open(start)

    # ---- lifecycle -----------------------------------------------------------

    def _open(self, start: StartJourney) -> None:
        """The journey's first events, at the time the API accepted the start (`requested_at`: the
        journey its start answered), and its registration asked for unless refused at once."""
        at = start.requested_at or workflow.now()

        def fold(emitted: list[Emitted]) -> JourneyState:
            self._commit(emitted, at)
            return self.state

        # Journeys recorded before the rules were versioned replay under the legacy ones.
        if decide.opening(start, _rules_version(), fold) is None:
            self._effects.append(Request(kind="register", key=f"{start.journey_id}:registration", step="registration"))

    @workflow.run
    async def run(self, start: StartJourney) -> JourneyView:
        self._before_run = False
        for message in self._early:
            if rules_of(self.state).early_events_applied_as_integrations:
                self._commit(self._integration(message))
            else:
                self._commit(integrations.integration(self.state, message, workflow.now()))
        self._early.clear()
        while True:
            await self._wait_for_work()
            self._commit(timeline.settle(self.state, workflow.now()))
            self._launch_effects()
            await self._flush()
            if self.state.status == "ended" and not self._busy():
                if not await self._may_reopen():
                    # Journeys closed before the patch had their NIK freed by the read model's upsert.
                    releases_nik = workflow.patched(RELEASE_NIK_ON_CLOSE)
                    for effect in closing_effects(self.state):
                        if effect.kind != "release_nik" or releases_nik:
                            self._commit(await effects.run(lambda: self.state, effect))
                    if rules_of(self.state).stores_while_awaiting_reopen:  # legacy journeys closed without storing
                        await self._flush()
                    return journey_view(self.state)
            elif self._should_continue_as_new():
                await self._drain()
                workflow.continue_as_new(
                    self._start.model_copy(update={"carried_state": self.state.model_dump(mode="json")})
                )

    async def _drain(self) -> None:
        """Before continue-as-new: every handler finished, every effect done, every event stored."""
        while not (workflow.all_handlers_finished() and not self._busy()):
            self._launch_effects()
            await self._flush()
            await workflow.wait_condition(
                lambda: bool(self._outbox or self._effects) or (workflow.all_handlers_finished() and not self._running)
            )

    async def _wait_for_work(self) -> None:
        deadline = timeline.next_deadline(self.state)
        timeout = None
        if deadline is not None:
            timeout = max((deadline - workflow.now()).total_seconds(), 0.001)
        try:
            await workflow.wait_condition(
                lambda: bool(self._outbox or self._effects) or self._should_continue_as_new() or self._finished(),
                timeout=timedelta(seconds=timeout) if timeout is not None else None,
            )
        except TimeoutError:
            pass

    def _finished(self) -> bool:
        return self.state.status == "ended" and not self._busy()

    def _busy(self) -> bool:
        return bool(self._outbox or self._effects or self._running)

    async def _may_reopen(self) -> bool:
        """A journey ended as medically_unfit stays open a while for a supervisor to reopen the check."""
        if self.state.outcome != "medically_unfit":
            return False
        window = timedelta(days=self.state.policy.unfit_reopen_window_days)
        if not rules_of(self.state).stores_while_awaiting_reopen:
            try:
                await workflow.wait_condition(lambda: self.state.status == "active", timeout=window)
            except TimeoutError:
                return False
            return True
        # Meanwhile, what comes in is stored at once, and all of it before the journey closes.
        closes_at = workflow.now() + window
        while self.state.status != "active":
            left = (closes_at - workflow.now()).total_seconds()
            if left <= 0:
                await self._drain()
                return self.state.status == "active"  # a reopen may have come in while draining
            try:
                await workflow.wait_condition(
                    lambda: self.state.status == "active" or bool(self._outbox or self._effects),
                    timeout=timedelta(seconds=left),
                )
            except TimeoutError:
                continue
            self._launch_effects()
            await self._flush()
        return True

    def _should_continue_as_new(self) -> bool:
        limit = self._start.continue_as_new_after
        return workflow.info().is_continue_as_new_suggested() or (limit is not None and self._messages >= limit)

    # ---- events --------------------------------------------------------------

    @property
    def state(self) -> JourneyState:
        if self._state is None:
            raise RuntimeError("the state is read before the workflow made it")
        return self._state

    def _commit(self, emitted: list[Emitted], now: datetime | None = None) -> None:
        """Fold events into state, queue them for the store, then settle what they make due (one
        `domain.commit` loop), at `now` (the workflow's time unless given); the reactions are asked
        event by event, with the state right after each."""
        _, folded = commit(self._state, emitted, now or workflow.now(), evolve, timeline.settle)
        for step in folded:
            self._state = step.after
            self._outbox.append(step.recorded)
            self._effects.extend(self._reactions(step.before, step.recorded))
        self._index()

    def _reactions(self, before: JourneyState | None, recorded: NewEvent) -> list[Effect]:
        """The domain's reactions, as journeys recorded before a change of them replay. Each patch is
        asked only where the commands differ, so a journey that started earlier follows the new rule
        from then on."""
        found = reactions(before, self.state, recorded)
        # Before: a death was texted to the worker's own phone.
        if reports_death(recorded) and not workflow.patched(NO_SMS_ABOUT_A_DEATH):
            found.append(step_change_sms(self.state.journey_id, recorded))
        # Before: the end of employment sent no SMS.
        if recorded.type == "EmploymentEnded" and not workflow.patched(SMS_ON_EMPLOYMENT_END):
            found = [e for e in found if e.kind != "sms"]
        return found

    def _index(self) -> None:
        """Search attributes (no personal data): upserted when status or phase changes."""
        if self._state is None or self._indexed == (self.state.status, self.state.phase):
            return
        s = self.state
        pairs = [sa.JOURNEY_STATUS.value_set(s.status), sa.JOURNEY_PHASE.value_set(s.phase)]
        if self._indexed is None:
            pairs += [
                sa.JOURNEY_SCHEME.value_set(s.scheme),
                sa.PROVINCE.value_set(s.worker.province_code),
                sa.DESTINATION.value_set(s.destination_country),
            ]
            if s.p3mi_id:
                pairs.append(sa.P3MI.value_set(s.p3mi_id))
        workflow.upsert_search_attributes(pairs)
        self._indexed = (s.status, s.phase)

    async def _flush(self) -> None:
        """Persist the queued events (idempotent by seq) with the read-model projection after them.
        One batch per call, so a steady stream of messages cannot keep the main loop from its checks."""
        if self._outbox:
            batch = list(self._outbox)
            await effects.append(
                AppendEvents(stream_id=self.state.journey_id, events=batch, projection=projection(self.state))
            )
            del self._outbox[: len(batch)]

    def _launch_effects(self) -> None:
        while self._effects:
            effect = self._effects.pop(0)
            task = asyncio.create_task(self._run_effect(effect))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run_effect(self, effect: Effect) -> None:
        self._commit(await effects.run(lambda: self.state, effect))
        if effect.kind == "start_case":
            self._started_cases.add(effect.key)

    # ---- messages ------------------------------------------------------------

    def _decide(self, fn, *args) -> list[Emitted]:
        try:
            return fn(self.state, *args)
        except DomainError as exc:
            raise refusal(exc) from None

    def _accept(self, emitted: list[Emitted]) -> JourneyView:
        self._commit(emitted)
        self._messages += 1
        return journey_view(self.state)

    @workflow.update
    async def step_action(self, cmd: StepCommand) -> JourneyView:
        job_order_id = cmd.evidence.get("job_order_id")
        takes_quota = cmd.step == "job_selection" and cmd.action == "complete" and self.state.scheme != "INDEPENDENT"
        if takes_quota and isinstance(job_order_id, str):
            quota = await effects.take_quota(self.state, job_order_id)
            if not quota.taken:
                raise refusal(
                    RuleViolation(quota.rule or "job_order_unavailable", quota.message or "job order refused")
                )
            try:
                emitted = decide.step_action(self.state, cmd, workflow.now())
            except DomainError as exc:
                # Give back what this call took; a unit held already belongs to the call that took it
                # (two concurrent completions: the one that lost must not release the winner's unit).
                if not quota.already_held or not rules_of(self.state).release_only_own_quota:
                    key = f"{self.state.journey_id}:job_selection:release:v{self.state.version}"
                    self._effects.append(ReleaseQuota(key=key, job_order_id=job_order_id))
                raise refusal(exc) from None
            return self._accept(emitted)
        return self._accept(self._decide(decide.step_action, cmd, workflow.now()))

    @step_action.validator
    def _check_step_action(self, cmd: StepCommand) -> None:
        self._decide(decide.step_action, cmd, workflow.now())

    @workflow.update
    def withdraw(self, cmd: EndJourney) -> JourneyView:
        return self._accept(self._decide(decide.end_journey, cmd, "withdrawn"))

    @withdraw.validator
    def _check_withdraw(self, cmd: EndJourney) -> None:
        self._decide(decide.end_journey, cmd, "withdrawn")

    @workflow.update
    def cancel(self, cmd: EndJourney) -> JourneyView:
        return self._accept(self._decide(decide.end_journey, cmd, "cancelled"))

    @cancel.validator
    def _check_cancel(self, cmd: EndJourney) -> None:
        self._decide(decide.end_journey, cmd, "cancelled")

    @workflow.update
    def close(self, cmd: EndJourney) -> JourneyView:
        return self._accept(self._decide(decide.end_journey, cmd, "completed"))

    @close.validator
    def _check_close(self, cmd: EndJourney) -> None:
        self._decide(decide.end_journey, cmd, "completed")

    @workflow.update
    def record_employment_event(self, cmd: RecordEmploymentEvent) -> JourneyView:
        return self._accept(self._decide(employment.employment_event, cmd, workflow.now()))

    @record_employment_event.validator
    def _check_employment_event(self, cmd: RecordEmploymentEvent) -> None:
        self._decide(employment.employment_event, cmd, workflow.now())

    @workflow.update
    def record_follow_up(self, cmd: RecordFollowUp) -> JourneyView:
        return self._accept(self._decide(decide.record_follow_up, cmd))

    @record_follow_up.validator
    def _check_record_follow_up(self, cmd: RecordFollowUp) -> None:
        self._decide(decide.record_follow_up, cmd)

    @workflow.signal
    def integration_event(self, message: IntegrationEvent) -> None:
        """Deduplicated by (source, event_id) in the domain; held if its step is not yet available."""
        if self._before_run:
            self._early.append(message)
            return
        emitted = self._integration(message)
        if emitted:
            self._accept(emitted)

    def _integration(self, message: IntegrationEvent) -> list[Emitted]:
        """A complaint opens a case: its id comes from Temporal's deterministic uuid4."""
        case_id = f"c_{workflow.uuid4().hex}" if message.type == "complaint.filed" else None
        return integrations.integration(self.state, message, workflow.now(), case_id)

    @workflow.signal
    def standing_changed(self, change: StandingChange) -> None:
        """An admin changed the P3MI's licence or the destination's status (`domain.standing`)."""
        if not self._before_run:
            emitted = standing_events.standing_changed(self.state, change)
            if emitted:
                self._accept(emitted)

    @workflow.update
    def waive_rule(self, cmd: WaiveRule) -> JourneyView:
        return self._accept(self._decide(standing_events.waive, cmd))

    @waive_rule.validator
    def _check_waive_rule(self, cmd: WaiveRule) -> None:
        self._decide(standing_events.waive, cmd)

    @workflow.update
    async def open_case(self, cmd: OpenCase) -> JourneyView:
        """Opens a protection case: the journey records it and returns once the case's workflow runs."""
        view = self._accept(self._decide(protection.open_case, cmd))
        await workflow.wait_condition(lambda: cmd.case_id in self._started_cases)
        return view

    @open_case.validator
    def _check_open_case(self, cmd: OpenCase) -> None:
        self._decide(protection.open_case, cmd)

    @workflow.signal
    def case_changed(self, change: CaseChange) -> None:
        """News from a case workflow: status, repatriation, death."""
        if not self._before_run:
            self._commit(protection.case_changed(self.state, change, workflow.now()))

    @workflow.update(name="started")
    async def started(self) -> JourneyView:
        """The journey as its start made it, answered in its first workflow task. The API sent it with
        the start (update-with-start) until it answered starts from the same fold itself; kept for the
        journeys recorded so and for callers of that shape. Changes nothing: no event, no effect."""
        await workflow.wait_condition(lambda: self._state is not None)
        return journey_view(self.state)

    @workflow.query(name="state")
    def state_view(self) -> JourneyView | Starting:
        return journey_view(self.state) if self._state else Starting(journey_id=self._start.journey_id)
