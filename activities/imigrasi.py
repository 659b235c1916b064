"""Imigrasi: request the labour office's passport recommendation; the passport arrives later as an event."""

import httpx
from temporalio import activity

from activities.gov_http import GovHttp
from domain.contracts import ActivityName, JourneyCall, RequestAcknowledged


class ImigrasiActivities:
    """Calls immigration. Only the request is synchronous; `passport.issued` comes back as a webhook."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._gov = GovHttp(client, "imigrasi")

    @activity.defn(name=ActivityName.REQUEST_PASSPORT_RECOMMENDATION)
    async def request_passport_recommendation(self, call: JourneyCall) -> RequestAcknowledged:
        """Returns the recommendation number as the acknowledgement's reference."""
        body = await self._gov.post(
            "/imigrasi/v1/passport-recommendations",
            call.idempotency_key,
            {"journey_id": call.journey_id, "destination_country": call.destination_country},
        )
        return RequestAcknowledged(reference=str(self._gov.require(body, "recommendation_no")))
