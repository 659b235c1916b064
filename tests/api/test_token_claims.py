"""A token's time claims are numbers and its region is two ASCII digits or `*`: anything else is 401
UNAUTHENTICATED "The token is not valid", never a 500 and never an accepted token."""

import time

import jwt
import pytest


def _token(secret: str, **claims) -> dict:
    base = {"sub": "officer-1", "role": "officer", "region": "33", "exp": int(time.time()) + 600}
    token = jwt.encode({**base, **claims}, secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def _future() -> int:
    return int(time.time()) + 600


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": "123"},
        {"exp": True},
        {"exp": str(_future())},
        {"exp": float(_future()), "iat": True},
        {"iat": str(int(time.time()))},
        {"nbf": "0"},
        {"nbf": False},
    ],
    # Named without the times: each pytest-xdist worker collects at its own moment, and their ids must agree.
    ids=["exp-123", "exp-true", "exp-future-text", "exp-future-iat-true", "iat-now-text", "nbf-0", "nbf-false"],
)
async def test_a_time_claim_that_is_not_a_number_makes_the_token_not_valid(client, api_settings, claims):
    r = await client.get("/v1/journeys", headers=_token(api_settings.jwt_secret, **claims))
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "UNAUTHENTICATED", "message": "The token is not valid"}


# PyJWT 2.15 refuses these shapes itself; with older versions that pyproject allows (>=2.8), `int([1])`
# and `int(None)` raised a TypeError out of `jwt.decode` (a 500). The engine's own check keeps them 401.
@pytest.mark.parametrize(
    "claims",
    [{"exp": [1]}, {"exp": {}}, {"iat": "x"}, {"nbf": None}, {"exp": float("inf")}, {"exp": float("nan")}],
    ids=repr,
)
async def test_a_time_claim_of_any_other_shape_makes_the_token_not_valid(client, api_settings, claims):
    r = await client.get("/v1/journeys", headers=_token(api_settings.jwt_secret, **claims))
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "UNAUTHENTICATED", "message": "The token is not valid"}


@pytest.mark.parametrize("region", ["３３", "٣٣", "३३", "๓๓", "33\n"])
async def test_a_region_claim_in_other_digits_or_with_a_trailing_newline_is_not_valid(client, api_settings, region):
    r = await client.get("/v1/journeys", headers=_token(api_settings.jwt_secret, region=region))
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "The token is not valid"


def test_no_token_is_minted_for_a_region_in_other_digits():
    from api.auth import create_token

    with pytest.raises(ValueError):
        create_token("s" * 32, "officer-1", "officer", "３３")
    with pytest.raises(ValueError):
        create_token("s" * 32, "officer-1", "officer", "33\n")
