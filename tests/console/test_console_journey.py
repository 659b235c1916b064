"""The console's journey pages over HTTP on the running stack (issue 10, items 4 and 5): starting a
journey from the form with the API's errors next to their fields, finding a worker by NIK without the
NIK in a URL, the journey page, its action forms with inline errors, a stale form's conflict keeping
what was typed, another province's officer answered "not found", and the personal data revealed to
a supervisor only and logged."""

import re

import httpx

from api.console.forms import LABELS
from domain.regions import province_timezone
from tests.api.conftest import stack  # noqa: F401  (the fixture: the running engine, per database)
from tests.api.stack import Stack, new_nik, step_is
from tests.console.pages import Person, csrf, forms
from tests.polling import eventually

WIB = province_timezone("33")


def start_form(nik: str, **overrides: str) -> dict[str, str]:
    typed = {
        "worker.nik": nik,
        "worker.full_name": "Siti Rahayu",
        "worker.birth_date": "1995-01-15",
        "worker.gender": "F",
        "worker.phone": "+6281234567890",
        "worker.province_code": "33",
        "scheme": "INDEPENDENT",
        "destination_country": "TW",
    }
    return {**typed, **overrides}


async def start_from_the_form(officer: Person, nik: str) -> str:
    page = await officer.get("/console/start")
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    r = await officer.client.post("/console/start", data={"csrf": csrf(page.text), "token": token, **start_form(nik)})
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


async def test_the_start_form_shows_the_apis_errors_next_to_their_fields_and_keeps_what_was_typed(stack: Stack):  # noqa: F811
    async with Person(str(stack.api.base_url)) as officer:
        await officer.sign_in("officer-33")
        page = await officer.get("/console/start")
        # The codes the form asks for are suggested from the reference data (the API still checks them).
        assert 'list="start-job_order_id-list"' in page.text and '<option value="JO-2026-0042">' in page.text
        assert '<option value="P3MI-0007">' in page.text and '<option value="TW">' in page.text
        typed = start_form("12345", **{"worker.full_name": ""})
        r = await officer.client.post("/console/start", data={"csrf": csrf(page.text), **typed})
        assert r.status_code == 422
        # Each bad field is marked where it is, with what was typed still in it.
        nik = re.search(r'<div class="field invalid">\s*<label for="start-worker-nik">.*?</div>', r.text, re.S)
        assert nik and 'value="12345"' in nik.group(0) and 'aria-invalid="true"' in nik.group(0)
        name = re.search(r'<div class="field invalid">\s*<label for="start-worker-full_name">.*?</div>', r.text, re.S)
        assert name and "wajib" in name.group(0)  # "This field is required", in Indonesian
        assert 'value="Siti Rahayu"' not in r.text and 'value="+6281234567890"' in r.text

        jid = await start_from_the_form(officer, new_nik())
        assert jid.startswith("j_")


async def test_an_officer_completes_a_step_from_its_form_and_a_bad_field_is_named_inline(stack: Stack):  # noqa: F811
    nik = new_nik()
    async with Person(str(stack.api.base_url)) as officer:
        await officer.sign_in("officer-33")
        jid = await start_from_the_form(officer, nik)
        await stack.wait_for(jid, step_is("family_consent", "available"))
        page = await officer.get(f"/console/journeys/{jid}")
        assert page.status_code == 200
        assert nik not in page.text and nik[:4] in page.text  # the masked NIK only
        assert "<svg" in page.text and 'class="node available"' in page.text  # the step graph
        assert "Perjalanan dimulai" in page.text  # the timeline's first event, in Indonesian

        refused = await officer.submit(page, "form-complete-family_consent", **{"evidence.consent_ref": "FC-77"})
        assert refused.status_code == 422
        marked = r'<div class="field invalid">\s*<label for="complete-family_consent-evidence-village">'
        village = re.search(marked, refused.text)
        assert village and 'value="FC-77"' in refused.text

        typed = {"evidence.consent_ref": "FC-77", "evidence.village": "Sumberejo"}
        done = await officer.submit(refused, "form-complete-family_consent", **typed)
        assert done.status_code == 303 and done.headers["location"].endswith("?done=complete")
        journey = await stack.wait_for(jid, step_is("family_consent", "completed"))
        [step] = [s for s in journey["steps"] if s["step"] == "family_consent"]
        assert step["evidence"] == {"consent_ref": "FC-77", "village": "Sumberejo"}
        assert journey["steps"] and (await officer.get(done.headers["location"])).status_code == 200


