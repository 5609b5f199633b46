"""Helpers for page tests: CSRF token from a rendered page, signed-in browser-like sessions."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from litestar.testing import AsyncTestClient

from tests import helpers

_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


async def csrf(client: AsyncTestClient[Any], path: str = "/login") -> str:
    response = await client.get(path)
    match = _TOKEN.search(response.text)
    assert match, response.text[:500]
    return match.group(1)


async def form(
    client: AsyncTestClient[Any], path: str, data: dict[str, str], *, token: str | None = None
) -> Any:
    body = {**data, "_csrf_token": token if token is not None else await csrf(client)}
    return await client.post(path, data=body, follow_redirects=False)


async def sign_in(client: AsyncTestClient[Any], username: str) -> None:
    response = await form(client, "/login", {"username": username, "password": helpers.PASSWORD})
    assert response.status_code == 303, response.text
    client.cookies.set("oneset_session", response.cookies["oneset_session"])


async def org(kind: str, name: str | None = None) -> tuple[str, str, int]:
    return await helpers.create_org(kind, name=name)


class _Fields(HTMLParser):
    """What a browser would submit from a page's form fields: inputs, textareas, the selected
    option of each select (the first one where none is marked)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "checkbox", "radio"):
            self.values[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self.values[name] = name, ""
        elif tag == "select" and name:
            self._select = name
        elif (
            tag == "option"
            and self._select
            and ("selected" in a or self._select not in self.values)
        ):
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_fields(page: str) -> dict[str, str]:
    """A page's form fields and their current values (the CSRF token left out)."""
    parser = _Fields()
    parser.feed(page)
    parser.values.pop("_csrf_token", None)
    return parser.values
