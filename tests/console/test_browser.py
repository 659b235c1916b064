"""The console in a real browser (issue 10, item 9): Playwright driving Debian's Chromium on the
running stack. Nothing is downloaded: without `chromium` on the PATH these tests are skipped, and CI
(`.ci/run`) installs it and fails if they were."""

import shutil
from pathlib import Path

import pytest

from tests.api.conftest import stack  # noqa: F401  (the fixture: the running engine, per database)
from tests.api.stack import Stack, new_nik
from tests.api.test_e2e_journey import start
from tests.polling import eventually

CHROMIUM = shutil.which("chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium): browser tests skipped"
)


async def test_an_officer_signs_in_and_finds_her_journey_in_the_worklist(stack: Stack):  # noqa: F811
    from playwright.async_api import async_playwright

    jid = (await start(stack, new_nik(), None, scheme="G2G"))["journey_id"]
    await stack.wait_for(jid, lambda j: any(s["state"] == "available" for s in j["steps"][1:]))

    async def listed() -> bool:
        r = await stack.api.get("/v1/journeys", params={"province_code": "33", "limit": 500}, headers=stack.auth())
        return jid in r.text

    await eventually(listed, what="the journey in the read model")
    base = str(stack.api.base_url).rstrip("/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            await page.goto(f"{base}/console")
            assert page.url.endswith("/console/sign-in")
            await page.screenshot(path=str(SCREENSHOTS / "console-sign-in.png"))
            # Keyboard alone: the first person is chosen, Tab to the button, Enter.
            await page.get_by_label("Siti Aminah").check()
            await page.get_by_role("button", name="Masuk").focus()
            await page.keyboard.press("Enter")
            await page.wait_for_url("**/console/worklist")
            row = page.get_by_role("row").filter(has_text=jid)
            assert await row.count() == 1
            assert "family_consent" in await row.inner_text()
            await page.screenshot(path=str(SCREENSHOTS / "console-worklist.png"), full_page=True)
            phone = await browser.new_page(viewport={"width": 390, "height": 844})
            await phone.context.add_cookies(await page.context.cookies())
            await phone.goto(f"{base}/console/worklist")
            width = await phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the worklist is {width} px wide on a phone"
            await phone.screenshot(path=str(SCREENSHOTS / "console-worklist-phone.png"), full_page=True)
        finally:
            await browser.close()
