"""The reports on `pmi demo` data (issue 10): the figures match a count made directly from the events.

The demo drives journeys through the running stack to their arrival and files complaints; the count
from the events reads every journey's and every case's own stream over the API (the auditor's view),
not the read model the reports count."""

import re
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from cli.demo import run_demo
from store.read_model import journey_ids_since
from tests.api.stack import Stack, new_nik, stack_per_database
from tests.api.test_e2e_journey import all_events, start
from tests.console.pages import Person
from tests.polling import eventually


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def stack(request, dev_env, tmp_path_factory) -> AsyncIterator[Stack]:
    """A stack of this file's own: the demo's journeys run on after the test, and stopping a worker
    they keep busy (as other files' tests do with the session's stack) is not this test's business."""
    async with stack_per_database(request.param, dev_env.client, tmp_path_factory.mktemp("e2e-reports")) as s:
        yield s


async def report(stack: Stack, kind: str, group_by: str) -> Counter:
    params = {"group_by": group_by}
    r = await stack.api.get(f"/v1/reports/{kind}", params=params, headers=stack.auth("auditor", "*"))
    assert r.status_code == 200, r.text
    keys = group_by.split(",")
    return Counter({tuple(item[k] for k in keys): item["count"] for item in r.json()["items"]})


async def placements_from_events(stack: Stack) -> Counter:
    counted: Counter = Counter()
    for journey_id in await journey_ids_since(stack.engine):
        events = await all_events(stack, journey_id, limit=200)
        started = events[0]["data"]
        if any(e["type"] == "StepCompleted" and e["data"]["step"] == "departure" for e in events):
            counted[started["scheme"], started["destination_country"], started["worker"]["gender"]] += 1
    return counted


async def cases_from_events(stack: Stack) -> Counter:
    counted: Counter = Counter()
    r = await stack.api.get("/v1/cases", params={"limit": 500}, headers=stack.auth("auditor", "*"))
    for case in r.json()["items"]:
        page = await stack.api.get(f"/v1/cases/{case['case_id']}/events", headers=stack.auth("auditor", "*"))
        opened = page.json()["items"][0]
        counted[(opened["data"]["case_type"],)] += 1
    return counted


async def test_the_reports_on_demo_data_match_a_count_made_from_the_events(stack: Stack):
    code = await run_demo(
        stack.settings,
        journeys=5,
        api_url=str(stack.api.base_url),
        simulator_url=stack.simulator_url,
        seed=11,
        timeout=120,
        complaint_share=0.5,
    )
    assert code == 0
    # And one that has not departed, stored: it is no placement.
    waiting = (await start(stack, new_nik(), None, scheme="INDEPENDENT"))["journey_id"]
    await eventually(lambda: journey_ids_since(stack.engine), lambda ids: waiting in ids, what="the journey stored")

    async def placements_agree() -> bool:
        reported = await report(stack, "placements", "scheme,destination_country,gender")
        return reported == await placements_from_events(stack) and sum(reported.values()) >= 5

    async def cases_agree() -> bool:
        return await report(stack, "cases", "case_type") == await cases_from_events(stack)

    # The read model follows the events within moments: the two counts agree once it has.
    await eventually(placements_agree, what="placements as the events count them")
    await eventually(cases_agree, what="cases as the events count them")

    # The console's dashboard shows the same figures: a table beside each chart, the chart an SVG.
    by_scheme: Counter = Counter()
    for (scheme, _, _), count in (await placements_from_events(stack)).items():
        by_scheme[scheme] += count
    async with Person(str(stack.api.base_url)) as auditor:
        await auditor.sign_in("auditor-1")
        page = await auditor.get("/console/dashboard")
        assert page.status_code == 200
        panel = page.text.split('id="chart-placements-scheme"', 1)[1].split("</section>", 1)[0]
        shown = dict(
            re.findall(r'<tr><td data-label="Skema">([A-Z0-9]+)</td><td data-label="Jumlah">(\d+)</td>', panel)
        )
        assert {k: int(v) for k, v in shown.items()} == dict(by_scheme)
        chart = await auditor.get("/console/dashboard/placements/scheme.svg")
        assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
        assert "<svg" in chart.text and "<script" not in chart.text
        for scheme, count in by_scheme.items():
            assert f">{scheme}<" in chart.text or scheme in chart.text and str(count) in chart.text
        csv = await auditor.get("/console/dashboard/cases/case_type.csv")
        assert csv.status_code == 200 and csv.text.splitlines()[0] == "case_type,count"
        officer = Person(str(stack.api.base_url))
        async with officer:
            await officer.sign_in("officer-33")
            assert (await officer.get("/console/dashboard")).status_code == 403
