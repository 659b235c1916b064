"""Indonesia's three time zones, by province (first two digits of the NIK / Kemendagri code).

Indonesia has no daylight saving time, so each zone is a fixed offset: no tz database is read
(workflow code must not touch the file system) and the answer never changes with the date.
"""

from datetime import UTC, date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")  # Sumatra, Java, West and Central Kalimantan
WITA = timezone(timedelta(hours=8), "WITA")  # Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi
WIT = timezone(timedelta(hours=9), "WIT")  # Maluku and Papua

_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96"}


def province_timezone(province_code: str) -> timezone:
    """The zone of a province; WIB (the capital's) for a code this table does not know."""
    if province_code in _WIT:
        return WIT
    if province_code in _WITA:
        return WITA
    return WIB


def local_date(moment: datetime, province_code: str) -> date:
    """The calendar date in the province at `moment` (a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(province_timezone(province_code)).date()
