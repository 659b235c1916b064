"""`pmi check-identifiers` finds the journeys that the ASCII rule would have refused, in a store it fills
itself (SQLite, and PostgreSQL when PMI_TEST_POSTGRES_URL is set), and never prints an identifier."""

from datetime import date
from pathlib import Path

import pytest

from cli.check_identifiers import check_identifiers, digits_as_ascii
from cli.main import main
from config import DEV_PII_KEY, get_settings
from store.identity import ActiveJourneys, nik_hash
from store.migrate import upgrade_async
from store.pii import PiiVault, WorkerPii

NIK = "3374015501950002"
HASH_KEY = "test-hash-key"
FULL_WIDTH = NIK.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
ARABIC_INDIC = NIK.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
SUPERSCRIPT = NIK.translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
OTHER_NIK = "3578016502900003"


def pii(nik: str, **fields) -> WorkerPii:
    return WorkerPii(nik=nik, full_name="Siti Rahayu", birth_date=date(1995, 1, 15), **fields)


async def fill(db, records: dict[str, WorkerPii], active: set[str]) -> None:
    """The vault and the active claims, as `POST /v1/journeys` leaves them for each journey."""
    vault, claims = PiiVault(db, DEV_PII_KEY), ActiveJourneys(db)
    for journey_id, record in records.items():
        await vault.put(journey_id, record)
        if journey_id in active:
            assert await claims.claim(nik_hash(record.nik, HASH_KEY), journey_id) is None


def never_an_identifier(lines: list[str], *values: str) -> None:
    text = "\n".join(lines)
    for value in values:
        assert value not in text and digits_as_ascii(value) not in text


@pytest.mark.parametrize(
    ("written", "ascii_form"),
    [(FULL_WIDTH, NIK), (ARABIC_INDIC, NIK), (SUPERSCRIPT, NIK), ("३३७४", "3374"), ("๓๓", "33"), ("+62８１", "+6281")],
)
def test_a_digit_of_any_script_is_read_as_its_ascii_digit(written, ascii_form):
    assert digits_as_ascii(written) == ascii_form


async def test_journeys_of_one_person_through_other_digit_scripts_are_reported_by_id_only(engine):
    records = {
        "j_01A": pii(NIK, phone="+6281234567890"),
        "j_01B": pii(FULL_WIDTH),
        "j_01C": pii(ARABIC_INDIC),
        "j_01D": pii(OTHER_NIK, phone="+62８１２３４５６７８９０", family_phone="+62٨١٢٣٤٥٦٧٨٩١"),
        "j_01E": pii("3273014101880004", passport_no="Ｃ１２３４５６７"),
        "j_01F": pii("5271015101990005", phone="+6281234567892", passport_no="C1234567"),
    }
    await fill(engine, records, active={"j_01A", "j_01B", "j_01C", "j_01D", "j_01F"})
    report = await check_identifiers(engine, DEV_PII_KEY)
    assert report.not_ascii == [
        ("j_01B", "nik"),
        ("j_01C", "nik"),
        ("j_01D", "phone"),
        ("j_01D", "family_phone"),
        ("j_01E", "passport_no"),
    ]
    assert report.same_nik == [["j_01A", "j_01B", "j_01C"]]
    assert report.exit_code == 1
    lines = report.lines()
    assert "one NIK written in several scripts: j_01A (active), j_01B (active), j_01C (active)" in lines
    assert lines[-1] == "6 journeys checked, 6 findings"
    never_an_identifier(lines, NIK, FULL_WIDTH, OTHER_NIK, "+6281234567890", "Ｃ１２３４５６７", "C1234567")


async def test_a_person_whose_ended_journey_is_followed_by_another_in_the_same_digits_is_not_a_finding(
    engine,
):
    await fill(engine, {"j_01A": pii(NIK), "j_01B": pii(NIK), "j_01C": pii(OTHER_NIK)}, active={"j_01B"})
    report = await check_identifiers(engine, DEV_PII_KEY)
    assert (report.not_ascii, report.same_nik, report.exit_code) == ([], [], 0)
    assert report.lines() == ["3 journeys checked, 0 findings"]


async def test_a_record_the_configured_key_cannot_decrypt_is_reported_and_is_not_a_clean_bill(engine):
    await PiiVault(engine, "A" * 43 + "=").put("j_01A", pii(NIK))
    report = await check_identifiers(engine, DEV_PII_KEY)
    assert report.unreadable == ["j_01A"]
    assert report.exit_code == 2
    assert "j_01A: cannot be decrypted with PMI_PII_KEY" in report.lines()


@pytest.fixture
async def settings_on_a_filled_store(tmp_path: Path, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'pmi.db'}"
    await upgrade_async(url)
    from store.db import create_engine

    db = create_engine(url)
    try:
        await fill(db, {"j_01A": pii(NIK), "j_01B": pii(FULL_WIDTH)}, active={"j_01A", "j_01B"})
    finally:
        await db.dispose()
    monkeypatch.setenv("PMI_DATABASE_URL", url)
    monkeypatch.setenv("PMI_PII_KEY", DEV_PII_KEY)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_command_exits_1_and_prints_journey_ids_and_fields_only(settings_on_a_filled_store, capsys):
    assert main(["check-identifiers"]) == 1
    out = capsys.readouterr().out
    assert "j_01B: nik is not ASCII" in out
    assert "one NIK written in several scripts: j_01A (active), j_01B (active)" in out
    never_an_identifier(out.splitlines(), NIK, FULL_WIDTH)
