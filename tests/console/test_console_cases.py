"""The console's case pages over HTTP on the running stack (issue 10, item 6): a case opened from the
journey page, its first-response countdown, the actions its state and the person's role allow, a
supervisor's escalation, and the supervisor's queue."""

import re

from tests.api.conftest import stack  # noqa: F401  (the fixture: the running engine, per database)
from tests.api.stack import Stack, new_nik, step_is
from tests.console.pages import Person, forms
from tests.console.test_console_journey import start_from_the_form
from tests.polling import eventually


async def test_a_case_opened_from_the_journey_counts_down_and_a_supervisor_escalates_it(stack: Stack):  # noqa: F811
    async with Person(str(stack.api.base_url)) as officer, Person(str(stack.api.base_url)) as supervisor:
        await officer.sign_in("officer-33")
        jid = await start_from_the_form(officer, new_nik())
        await stack.wait_for(jid, step_is("family_consent", "available"))
        page = await officer.get(f"/console/journeys/{jid}")
        opened = await officer.submit(
            page,
            "form-case",
            case_type="unpaid_wages",
            description="Gaji tiga bulan belum dibayar",
            reported_via="hotline",
        )
        assert opened.status_code == 303 and opened.headers["location"].startswith("/console/cases/c_")
        case_page = await officer.get(opened.headers["location"])
        case_id = opened.headers["location"].rsplit("/", 1)[1]
        assert case_page.status_code == 200 and "Respons pertama jatuh tempo dalam" in case_page.text
        assert "Gaji tiga bulan belum dibayar" in case_page.text
        offered = forms(case_page.text)
        # A reported case is verified first; escalation and closing are a supervisor's.
        assert "form-verify" in offered and "form-resolve" not in offered and "form-escalate" not in offered
        # The countdown refreshes itself: its partial is the countdown alone.
        partial = await officer.client.get(opened.headers["location"], headers={"HX-Request": "true"})
        assert partial.status_code == 200 and "<html" not in partial.text and 'id="countdown"' in partial.text

        verified = await officer.submit(case_page, "form-verify", note="Pekerja dihubungi kembali")
        assert verified.status_code == 303
        case_page = await officer.get(f"/console/cases/{case_id}")
        assert "Respons pertama diberikan tepat waktu" in case_page.text
        assert "form-resolve" in forms(case_page.text)
        # A resolution is required: the refusal names it, and the note typed stays.
        refused = await officer.submit(case_page, "form-resolve", note="Sudah dimediasi")
        assert refused.status_code == 422 and "Sudah dimediasi" in refused.text
        assert re.search(r'<div class="field invalid">\s*<label for="resolve-resolution">', refused.text)

        await supervisor.sign_in("supervisor-33")
        case_page = await supervisor.get(f"/console/cases/{case_id}")
        escalated = await supervisor.submit(
            case_page, "form-escalate", to="rapid_response_team", note="Majikan mengancam"
        )
        assert escalated.status_code == 303
        case_page = await supervisor.get(f"/console/cases/{case_id}")
        assert "Dieskalasi ke tim reaksi cepat" in case_page.text

        async def escalated_in_the_queue() -> str:
            queue = await supervisor.get("/console/cases")
            return queue.text.split("<caption>Dieskalasi (", 1)[1].split("</table>", 1)[0]

        # The queue reads the read model, which the case's workflow updates once it has acted.
        await eventually(escalated_in_the_queue, lambda table: case_id in table, what="the case in the queue")

        r = await stack.api.get(f"/v1/cases/{case_id}", headers=stack.auth("supervisor"))
        assert r.json()["escalated"] is True and r.json()["escalated_to"] == "rapid_response_team"
        assert r.json()["status"] == "verified"


async def test_an_auditor_reads_a_case_but_is_offered_no_action(stack: Stack):  # noqa: F811
    async with Person(str(stack.api.base_url)) as officer, Person(str(stack.api.base_url)) as auditor:
        await officer.sign_in("officer-33")
        jid = await start_from_the_form(officer, new_nik())
        await stack.wait_for(jid, step_is("family_consent", "available"))
        page = await officer.get(f"/console/journeys/{jid}")
        opened = await officer.submit(page, "form-case", case_type="illness", reported_via="officer")
        assert opened.status_code == 303, re.findall(r"class=\"error\"[^<]*<", opened.text)
        await auditor.sign_in("auditor-1")
        case_page = await auditor.get(opened.headers["location"])
        assert case_page.status_code == 200 and not [k for k in forms(case_page.text) if k.startswith("form-")]
