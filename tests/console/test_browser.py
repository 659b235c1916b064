"""The console in a real browser (issue 10, item 9): Playwright driving Debian's Chromium on the
running stack. Nothing is downloaded: without `chromium` on the PATH these tests are skipped, and CI
(`.ci/run`) installs it and fails if they were."""

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.journey_driver import Journey, Report, drive, to_departure
from domain.regions import province_timezone
from tests.api.conftest import stack  # noqa: F401  (the fixture: the running engine, per database)
from tests.api.stack import Stack, new_nik, step_is
from tests.console.pages import local_input
from tests.polling import eventually

CHROMIUM = shutil.which("chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIB = province_timezone("33")
pytestmark = [
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


async def test_a_supervisor_waives_a_step_and_escalates_a_case(stack: Stack, browser):  # noqa: F811
    jid = await started(stack)
    page = await signed_in(browser, stack, "supervisor-33")
    await page.goto(f"{base(stack)}/console/journeys/{jid}")
    row = page.locator("#step-competency_training")
    await stack.wait_for(jid, step_is("job_selection", "available"))
    body = {"evidence": {"employer_name": "Wong Family", "offer_ref": "OF-3"}}
    r = await stack.api.post(f"/v1/journeys/{jid}/steps/job_selection/complete", json=body, headers=stack.auth())
    assert r.status_code == 200, r.text
    await page.reload()
    await row.locator("summary", has_text="Kecualikan").click()
    waive = page.locator("#form-waive-competency_training")
    await waive.get_by_label("Alasan").fill("Sertifikat keahlian dari negara tujuan diakui")
    await waive.get_by_role("button").click()
    await page.wait_for_url("**done=waive")
    assert "dikecualikan" in await page.locator("#step-competency_training").inner_text()
    await stack.wait_for(jid, step_is("competency_training", "waived"))

    await page.locator("summary", has_text="Buka kasus pelindungan").click()
    case_form = page.locator("#form-case")
    await case_form.get_by_label("Jenis kasus").select_option("violence")
    await case_form.get_by_label("Apa yang terjadi").fill("Pekerja melapor dipukul majikan")
    await case_form.get_by_label("Dilaporkan melalui").select_option("hotline")
    await case_form.get_by_role("button").click()
    await page.wait_for_url("**/console/cases/c_*")
    assert "Respons pertama jatuh tempo dalam" in await page.locator("#countdown").inner_text()
    await page.locator("summary", has_text="Eskalasi").click()
    escalate = page.locator("#form-escalate")
    await escalate.get_by_label("Eskalasi ke").select_option("rapid_response_team")
    await escalate.get_by_role("button").click()
    await page.wait_for_url("**done=escalate")
    assert "Dieskalasi ke tim reaksi cepat" in await page.locator("#countdown").inner_text()
    await page.screenshot(path=str(SCREENSHOTS / "console-case.png"), full_page=True)
    await page.goto(f"{base(stack)}/console/cases")
    await page.screenshot(path=str(SCREENSHOTS / "console-cases.png"), full_page=True)


async def test_an_auditor_views_a_past_state_and_verifies(stack: Stack, browser):  # noqa: F811
    jid = await started(stack)
    body = {"evidence": {"consent_ref": "FC-5", "village": "Kaliwungu"}}
    r = await stack.api.post(f"/v1/journeys/{jid}/steps/family_consent/complete", json=body, headers=stack.auth())
    assert r.status_code == 200, r.text
    page = await signed_in(browser, stack, "auditor-1")
    await page.goto(f"{base(stack)}/console/journeys/{jid}")
    await page.get_by_role("link", name="Audit: keadaan terdahulu dan verifikasi").click()
    await page.wait_for_url(f"**/console/journeys/{jid}/audit")
    # The journey after its first event: family consent was still waiting then.
    await page.get_by_label("Setelah peristiwa nomor").fill("1")
    await page.locator("#form-as-of button").click()
    await page.wait_for_url("**audit?seq=1")
    then = await page.locator("table.steps").inner_text()
    assert "Izin keluarga" in then and "selesai" not in then.split("Izin keluarga", 1)[1].split("\n", 1)[0]
    await page.screenshot(path=str(SCREENSHOTS / "console-audit.png"), full_page=True)
    await page.locator("#form-verify button").click()
    await page.wait_for_url(f"**/console/journeys/{jid}/verify")
    assert "Terverifikasi." in await page.locator("main").inner_text()
    await page.screenshot(path=str(SCREENSHOTS / "console-verify.png"), full_page=True)
    async with page.expect_download() as download:
        await page.goto(f"{base(stack)}/console/journeys/{jid}/audit")
        await page.get_by_role("link", name="Unduh ekspor bertanda tangan").click()
    assert (await download.value).suggested_filename == f"{jid}-export.json"


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


# Every control a person can reach has a label (its own <label>, or an aria-label), and no page is
# wider than a phone's screen.
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
    .filter(e => !(e.tagName === 'BUTTON' && e.textContent.trim()))
    .map(e => e.outerHTML.slice(0, 120))"""


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
