"""`pmi token` prints a JWT the API accepts: HS256 with the configured secret and every claim."""

import time

import jwt
import pytest

from cli.main import main
from config import get_settings


def test_token_decodes_with_the_configured_secret_and_carries_every_claim(capsys):
    argv = ["token", "--sub", "officer-17", "--role", "officer", "--region", "33", "--ttl-hours", "2"]
    assert main(argv) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, get_settings().jwt_secret, algorithms=["HS256"])
    assert claims["sub"] == "officer-17"
    assert claims["role"] == "officer"
    assert claims["region"] == "33"
    assert 2 * 3600 - 60 <= claims["exp"] - time.time() <= 2 * 3600 + 5


def test_token_defaults_to_eight_hours(capsys):
    main(["token", "--sub", "auditor-1", "--role", "auditor", "--region", "*"])
    claims = jwt.decode(capsys.readouterr().out.strip(), get_settings().jwt_secret, algorithms=["HS256"])
    assert claims["region"] == "*"
    assert abs(claims["exp"] - time.time() - 8 * 3600) < 60


def test_token_refuses_an_unknown_role():
    with pytest.raises(SystemExit):
        main(["token", "--sub", "x", "--role", "root", "--region", "33"])
