"""The console in a real browser (issue 10, item 9): a supervisor and an auditor at work. See
`tests.console.browser`."""

from tests.api.conftest import stack  # noqa: F401  (the fixture: the running engine, per database)
from tests.api.stack import Stack, step_is
from tests.console.browser import (
    BROWSER_TESTS,
    SCREENSHOTS,
    base,
    browser,  # noqa: F401  (the fixture)
    signed_in,
    started,
)

pytestmark = BROWSER_TESTS


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
