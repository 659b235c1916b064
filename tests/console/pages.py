"""A person at the console over plain HTTP: signs in, reads pages, and sends their forms the way a
browser would (every hidden field of the form as the page gave it, plus what the person types)."""

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from html import unescape
from typing import Any

import httpx

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_ATTR = re.compile(r'([a-zA-Z_-]+)="([^"]*)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _attrs(text: str) -> dict[str, str]:
    return {k: unescape(v) for k, v in _ATTR.findall(text)}


@dataclass
class PageForm:
    action: str
    hidden: dict[str, str]
    html: str


def forms(html: str) -> dict[str, PageForm]:
    """The page's forms by id (`form-complete-passport`), each with its hidden fields."""
    out = {}
    for attrs, body in _FORM.findall(html):
        a = _attrs(attrs)
        if "id" in a:
            out[a["id"]] = PageForm(a.get("action", ""), {k: unescape(v) for k, v in _HIDDEN.findall(body)}, body)
    return out


def csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def local_input(value: str, zone: tzinfo) -> str:
    """An ISO date or instant as a person types it into the console: the province's local time."""
    if "T" not in value:
        return f"{value}T09:00" if len(value) == 10 else value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(zone)
    return moment.strftime("%Y-%m-%dT%H:%M")


@dataclass
class Person:
    """One browser's cookies, signed in as someone of the development sign-in."""

    base_url: str
    client: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.AsyncClient(base_url=self.base_url, timeout=60)

    async def __aenter__(self) -> "Person":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.client.aclose()

    async def sign_in(self, person: str) -> None:
        r = await self.client.post("/console/sign-in", data={"person": person})
        assert r.status_code == 303, r.text

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(path)

    async def submit(self, page: httpx.Response, form_id: str, **typed: Any) -> httpx.Response:
        """Send the form `form_id` of `page` with what the person typed (field name -> value)."""
        found = forms(page.text)
        assert form_id in found, f"no form {form_id!r} on the page; forms: {sorted(found)}"
        form = found[form_id]
        data: dict[str, Any] = {**form.hidden, **typed}
        return await self.client.post(form.action, data=data)
