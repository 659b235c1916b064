"""Job-order quota activities: take a unit when job selection completes, give it back when a
journey ends before departure. Both are idempotent per journey (see `store.job_orders`)."""

from temporalio import activity

from domain.contracts import ActivityName, QuotaRequest, QuotaResult
from store.reference import ReferenceData


class JobOrderActivities:
    """Quota activities over the reference data store."""

    def __init__(self, reference: ReferenceData) -> None:
        self._reference = reference

    @activity.defn(name=ActivityName.TAKE_QUOTA)
    async def take_quota(self, input: QuotaRequest) -> QuotaResult:
        """taken=True, or taken=False with the refusing `rule` (e.g. `job_order_quota_exhausted`).

        A refusal is a result, not an error: the workflow turns it into a RULE_VIOLATION."""
        return await self._reference.take_quota(
            input.journey_id, input.job_order_id, input.destination_country, input.scheme, input.p3mi_id
        )

    @activity.defn(name=ActivityName.RELEASE_QUOTA)
    async def release_quota(self, input: QuotaRequest) -> QuotaResult:
        """Give the journey's unit back; taken=False afterwards, `message` says whether one was held."""
        released = await self._reference.release_quota(input.journey_id)
        return QuotaResult(taken=False, message="released" if released else "no unit was held")
