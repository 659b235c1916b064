"""The console's production sign-in (issue 10, item 2): OpenID Connect, authorization code with PKCE,
against an identity provider the test serves (`tests.console.idp`). The role and region come from the
configured claims; a token with the wrong nonce, audience or signature, a forged state, or an account
without a role is refused; in production the development sign-in is off and the cookie is `Secure`."""

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from api.app import create_app
from api.console.session import COOKIE
from simulator.server import serve_in_background
from tests.api.conftest import api_settings  # noqa: F401  (the fixture)
from tests.console.idp import IdentityProvider

CALLBACK = "https://console.example/console/oidc/callback"
SIT = {"sub": "u-1001", "name": "Siti Aminah", "bp3mi_role": "officer", "bp3mi_province": "33"}


@pytest.fixture
async def signing_in(api_settings) -> AsyncIterator[tuple[httpx.AsyncClient, IdentityProvider]]:  # noqa: F811
    idp = IdentityProvider("pmi-console", "console-secret", CALLBACK)
    async with serve_in_background(idp.app()) as issuer:
        settings = api_settings.model_copy(
            update={
                "env": "production",
                "jwt_secret": "a-production-secret-for-the-test-only",
                "oidc_issuer": issuer,
                "oidc_client_id": "pmi-console",
                "oidc_client_secret": "console-secret",
                "oidc_redirect_url": CALLBACK,
                "oidc_role_claim": "bp3mi_role",
                "oidc_region_claim": "bp3mi_province",
            }
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://console.example") as console:
                yield console, idp


async def sign_in(console: httpx.AsyncClient, idp: IdentityProvider, person: dict) -> httpx.Response:
    """The browser's part: to the identity provider and back to the callback."""
    idp.next_person = person
    started = await console.get("/console/oidc/login")
    assert started.status_code == 303
    async with httpx.AsyncClient() as browser:
        at_idp = await browser.get(started.headers["location"])
    assert at_idp.status_code == 302, at_idp.text
    back = urlparse(at_idp.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return await console.get(f"{back.path}?{back.query}")


async def test_an_officer_signs_in_with_openid_connect_and_pkce(signing_in):
    console, idp = signing_in
    page = await console.get("/console/sign-in")
    assert page.status_code == 200 and "/console/oidc/login" in page.text and "Siti Aminah" not in page.text
    assert (await console.post("/console/sign-in", data={"person": "officer-33"})).status_code == 404
    signed = await sign_in(console, idp, SIT)
    assert signed.status_code == 303 and signed.headers["location"] == "/console/worklist"
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    worklist = await console.get("/console/worklist")
    assert worklist.status_code == 200 and "Siti Aminah" in worklist.text and "· 33" in worklist.text
    asked = idp.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["scope"] == "openid profile" and asked["nonce"] and asked["state"]
    assert "code_verifier" not in asked  # the verifier never leaves the console but to the token endpoint


@pytest.mark.parametrize("tamper", ["nonce", "audience", "signature"])
async def test_an_id_token_that_does_not_hold_is_refused(signing_in, tamper):
    console, idp = signing_in
    idp.tamper = tamper
    refused = await sign_in(console, idp, SIT)
    assert refused.status_code == 403 and COOKIE not in refused.headers.get("set-cookie", "")
    assert (await console.get("/console/worklist")).status_code == 303  # still to the sign-in


async def test_a_forged_state_or_an_account_without_a_role_is_refused(signing_in):
    console, idp = signing_in
    idp.next_person = SIT
    started = await console.get("/console/oidc/login")
    async with httpx.AsyncClient() as browser:
        at_idp = await browser.get(started.headers["location"])
    query = parse_qs(urlparse(at_idp.headers["location"]).query)
    forged = await console.get("/console/oidc/callback", params={"code": query["code"][0], "state": "forged"})
    assert forged.status_code == 403
    no_role = await sign_in(console, idp, {"sub": "u-2", "name": "Someone", "bp3mi_province": "33"})
    assert no_role.status_code == 403
    bad_region = await sign_in(console, idp, {**SIT, "bp3mi_province": "Jawa Tengah"})
    assert bad_region.status_code == 403
