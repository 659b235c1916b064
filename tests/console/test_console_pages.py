"""The console's pages over HTTP (issue 10, first part): signing in, the cookie, CSRF, the headers, and
a worklist that holds the signed-in person's region only."""

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.console.session import COOKIE
from domain.contracts import JourneyProjection
from store.read_model import JourneyReadModel
from tests.api.conftest import api_settings  # noqa: F401  (the fixture)

T = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _journey(n: int, province: str) -> JourneyProjection:
    jid = f"j_{n:026d}"
    steps = [{"step": "registration", "state": "completed"}, {"step": "family_consent", "state": "available"}]
    document = {"journey_id": jid, "scheme": "G2G", "destination_country": "KR", "steps": steps, "flags": []}
    document["worker"] = {"nik_masked": f"{province}74********000{n}", "province_code": province}
    return JourneyProjection(
        journey_id=jid, status="active", outcome=None, phase="pre_departure", scheme="G2G",
        province_code=province, destination_country="KR", p3mi_id=None, flags=[],
        available_steps=["family_consent"], version=2, started_at=T, updated_at=T, document=document,
    )  # fmt: skip


@pytest.fixture
async def console(api_settings):  # noqa: F811
    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        model = JourneyReadModel(app.state.services.engine)
        await model.upsert(_journey(1, "33"))
        await model.upsert(_journey(2, "35"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            yield client, app


async def _sign_in(client: httpx.AsyncClient, person: str) -> httpx.Response:
    return await client.post("/console/sign-in", data={"person": person})


async def test_the_console_asks_who_signs_in_and_sends_a_signed_httponly_cookie(console):
    client, _ = console
    r = await client.get("/console")
    assert r.status_code == 303 and r.headers["location"] == "/console/sign-in"
    page = await client.get("/console/sign-in")
    assert page.status_code == 200 and "Siti Aminah" in page.text and 'lang="id"' in page.text
    signed = await _sign_in(client, "officer-33")
    assert signed.status_code == 303 and signed.headers["location"] == "/console/worklist"
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development; production sets it


async def test_every_page_forbids_inline_script(console):
    client, _ = console
    page = await client.get("/console/sign-in")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in page.text and "onclick" not in page.text


async def test_the_worklist_holds_the_region_of_the_person_signed_in(console):
    client, _ = console
    await _sign_in(client, "officer-33")
    page = await client.get("/console/worklist")
    assert page.status_code == 200
    assert "j_" + "0" * 25 + "1" in page.text and "Izin keluarga" in page.text  # family_consent waits
    assert "j_" + "0" * 25 + "2" not in page.text  # East Java's
    partial = await client.get("/console/worklist", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text and "Izin keluarga" in partial.text
    everyone = httpx.AsyncClient(transport=client._transport, base_url="http://console")
    async with everyone:
        await _sign_in(everyone, "auditor-1")
        page = await everyone.get("/console/worklist")
        assert "j_" + "0" * 25 + "2" in page.text


async def test_a_forged_or_absent_cookie_signs_nobody_in(console):
    client, _ = console
    client.cookies.set(COOKIE, "forged.value.sig", path="/console")
    r = await client.get("/console/worklist")
    assert r.status_code == 303 and r.headers["location"] == "/console/sign-in"


async def test_signing_out_needs_the_forms_csrf_token(console):
    client, _ = console
    await _sign_in(client, "officer-33")
    refused = await client.post("/console/sign-out", data={"csrf": "not-the-token"})
    assert refused.status_code == 403
    assert (await client.get("/console/worklist")).status_code == 200  # still signed in
    page = (await client.get("/console/worklist")).text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    out = await client.post("/console/sign-out", data={"csrf": token})
    assert out.status_code == 303
    assert (await client.get("/console/worklist")).status_code == 303


async def test_the_development_sign_in_is_off_in_production(api_settings):  # noqa: F811
    settings = api_settings.model_copy(update={"env": "production"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client:
            assert (await client.get("/console/sign-in")).status_code == 404
            assert (await _sign_in(client, "officer-33")).status_code == 404


async def test_the_pages_speak_indonesian_until_english_is_chosen(console):
    client, _ = console
    await _sign_in(client, "officer-33")
    page = await client.get("/console/worklist")
    assert 'lang="id"' in page.text and "Daftar kerja" in page.text and "Izin keluarga" in page.text
    chosen = await client.post("/console/language", data={"language": "en", "next": "/console/worklist"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/console/worklist"
    page = await client.get("/console/worklist")
    assert 'lang="en"' in page.text and "Worklist" in page.text and "Family consent" in page.text
    # Somewhere else than the console is not where the choice sends anyone.
    away = await client.post("/console/language", data={"language": "id", "next": "https://elsewhere.example/"})
    assert away.headers["location"] == "/console"


def test_the_indonesian_catalog_translates_every_text_of_the_console():
    """Every text marked in the console's code and templates (what `make messages` extracts) has its
    Indonesian translation: a page can never show English to an officer who did not ask for it."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    from api.console.i18n import LOCALE_DIR

    root = Path(__file__).resolve().parents[2]
    with (root / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    extracted = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(root, method_map, options_map, keywords={"_": None, "N_": None, "ngettext": (1, 2)})
    }
    with (LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="id")
    untranslated = sorted(m for m in extracted if not (catalog.get(m) and catalog.get(m).string))
    assert len(extracted) > 200 and not untranslated, untranslated


async def test_the_worklist_pages_counts_and_filters_what_waits(console):
    from datetime import timedelta

    from store.cases import CaseReadModel
    from tests.store.test_cases import projection as case_projection

    client, app = console
    model = JourneyReadModel(app.state.services.engine)
    for n in range(3, 63):  # sixty more in Central Java, each with family consent waiting
        await model.upsert(_journey(n, "33"))
    due = datetime.now(UTC) - timedelta(hours=1)
    case = case_projection("c_01", journey_id=_journey(3, "33").journey_id, first_response_due_at=due)
    await CaseReadModel(app.state.services.engine).upsert(case)
    await _sign_in(client, "officer-33")
    first = await client.get("/console/worklist")
    assert first.status_code == 200
    assert "<strong>62</strong> menunggu" in first.text and "<strong>1</strong> terlambat" in first.text
    rows = first.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert rows == 50 and "Halaman berikutnya" in first.text
    # The case is overdue: it comes first.
    assert first.text.index("/console/cases/c_01") < first.text.index("/console/journeys/j_")
    second = await client.get("/console/worklist?page=2")
    assert second.text.split("<tbody>", 1)[1].count("<tr>") == 12 and "Halaman sebelumnya" in second.text
    only_cases = await client.get("/console/worklist?kind=case")
    assert only_cases.text.split("<tbody>", 1)[1].count("<tr>") == 1
    by_step = await client.get("/console/worklist?step=passport")
    assert "Tidak ada yang menunggu." in by_step.text
    bad = await client.get("/console/worklist?kind=everything")
    assert bad.status_code == 422 and "<html" in bad.text  # a page, not JSON


def test_an_empty_label_is_never_the_catalogs_header():
    from api.console import i18n

    with i18n.speaking("id"):
        assert i18n.gettext("") == "" and i18n.gettext("Worklist") == "Daftar kerja"
