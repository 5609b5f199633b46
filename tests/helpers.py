"""Helpers for API tests: organisations and logged-in sessions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from litestar.testing import AsyncTestClient

from accounts import services
from accounts.demo import demo_uscc

PASSWORD = "test-pass-2026"
_serials = itertools.count(500_000)
SELF_SERVICE = {"enterprise", "intermediary"}


@dataclass(frozen=True)
class Session:
    """A logged-in user: pass ``headers`` to requests."""

    username: str
    org_id: int
    user_id: int
    uscc: str
    kind: str
    headers: dict[str, str]


async def create_org(
    kind: str, *, name: str | None = None, username: str | None = None
) -> tuple[str, str, int]:
    """Create an organisation through the service (any kind); returns (username, uscc, org id)."""
    serial = next(_serials)
    username = username or f"{kind}-{serial}"
    uscc = demo_uscc(serial)
    created = await services.create_organisation(
        kind=kind,
        name=name or f"测试{kind}机构{serial}",
        uscc=uscc,
        username=username,
        password=PASSWORD,
    )
    return username, uscc, created.org_id


async def login(
    client: AsyncTestClient[Any], username: str, password: str = PASSWORD
) -> dict[str, str]:
    response = await client.post(
        "/api/v1/accounts/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


async def login_as(
    client: AsyncTestClient[Any], kind: str = "enterprise", *, name: str | None = None
) -> Session:
    """A new organisation of ``kind`` (self-registered through the API where the kind may) and
    its admin, logged in."""
    if kind in SELF_SERVICE:
        serial = next(_serials)
        username, uscc = f"{kind}-{serial}", demo_uscc(serial)
        response = await client.post(
            "/api/v1/accounts/register",
            json={
                "kind": kind,
                "name": name or f"测试{kind}机构{serial}",
                "uscc": uscc,
                "username": username,
                "password": PASSWORD,
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        org_id, user_id = body["organisation"]["id"], body["userId"]
    else:
        username, uscc, org_id = await create_org(kind, name=name)
        user_id = 0
    headers = await login(client, username)
    me = (await client.get("/api/v1/accounts/me", headers=headers)).json()
    return Session(username, org_id, user_id or me["userId"], uscc, kind, headers)
