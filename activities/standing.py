"""The journeys a change of a P3MI's licence or a country's status reaches, page by page, with the
standing as the reference data holds it when the page is read (so a later change is never undone by
an earlier one still being told)."""

from temporalio import activity

from domain.contracts import ActivityName, StandingChange, StandingPage, StandingSweep
from store.read_model import JourneyFilters, JourneyReadModel
from store.reference import ReferenceData

PAGE = 200


class StandingActivities:
    def __init__(self, reference: ReferenceData, journeys: JourneyReadModel) -> None:
        self._reference = reference
        self._journeys = journeys

    @activity.defn(name=ActivityName.STANDING_PAGE)
    async def standing_page(self, sweep: StandingSweep) -> StandingPage:
        """The active journeys not yet departed that the change is about, after `sweep.cursor`."""
        change = await self._current(sweep)
        if change is None:
            return StandingPage(change=None)
        by = {"p3mi_id": sweep.key} if sweep.kind == "p3mi_licence" else {"destination_country": sweep.key}
        filters = JourneyFilters(status="active", phase="pre_departure", **by)
        rows, cursor = await self._journeys.list_rows(filters, PAGE, sweep.cursor)
        return StandingPage(change=change, journey_ids=[journey_id for journey_id, _ in rows], cursor=cursor)

    async def _current(self, sweep: StandingSweep) -> StandingChange | None:
        if sweep.kind == "p3mi_licence":
            found = await self._reference.get_p3mi(sweep.key)
            if found is None:
                return None
            return StandingChange(
                kind=sweep.kind,
                key=sweep.key,
                status=found["licence_status"],
                valid_until=found.get("licence_valid_until"),
            )
        country = await self._reference.get_country(sweep.key)
        return StandingChange(kind=sweep.kind, key=sweep.key, status=country["status"]) if country else None
