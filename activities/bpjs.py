"""BPJS Ketenagakerjaan: the worker's social-security enrolment (membership arrives as an event) and,
when a worker dies, the death benefit claim."""

import httpx
from temporalio import activity

from activities.gov_http import GovHttp
from domain.contracts import ActivityName, DeathClaim, DeathClaimFiled, JourneyCall, RequestAcknowledged


class BpjsActivities:
    """Calls BPJS TK. Only the request is synchronous; `bpjs.enrolled` comes back as a signed webhook."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._gov = GovHttp(client, "bpjs")

    @activity.defn(name=ActivityName.REQUEST_BPJS_ENROLMENT)
    async def request_enrolment(self, call: JourneyCall) -> RequestAcknowledged:
        """Asks for the worker's membership, covering her contract to its end; returns the enrolment id
        as the acknowledgement's reference."""
        request = {"journey_id": call.journey_id}
        if call.contract_end is not None:  # the cover is sized to the contract
            request["contract_end"] = call.contract_end.isoformat()
        body = await self._gov.post("/bpjs/v1/enrolments", call.idempotency_key, request)
        return RequestAcknowledged(reference=str(self._gov.require(body, "enrolment_id")))

    @activity.defn(name=ActivityName.FILE_DEATH_CLAIM)
    async def file_death_claim(self, claim: DeathClaim) -> DeathClaimFiled:
        """Files the death benefit claim of a `death` case; returns BPJS's claim reference."""
        body = await self._gov.post(
            "/bpjs/v1/death-claims",
            claim.idempotency_key,
            {"journey_id": claim.journey_id, "case_id": claim.case_id},
        )
        return DeathClaimFiled(claim_ref=str(self._gov.require(body, "claim_ref")))
