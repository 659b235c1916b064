"""SISKOP2MI / SIAPkerja: register the worker, and issue the e-PMI card after orientation."""

import httpx
from temporalio import activity

from activities.gov_http import GovHttp
from domain.contracts import ActivityName, EpmiIssued, JourneyCall, Registration


class Siskop2miActivities:
    """Calls the ministry's placement system; both calls are idempotent by `JourneyCall.idempotency_key`."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._gov = GovHttp(client, "siskop2mi")

    @activity.defn(name=ActivityName.REGISTER_WORKER)
    async def register_worker(self, call: JourneyCall) -> Registration:
        """Registers the worker (after Dukcapil confirmed the NIK); returns the registration number."""
        body = await self._gov.post(
            "/siskop2mi/v1/registrations",
            call.idempotency_key,
            {"journey_id": call.journey_id, "province_code": call.province_code, "scheme": call.scheme},
        )
        return Registration(registration_no=str(self._gov.require(body, "registration_no")))

    @activity.defn(name=ActivityName.ISSUE_EPMI)
    async def issue_epmi(self, call: JourneyCall) -> EpmiIssued:
        """Issues the worker's e-PMI id at pre-departure orientation."""
        body = await self._gov.post("/siskop2mi/v1/epmi", call.idempotency_key, {"journey_id": call.journey_id})
        return EpmiIssued(epmi_id=str(self._gov.require(body, "epmi_id")))
