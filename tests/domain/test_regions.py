"""Indonesia's time zones by province code."""

from datetime import UTC, date, datetime, timedelta

from domain.regions import WIB, WIT, WITA, local_date, province_timezone
from store.seed_data import PROVINCES


def test_every_seeded_province_has_one_of_the_three_zones():
    zones = {code: province_timezone(code) for code, _ in PROVINCES}
    assert len(zones) == 38
    assert {z.utcoffset(None) for z in zones.values()} == {timedelta(hours=h) for h in (7, 8, 9)}
    assert zones["31"] is WIB and zones["51"] is WITA and zones["73"] is WITA and zones["96"] is WIT


def test_the_local_date_turns_at_local_midnight():
    moment = datetime(2025, 1, 5, 16, 30, tzinfo=UTC)
    assert local_date(moment, "31") == date(2025, 1, 5)  # 23:30 WIB
    assert local_date(moment, "52") == date(2025, 1, 6)  # 00:30 WITA
    assert local_date(moment.replace(tzinfo=None), "94") == date(2025, 1, 6)  # naive is UTC; 01:30 WIT
