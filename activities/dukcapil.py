"""Dukcapil (civil registry): confirm that a NIK exists and belongs to the named person."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.gov_http import GovHttp
from activities.retry import PII_MISSING
from domain.contracts import ActivityName, JourneyCall, NikVerification
from domain.pii import mask_nik

if TYPE_CHECKING:
    from store.pii import WorkerPii

PiiLookup = Callable[[str], Awaitable["WorkerPii | None"]]


class DukcapilActivities:
    """Calls the civil registry. The clear NIK comes from the PII vault by journey id, not the workflow."""

    def __init__(self, client: httpx.AsyncClient, pii_lookup: PiiLookup) -> None:
        self._gov = GovHttp(client, "dukcapil")
        self._pii_lookup = pii_lookup

    @activity.defn(name=ActivityName.VERIFY_NIK)
    async def verify_nik(self, call: JourneyCall) -> NikVerification:
        """A mismatch is a result (`verified=False` with the registry's reason), not an error: the
        workflow rejects the registration step with that reason and nothing is retried."""
        pii = await self._pii_lookup(call.journey_id)
        if pii is None:
            raise ApplicationError(
                "no worker identity in the PII vault for this journey", type=PII_MISSING, non_retryable=True
            )
        body = await self._gov.post(
            "/dukcapil/v1/nik/verify",
            call.idempotency_key,
            {"nik": pii.nik, "full_name": pii.full_name, "birth_date": pii.birth_date.isoformat()},
        )
        matched = bool(self._gov.require(body, "match"))
        activity.logger.info("NIK %s %s by Dukcapil", mask_nik(pii.nik), "confirmed" if matched else "not confirmed")
        if matched:
            return NikVerification(verified=True)
        return NikVerification(verified=False, reason=str(body.get("reason") or "NIK not confirmed by Dukcapil"))
