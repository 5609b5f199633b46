"""Helpers for page tests: CSRF token from a rendered page, signed-in browser-like sessions."""

from __future__ import annotations

import re
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
