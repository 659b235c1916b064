"""The console in a real browser (issue 10, item 9): an officer drives a journey to departure; a
stale form; another province. See `tests.console.browser`."""

from datetime import UTC, datetime

from cli.journey_driver import Journey, drive, to_departure
from tests.api.conftest import stack  # noqa: F401  (the fixture: the running engine, per database)
from tests.api.stack import Stack, new_nik, step_is
from tests.console.browser import (
    BROWSER_TESTS,
    SCREENSHOTS,
    ConsoleTransport,
    base,
    browser,  # noqa: F401  (the fixture)
    fill,
    signed_in,
    started,
)
from tests.polling import eventually

pytestmark = BROWSER_TESTS


async def test_an_officer_starts_a_journey_and_drives_it_to_departure_in_the_console(stack: Stack, browser):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = await signed_in(browser, stack, "officer-33")
    await page.screenshot(path=str(SCREENSHOTS / "console-worklist.png"), full_page=True)
    await page.get_by_role("link", name="Mulai perjalanan").click()
    typed = {
        "worker.nik": new_nik(),
        "worker.full_name": "Sri Wahyuni",
        "worker.birth_date": "1996-04-02",
        "worker.gender": "F",
        "scheme": "INDEPENDENT",
        "destination_country": "TW",
    }
    start = page.locator('form[action="/console/start"]')
    for name, value in typed.items():
        await fill(start, name, value)
    await page.screenshot(path=str(SCREENSHOTS / "console-start.png"), full_page=True)
    await start.locator('button[type="submit"]').click()
    await page.wait_for_url("**/console/journeys/j_*")
    jid = page.url.rsplit("/", 1)[1]
    await stack.wait_for(jid, step_is("family_consent", "available"))

    # The journey is in her worklist, waiting for her.
    async def listed() -> bool:
        await page.goto(f"{base(stack)}/console/worklist")
        return await page.get_by_role("row").filter(has_text=jid).count() >= 1  # a row per step waiting

    await eventually(listed, what="the journey in the worklist")
    await page.get_by_role("link", name=jid).first.click()
    await page.wait_for_url(f"**/console/journeys/{jid}")

    journey = Journey(scheme="INDEPENDENT", now=datetime.now(UTC).replace(microsecond=0), reported=frozenset())
    await drive(to_departure(journey), ConsoleTransport(page, stack, jid, base(stack)))
    departed = await stack.wait_for(jid, lambda j: j["phase"] == "placement")
    assert dict((s["step"], s["state"]) for s in departed["steps"])["departure"] == "completed"
    await page.goto(f"{base(stack)}/console/journeys/{jid}")
    assert "Penempatan" in await page.locator(".facts").inner_text()  # the phase, placement
    await page.screenshot(path=str(SCREENSHOTS / "console-journey.png"), full_page=True)
    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    await phone.context.add_cookies(await page.context.cookies())
    await phone.goto(f"{base(stack)}/console/journeys/{jid}")
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the journey page is {width} px wide on a phone"
    await phone.screenshot(path=str(SCREENSHOTS / "console-journey-phone.png"), full_page=False)


async def test_the_sign_in_page_and_the_worklist_on_a_phone(stack: Stack, browser):  # noqa: F811
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(f"{base(stack)}/console")
    assert page.url.endswith("/console/sign-in")
    await page.screenshot(path=str(SCREENSHOTS / "console-sign-in.png"))
    phone = await signed_in(browser, stack, "officer-33", 390, 844)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the worklist is {width} px wide on a phone"
    await phone.screenshot(path=str(SCREENSHOTS / "console-worklist-phone.png"), full_page=True)


async def test_a_stale_form_shows_the_conflict_and_another_province_sees_nothing(stack: Stack, browser):  # noqa: F811
    jid = await started(stack)
    page = await signed_in(browser, stack, "officer-33")
    await page.goto(f"{base(stack)}/console/journeys/{jid}")
    await page.locator("#step-family_consent summary", has_text="Tolak").click()
    reject = page.locator("#form-reject-family_consent")
    await reject.get_by_label("Alasan").fill("Tanda tangan ayah tidak ada")
    # A colleague completes another step meanwhile.
    body = {"evidence": {"employer_name": "Wong Family", "offer_ref": "OF-4"}}
    r = await stack.api.post(f"/v1/journeys/{jid}/steps/job_selection/complete", json=body, headers=stack.auth())
    assert r.status_code == 200, r.text
    await reject.get_by_role("button").click()
    conflict = page.locator(".conflict")
    await conflict.wait_for()
    assert "Orang lain" in await conflict.inner_text()
    assert await page.locator("#form-reject-family_consent").get_by_label("Alasan").input_value() == (
        "Tanda tangan ayah tidak ada"
    )
    await page.screenshot(path=str(SCREENSHOTS / "console-conflict.png"), full_page=False)

    east = await signed_in(browser, stack, "officer-35")
    answer = await east.goto(f"{base(stack)}/console/journeys/{jid}")
    assert answer.status == 404 and "Tidak ditemukan" in await east.locator("h1").inner_text()
