"""The console's languages: Bahasa Indonesia by default, English on request.

The templates and the console's code mark their text in English (`_("...")`); `babel.cfg` extracts it
into `locale/messages.pot` (`make messages`), and `locale/id/LC_MESSAGES/messages.po` translates it.
The catalogs are compiled in memory when the console loads, so no compiled file is kept in the
repository. Dates and numbers are formatted by Babel for the page's language.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

from babel.dates import format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT = "id"
LANGUAGES = ("id", "en")  # English is the text as written: it needs no catalog
COOKIE = "pmi_lang"

_current: ContextVar[str] = ContextVar("console_language", default=DEFAULT)


@cache
def catalog(language: str) -> NullTranslations:
    """The compiled translations of `language` (English: the text as written)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        messages = read_po(f, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled)


def chosen(cookie: str | None) -> str:
    """The language of a request: the person's choice (the console's cookie), else Indonesian. The
    browser's Accept-Language is not asked: officers' browsers are often set to English while they
    work in Indonesian."""
    return cookie if cookie in LANGUAGES else DEFAULT


@contextmanager
def speaking(language: str) -> Iterator[None]:
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def gettext(message: str) -> str:
    # The empty message is gettext's key of the catalog's header: an empty label stays empty.
    return catalog(_current.get()).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(_current.get()).ngettext(singular, plural, n)


def when(value: str | datetime | None, zone: tzinfo, form: str = "medium") -> str:
    """An instant (ISO text or datetime) as the page's language writes it, in the province's time."""
    if not value:
        return "–"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return format_datetime(moment, form, tzinfo=zone, locale=_current.get())


def duration(seconds: float) -> str:
    return format_timedelta(seconds, threshold=1.1, locale=_current.get())


def number(value: float | int) -> str:
    return format_decimal(value, locale=_current.get())