async def test_a_stale_form_says_someone_else_changed_the_journey_and_keeps_what_was_typed(stack: Stack):  # noqa: F811
    async with Person(str(stack.api.base_url)) as officer:
        await officer.sign_in("officer-33")
        jid = await start_from_the_form(officer, new_nik())
        await stack.wait_for(jid, step_is("family_consent", "available"))
        page = await officer.get(f"/console/journeys/{jid}")
        # Meanwhile a colleague completes another step through the API.
        body = {"evidence": {"employer_name": "Lin Family", "offer_ref": "OFFER-9"}}
        r = await stack.api.post(f"/v1/journeys/{jid}/steps/job_selection/complete", json=body, headers=stack.auth())
        assert r.status_code == 200, r.text
        stale = await officer.submit(page, "form-reject-family_consent", reason="Tanda tangan tidak terbaca")
        assert stale.status_code == 409
        assert 'class="conflict"' in stale.text and "Tanda tangan tidak terbaca" in stale.text
        # The page is the journey as it is now: sent again, the same form goes through.
        fresh = forms(stale.text)["form-reject-family_consent"]
        assert int(fresh.hidden["expected_version"]) == r.json()["version"]
        again = await officer.submit(stale, "form-reject-family_consent", reason="Tanda tangan tidak terbaca")
        assert again.status_code == 303, again.text


async def test_another_provinces_officer_gets_not_found_and_the_nik_is_found_from_a_form_body(stack: Stack):  # noqa: F811
    nik = new_nik()
    async with Person(str(stack.api.base_url)) as officer, Person(str(stack.api.base_url)) as east:
        await officer.sign_in("officer-33")
        jid = await start_from_the_form(officer, nik)
        page = await officer.get("/console/worklist")

        async def find() -> httpx.Response:
            return await officer.client.post("/console/find", data={"csrf": csrf(page.text), "query": nik})

        # The search reads the read model, which the journey reaches once its first task has run.
        found = await eventually(find, lambda r: jid in r.text, what="the journey found by NIK")
        assert found.status_code == 200 and nik not in str(found.url)
        by_id = await officer.client.post("/console/find", data={"csrf": csrf(page.text), "query": jid})
        assert by_id.status_code == 303 and by_id.headers["location"] == f"/console/journeys/{jid}"

        await east.sign_in("officer-35")
        other = await east.get(f"/console/journeys/{jid}")
        assert other.status_code == 404 and "Tidak ditemukan" in other.text and "Siti" not in other.text
        east_page = await east.get("/console/worklist")
        nothing = await east.client.post("/console/find", data={"csrf": csrf(east_page.text), "query": nik})
        assert nothing.status_code == 200 and jid not in nothing.text
        no_csrf = await east.client.post("/console/find", data={"query": nik})
        assert no_csrf.status_code == 403


async def test_a_supervisor_reveals_the_personal_data_and_the_reading_is_in_the_access_log(stack: Stack):  # noqa: F811
    nik = new_nik()
    async with Person(str(stack.api.base_url)) as officer, Person(str(stack.api.base_url)) as supervisor:
        await officer.sign_in("officer-33")
        jid = await start_from_the_form(officer, nik)
        assert "form-reveal" not in (await officer.get(f"/console/journeys/{jid}")).text
        await supervisor.sign_in("supervisor-33")
        page = await supervisor.get(f"/console/journeys/{jid}")
        assert nik not in page.text
        shown = await supervisor.submit(page, "form-reveal")
        assert shown.status_code == 200 and nik in shown.text
        r = await stack.api.get("/v1/audit/access-log", params={"journey_id": jid}, headers=stack.auth("auditor", "*"))
        reads = [e for e in r.json()["items"] if e["sub"] == "supervisor-33" and e["through"] == "personal_data"]
        assert reads, r.json()


def test_every_field_of_every_form_has_a_label():
    from api.console.forms import fields_of
    from api.console.journeys import CASE_FIELDS, FOLLOW_UP_FIELDS, START_FIELDS
    from domain.employment import EMPLOYMENT_MODELS
    from domain.evidence import EVIDENCE_MODELS, EmployerOffer, JobOrderSelection

    models = [*EVIDENCE_MODELS.values(), EmployerOffer, JobOrderSelection, *EMPLOYMENT_MODELS.values()]
    names = {fld.name.rsplit(".", 1)[-1] for model in models for fld in fields_of(model)}
    names |= {fld.name.rsplit(".", 1)[-1] for fld in CASE_FIELDS + FOLLOW_UP_FIELDS + START_FIELDS}
    assert names <= set(LABELS), names - set(LABELS)
