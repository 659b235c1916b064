"""The console in a real browser (issue 10, item 9): both languages, the dashboard, labels and
phones. See `tests.console.browser`."""

from tests.api.conftest import stack  # noqa: F401  (the fixture: the running engine, per database)
from tests.api.stack import Stack
from tests.console.browser import (
    BROWSER_TESTS,
    SCREENSHOTS,
    UNLABELLED,
    base,
    browser,  # noqa: F401  (the fixture)
    signed_in,
    started,
)

pytestmark = BROWSER_TESTS


async def test_the_pages_in_english_on_request(stack: Stack, browser):  # noqa: F811
    jid = await started(stack)
    page = await signed_in(browser, stack, "officer-33")
    assert await page.locator("html").get_attribute("lang") == "id"
    await page.get_by_label("Bahasa").select_option("en")
    await page.get_by_role("button", name="Ganti").click()
    await page.wait_for_url("**/console/worklist")
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.get_by_role("heading", name="Worklist").count() == 1
    await page.goto(f"{base(stack)}/console/journeys/{jid}")
    assert "Family consent" in await page.locator("table.steps").inner_text()
    await page.screenshot(path=str(SCREENSHOTS / "console-journey-en.png"), full_page=False)


async def test_the_dashboard_draws_each_report_as_a_chart_beside_its_table(stack: Stack, browser):  # noqa: F811
    await started(stack)
    page = await signed_in(browser, stack, "auditor-1")
    await page.get_by_role("link", name="Dasbor").click()
    await page.wait_for_url("**/console/dashboard")
    charts = page.locator("section.chart img")
    assert await charts.count() == 9
    await page.wait_for_load_state("networkidle")
    for i in range(await charts.count()):
        chart = charts.nth(i)
        await chart.scroll_into_view_if_needed()
        drawn = await chart.evaluate("img => img.complete && img.naturalWidth > 0")
        assert drawn, f"chart {await chart.get_attribute('src')} was not drawn"
    assert await page.locator("section.chart table").count() == 9
    await page.screenshot(path=str(SCREENSHOTS / "console-dashboard.png"), full_page=True)


async def test_every_page_labels_its_controls_and_fits_a_phone(stack: Stack, browser):  # noqa: F811
    jid = await started(stack)
    body = {"case_type": "illness", "description": "Demam tinggi", "reported_via": "hotline"}
    r = await stack.api.post(f"/v1/journeys/{jid}/cases", json=body, headers=stack.auth())
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    pages = {
        "supervisor-33": ["/console/worklist", f"/console/journeys/{jid}", f"/console/cases/{case_id}",
                          "/console/cases", "/console/start", "/console/dashboard"],
        "auditor-1": [f"/console/journeys/{jid}/audit?seq=1", "/console/access-log"],
    }  # fmt: skip
    for person, paths in pages.items():
        desk = await signed_in(browser, stack, person)
        phone = await browser.new_page(viewport={"width": 390, "height": 844})
        await phone.context.add_cookies(await desk.context.cookies())
        for path in paths:
            answer = await desk.goto(f"{base(stack)}{path}")
            assert answer.status == 200, path
            assert await desk.evaluate(UNLABELLED) == [], path
            await phone.goto(f"{base(stack)}{path}")
            width = await phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide on a phone"
