"""`pmi audit new-keyring`: the first signing key of a deployment, never over an existing one."""

import json
import stat

from cli.main import main
from domain.audit_signing import key_id_of
from store.keyring import KeyringFile


def test_new_keyring_creates_an_owner_only_keyring_once(tmp_path, capsys):
    path = tmp_path / "keys" / "audit-keyring.json"
    assert main(["audit", "new-keyring", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ring = KeyringFile(path, create=False).load()
    out = capsys.readouterr().out
    assert ring.key_id in out and ring.current.public_key in out
    assert key_id_of(ring.current.public_key) == ring.key_id

    before = path.read_bytes()
    assert main(["audit", "new-keyring", str(path)]) == 2
    assert path.read_bytes() == before  # the existing key is never replaced
    assert "rotate-key" in capsys.readouterr().err
    assert json.loads(before)["keys"][0]["key_id"] == ring.key_id
