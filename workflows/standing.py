"""`StandingBroadcastWorkflow`: tells every journey of a P3MI, or bound for a country, that has not
departed that an admin changed the P3MI's licence or the country's status (`domain.standing`).

Started by the API after the change is stored, one per P3MI or country: a newer change terminates the
broadcast of an older one and starts its own, and each page is sent with the standing as the store
holds it then, so the last change is the one every journey is left with. A journey started while the
first sweep ran may not be in the read model yet: a second sweep, `RESWEEP_AFTER` later, reaches it
(a journey ignores a standing it already has).
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.contracts import ActivityName, StandingChange, StandingPage, StandingSweep

SWEEPS = 2
RESWEEP_AFTER = timedelta(minutes=2)
PAGE_CALL = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}


def broadcast_id(kind: str, key: str) -> str:
    """One broadcast per P3MI or country (ids and codes, never personal data)."""
    return f"standing-{kind}-{key}"


@workflow.defn(name="StandingBroadcastWorkflow")
class StandingBroadcastWorkflow:
    @workflow.run
    async def run(self, sweep: StandingSweep) -> int:
        """The number of journeys told, in this run."""
        told = 0
        while True:
            page = await workflow.execute_activity(
                ActivityName.STANDING_PAGE, sweep, result_type=StandingPage, **PAGE_CALL
            )
            if page.change is None:
                return told
            await asyncio.gather(*(self._tell(journey_id, page.change) for journey_id in page.journey_ids))
            told += len(page.journey_ids)
            if page.cursor is not None:
                sweep = sweep.model_copy(update={"cursor": page.cursor})
            elif sweep.sweep < SWEEPS:
                await workflow.sleep(RESWEEP_AFTER)
                sweep = sweep.model_copy(update={"cursor": None, "sweep": sweep.sweep + 1})
            else:
                return told
            if workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(sweep)

    async def _tell(self, journey_id: str, change: StandingChange) -> None:
        try:
            await workflow.get_external_workflow_handle(journey_id).signal("standing_changed", change)
        except Exception as exc:  # the journey ended meanwhile: nothing to tell it
            workflow.logger.info("journey %s not told of %s %s: %s", journey_id, change.kind, change.key, exc)
