"""The worker's NIK claim (`store.identity`): released when her journey's workflow closes for good."""

from temporalio import activity

from domain.contracts import ActivityName, JourneyCall
from store.identity import ActiveJourneys


class IdentityActivities:
    def __init__(self, active: ActiveJourneys) -> None:
        self._active = active

    @activity.defn(name=ActivityName.RELEASE_NIK)
    async def release_nik(self, call: JourneyCall) -> None:
        """Free the NIK the journey holds, so the worker may start a new one. Idempotent."""
        await self._active.release(call.journey_id)
