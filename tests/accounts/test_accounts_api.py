from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from accounts import tokens
from accounts.demo import demo_uscc
from accounts.tables import RevokedToken
from kernel import audit, clock
from kernel.tables import AuditEntry
from tests import helpers
from tests.conftest import Database

SECRET = os.environ["ONESET_SECRET_KEY"]


def _registration(serial: int, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "intermediary",
        "name": "浙江测试测绘有限公司",
        "uscc": demo_uscc(serial),
        "username": f"firm{serial}",
        "password": "a-long-password",
        **overrides,
    }


async def test_register_login_me(client: AsyncTestClient[Any], db: Database) -> None:
    response = await client.post("/api/v1/accounts/register", json=_registration(1))
    assert response.status_code == 201
    body = response.json()
    assert body["organisation"]["kind"] == "intermediary"
    login = await client.post(
        "/api/v1/accounts/login", json={"username": "firm1", "password": "a-long-password"}
    )
    assert login.status_code == 200
    token = login.json()["accessToken"]
    me = await client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["organisation"]["uscc"] == demo_uscc(1)
    assert (await client.get("/api/v1/accounts/me")).status_code == 401
    bad = await client.get("/api/v1/accounts/me", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.headers["content-type"].startswith("application/problem+json")


async def test_invalid_uscc_is_422_naming_the_field_and_changes_nothing(
    client: AsyncTestClient[Any], db: Database
) -> None:
    await audit.seal()
    before = await AuditEntry.count()
    wrong_check_digit = demo_uscc(2)[:-1] + ("0" if demo_uscc(2)[-1] != "0" else "1")
    response = await client.post(
        "/api/v1/accounts/register", json=_registration(2, uscc=wrong_check_digit)
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "uscc"
    await audit.seal()
    assert await AuditEntry.count() == before


async def test_duplicates_and_closed_kinds(client: AsyncTestClient[Any], db: Database) -> None:
    assert (
        await client.post("/api/v1/accounts/register", json=_registration(3))
    ).status_code == 201
    same_code = await client.post(
        "/api/v1/accounts/register", json=_registration(3, username="other")
    )
    assert same_code.status_code == 409 and same_code.json()["field"] == "uscc"
    department = await client.post(
        "/api/v1/accounts/register", json=_registration(4, kind="department")
    )
    assert department.status_code == 403
    unknown = await client.post("/api/v1/accounts/register", json={**_registration(5), "x": 1})
    assert unknown.status_code == 422
    weak = await client.post("/api/v1/accounts/register", json=_registration(6, password="short"))
    assert weak.status_code == 422 and weak.json()["field"] == "password"


async def test_operator_opens_department_accounts(
    client: AsyncTestClient[Any], db: Database
) -> None:
    operator = await helpers.login_as(client, "operator")
    enterprise = await helpers.login_as(client, "enterprise")
    payload = _registration(7, kind="department", username="planning7")
    refused = await client.post(
        "/api/v1/accounts/organisations", json=payload, headers=enterprise.headers
    )
    assert refused.status_code == 403
    created = await client.post(
        "/api/v1/accounts/organisations", json=payload, headers=operator.headers
    )
    assert created.status_code == 201
    assert created.json()["organisation"]["kind"] == "department"


async def test_failed_logins_are_rate_limited_and_audited(
    client: AsyncTestClient[Any], db: Database
) -> None:
    await client.post("/api/v1/accounts/register", json=_registration(8))
    for _ in range(5):
        response = await client.post(
            "/api/v1/accounts/login", json={"username": "firm8", "password": "wrong-password"}
        )
        assert response.status_code == 401
    throttled = await client.post(
        "/api/v1/accounts/login", json={"username": "firm8", "password": "a-long-password"}
    )
    assert throttled.status_code == 429
    assert "retry-after" in throttled.headers
    await audit.seal()
    failures = await AuditEntry.count().where(AuditEntry.action == "login.failed")
    assert failures == 5
    count, broken = await audit.verify()
    assert broken is None and count >= 7


async def test_oversize_json_body_is_413_problem(
    client: AsyncTestClient[Any], db: Database
) -> None:
    huge = _registration(9, name="测" * 600_000)  # ~1.8 MB of JSON, over the 1 MiB default
    response = await client.post("/api/v1/accounts/register", json=huge)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    await audit.seal()
    assert await AuditEntry.count() == 0


async def test_session_cookie_authenticates_only_safe_api_methods(
    client: AsyncTestClient[Any], db: Database
) -> None:
    operator = await helpers.login_as(client, "operator")
    token = operator.headers["Authorization"].removeprefix("Bearer ")
    client.cookies.set("oneset_session", token)
    assert (await client.get("/api/v1/accounts/me")).status_code == 200
    forged = await client.post(
        "/api/v1/accounts/organisations", json=_registration(10, kind="department")
    )
    assert forged.status_code == 401


async def test_logout_revokes_the_token_until_it_expires(
    client: AsyncTestClient[Any], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = await helpers.login_as(client, "enterprise")
    other_device = await helpers.login(client, session.username)
    me = "/api/v1/accounts/me"
    assert (await client.get(me, headers=session.headers)).status_code == 200
    await audit.seal()
    before = await AuditEntry.count()
    out = await client.post("/api/v1/accounts/logout", headers=session.headers)
    assert out.status_code == 204, out.text
    refused = await client.get(me, headers=session.headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "revoked_token"
    again = await client.post("/api/v1/accounts/logout", headers=session.headers)
    assert again.status_code == 401
    assert (await client.get(me, headers=other_device)).status_code == 200  # only that token
    await audit.seal()
    entries = await AuditEntry.select().where(AuditEntry.seq > before)
    assert [e["action"] for e in entries] == ["session.revoked"]
    token_id = _token_id(session.headers)
    row = await RevokedToken.select().where(RevokedToken.token_id == token_id).first()
    assert row is not None
    assert row["expires_at"] == tokens.read(_bearer(session.headers), secret=SECRET).expires_at

    # Past its expiry the token is refused anyway, so the next sign-out purges its row.
    moment = clock.now() + dt.timedelta(days=91)  # the test platform's tokens live 90 days
    monkeypatch.setattr(clock, "now", lambda: moment)
    late = await helpers.login_as(client, "enterprise")
    assert (await client.post("/api/v1/accounts/logout", headers=late.headers)).status_code == 204
    assert not await RevokedToken.exists().where(RevokedToken.token_id == token_id)
    assert await RevokedToken.exists().where(RevokedToken.token_id == _token_id(late.headers))
    assert (await client.get(me, headers=session.headers)).status_code == 401


def _bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _token_id(headers: dict[str, str]) -> str:
    return tokens.read(_bearer(headers), secret=SECRET).token_id
