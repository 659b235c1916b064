"""A minimal OpenID Connect identity provider for the tests, served over real HTTP the way the
simulator stands in for the government systems: discovery, an authorization endpoint that signs in
whoever the test says (`next_person`) without a login page, a token endpoint that holds the client
to its redirect URI and to PKCE (S256), and its signing keys. ID tokens are RS256 JWTs (joserfc)."""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class IdentityProvider:
    client_id: str
    client_secret: str
    redirect_uri: str
    next_person: dict[str, Any] = field(default_factory=dict)  # the claims of whoever signs in next
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    tamper: str | None = None  # "nonce" | "audience" | "signature": the next ID token is wrong so

    def app(self) -> FastAPI:
        app = FastAPI()

        def base(request: Request) -> str:
            return str(request.base_url).rstrip("/")

        @app.get("/.well-known/openid-configuration")
        async def discovery(request: Request) -> dict[str, Any]:
            return {
                "issuer": base(request),
                "authorization_endpoint": f"{base(request)}/authorize",
                "token_endpoint": f"{base(request)}/token",
                "jwks_uri": f"{base(request)}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            return KeySet([self.key]).as_dict(private=False)

        @app.get("/authorize")
        async def authorize(request: Request) -> Any:
            q = dict(request.query_params)
            self.authorize_requests.append(q)
            if q.get("client_id") != self.client_id or q.get("redirect_uri") != self.redirect_uri:
                return JSONResponse({"error": "invalid_client"}, status_code=400)
            if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            code = secrets.token_urlsafe(24)
            self.codes[code] = {"challenge": q["code_challenge"], "nonce": q.get("nonce"), "issuer": base(request),
                                "person": dict(self.next_person)}  # fmt: skip
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

        @app.post("/token")
        async def token(
            request: Request,
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(""),
        ) -> Any:
            auth = request.headers.get("authorization", "")
            expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if auth != expected:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            grant = self.codes.pop(code, None)  # a code is good once
            if grant is None or grant_type != "authorization_code" or redirect_uri != self.redirect_uri:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=")
            if challenge.decode() != grant["challenge"]:
                return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
            now = int(time.time())
            claims = {"iss": grant["issuer"], "aud": self.client_id, "iat": now, "exp": now + 300,
                      "nonce": grant["nonce"], **grant["person"]}  # fmt: skip
            key = self.key
            if self.tamper == "nonce":
                claims["nonce"] = "another"
            elif self.tamper == "audience":
                claims["aud"] = "another-client"
            elif self.tamper == "signature":
                key = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
            self.tamper = None
            id_token = jwt.encode({"alg": "RS256", "kid": "idp-1"}, claims, key)
            return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token}

        return app
