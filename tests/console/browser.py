"""What the browser tests share (issue 10, item 9): Playwright driving Debian's Chromium on the
running stack. Nothing is downloaded: without `chromium` on the PATH the tests are skipped, and CI
(`.ci/run`) installs it and fails if they were. The tests are in three files so that pytest-xdist
spreads them over its workers."""

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.journey_driver import Report
from domain.regions import province_timezone
from tests.api.stack import Stack, new_nik, step_is
from tests.console.pages import local_input

CHROMIUM = shutil.which("chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIB = province_timezone("33")
BROWSER_TESTS = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium): browser tests skipped"
    ),
    # What the browser sees does not depend on the database: the console's pages are tested on both
    # over HTTP (test_console_journey.py, test_console_cases.py), the browser drives them on SQLite.
    pytest.mark.parametrize("stack", ["sqlite"], indirect=True),
]


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            await launched.close()


def base(running: Stack) -> str:
    return str(running.api.base_url).rstrip("/")


async def signed_in(browser: Any, running: Stack, person: str, width: int = 1280, height: int = 800) -> Any:
    """A new browser window signed in as `person` with the keyboard alone: the person's radio button,
    Tab to the button, Enter."""
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(f"{base(running)}/console")
    radio = page.locator(f'input[name="person"][value="{person}"]')
    await radio.focus()
    await page.keyboard.press("Space")
    await page.locator('form[action="/console/sign-in"] button').focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/worklist")
    return page


async def fill(form: Any, name: str, value: Any, zone: Any = WIB) -> None:
    """Type `value` into the form's field `name` as a person would: a local time into a date-time
    field, each item of a list ticked or written on its own line."""
    field = form.locator(f'[name="{name}"]')
    if await field.count() > 1 or await field.first.get_attribute("type") == "checkbox":
        for item in value if isinstance(value, list) else [value]:
            await form.locator(f'[name="{name}"][value="{item}"]').check()
        return
    tag = await field.evaluate("e => e.tagName.toLowerCase()")
    kind = await field.get_attribute("type")
    if tag == "select":
        await field.select_option(str(value))
    elif tag == "textarea" and isinstance(value, list):
        await field.fill("\n".join(value))
    elif kind == "datetime-local":
        await field.fill(local_input(str(value), zone))
    else:
        await field.fill(str(value))
        if await field.get_attribute("list"):
            await field.press("Tab")  # on to the next field, as a person does: the suggestions close


@dataclass
class ConsoleTransport:
    """The journey driver's moves as an officer's clicks in the console: each step completed from
    its form on the journey page."""

    page: Any
    stack: Stack
    journey_id: str
    base: str

    async def complete(self, step: str, evidence: dict[str, Any]) -> None:
        await self.page.goto(f"{self.base}/console/journeys/{self.journey_id}")
        form = self.page.locator(f"#form-complete-{step}")
        if await form.count() == 0:  # a registry's answer completed it meanwhile
            await self.stack.wait_for(self.journey_id, step_is(step, "completed", "waived"))
            return
        await self.page.locator(f"#step-{step} summary").first.click()
        for name, value in evidence.items():
            await fill(form, f"evidence.{name}", value)
        async with self.page.expect_navigation():
            await form.locator('button[type="submit"]').click()
        if "done=complete" in self.page.url:
            return
        errors = await self.page.locator(".error").all_inner_texts()
        # A registry's answer may complete the step between the page and the click: then the page
        # says the step cannot be done any more, and it is done.
        if errors and step_is(step, "completed")(await self.stack.journey(self.journey_id)):
            return
        raise AssertionError(f"{step} was refused: {errors}")

    async def report(self, report: Report) -> None:
        raise AssertionError("the officer completes every step herself")

    async def await_step(self, step: str) -> None:
        await self.stack.wait_for(self.journey_id, step_is(step, "completed"))


async def started(running: Stack) -> str:
    """A journey of Central Java started through the API, its first steps open."""
    body = {
        "worker": {"nik": new_nik(), "full_name": "Ani Lestari", "birth_date": "1994-07-09", "gender": "F",
                   "province_code": "33"},
        "scheme": "INDEPENDENT",
        "destination_country": "HK",
    }  # fmt: skip
    r = await running.api.post("/v1/journeys", json=body, headers=running.auth())
    assert r.status_code == 201, r.text
    jid = r.json()["journey_id"]
    await running.wait_for(jid, step_is("family_consent", "available"))
    return jid


# Every control a person can reach has a label (its own <label>, or an aria-label), and no page is
# wider than a phone's screen.
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
    .filter(e => !(e.tagName === 'BUTTON' && e.textContent.trim()))
    .map(e => e.outerHTML.slice(0, 120))"""
