"""Security headers on every response, errors included; a Content-Security-Policy for the docs' HTML."""

from tests.api.conftest import bearer

EVERYWHERE = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


def _has_them(response) -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (response.request.url, name)


async def test_every_response_carries_the_security_headers(client, api_settings):
    responses = [
        await client.get("/healthz"),
        await client.get("/v1/journeys"),  # 401
        await client.get("/v1/journeys", headers=bearer(api_settings)),  # 200 from the store
        await client.get("/nowhere"),  # 404
        await client.post("/v1/journeys", content=b"x" * (1024 * 1024 + 1), headers=bearer(api_settings)),  # 413
        await client.get("/openapi.json"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 200, 404, 413, 200]
    for response in responses:
        _has_them(response)
        assert "content-security-policy" not in response.headers


async def test_the_docs_html_has_a_content_security_policy(client):
    for path in ("/docs", "/redoc"):
        r = await client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        _has_them(r)
        policy = r.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "connect-src 'self'" in policy


async def test_a_page_with_its_own_policy_keeps_it(client):
    r = await client.get("/codec/session")
    _has_them(r)
    assert r.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
