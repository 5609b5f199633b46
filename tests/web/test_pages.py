"""Pages render, refuse the wrong role, demand a CSRF token and escape user text."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from litestar.testing import AsyncTestClient

from accounts.demo import demo_uscc
from accounts.tables import Organisation
from kernel import clock, outbox
from kernel.platform import Platform, build_platform, set_current
from oneset.app import create_app
from oneset.wiring import index_registrations
from tests.conftest import ON_BOTH_ENGINES, Database, platform_settings
from tests.helpers import PASSWORD
from tests.market.world import MONDAY, FakeClock, make_world
from tests.web import a11y
from tests.web.pages import csrf, form, org, sign_in


@ON_BOTH_ENGINES
async def test_public_pages_render(client: AsyncTestClient[Any]) -> None:
    for path in (
        "/",
        "/directory",
        "/directory?item=54C&sort=rating",
        "/purchases",
        "/login",
        "/register",
    ):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert '<html lang="zh-CN">' in response.text
        assert a11y.problems(response.text) == [], path
    for path in ("/directory?q=测绘", "/purchases?q=测绘"):
        partial = await client.get(path, headers={"HX-Request": "true"})
        assert partial.status_code == 200
        assert "<html" not in partial.text


async def test_sign_out_ends_the_session(client: AsyncTestClient[Any]) -> None:
    username, _, _ = await org("enterprise")
    await sign_in(client, username)
    kept = _session_value(client)  # a copy, as a stolen or backed-up cookie would be
    assert (await client.get("/me/purchases")).status_code == 200
    response = await form(client, "/logout", {}, token=await csrf(client, "/me/purchases"))
    assert response.status_code == 303
    assert "max-age=0" in response.headers["set-cookie"].lower()
    # The server revoked the token: replaying the pre-logout cookie is sent to sign in ...
    client.cookies.clear()
    client.cookies.set("oneset_session", kept)
    again = await client.get("/me/purchases", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/login?back=/me/purchases"
    # ... and the same token as a bearer token is refused by the API.
    api = await client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {kept}"})
    assert api.status_code == 401
    assert api.json()["code"] == "revoked_token"
    # Signing in again gives a new, working session.
    await sign_in(client, username)
    assert _session_value(client) != kept
    assert (await client.get("/me/purchases")).status_code == 200


def _session_value(client: AsyncTestClient[Any]) -> str:
    values = {c.value for c in client.cookies.jar if c.name == "oneset_session" and c.value}
    assert len(values) == 1, values
    return values.pop()


def _cookie_attributes(header: str) -> dict[str, str]:
    name_value, *attributes = (part.strip() for part in header.split(";"))
    parsed = {"value": name_value.partition("=")[2]}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        parsed[key.lower()] = value
    return parsed


async def test_session_cookie_lives_as_long_as_its_token(client: AsyncTestClient[Any]) -> None:
    username, _, _ = await org("enterprise")
    before = clock.now()
    response = await form(client, "/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 303
    cookie = _cookie_attributes(response.headers["set-cookie"])
    claims = jwt.decode(cookie["value"], options={"verify_signature": False})
    lifetime = int(claims["exp"]) - int(claims["iat"])
    assert lifetime == 90 * 24 * 3600  # ONESET_TOKEN_TTL_MINUTES of the test platform
    assert abs(int(cookie["max-age"]) - lifetime) <= 2
    expires = parsedate_to_datetime(cookie["expires"])
    assert abs((expires - (before + dt.timedelta(seconds=lifetime))).total_seconds()) <= 5
    assert "secure" not in cookie  # served over http


async def test_session_cookie_is_secure_behind_https(db: Database, tmp_path: Path) -> None:
    settings = platform_settings(
        db, tmp_path / "var", ONESET_PUBLIC_URL="https://oneset.example.cn"
    )
    platform = build_platform(settings)
    set_current(platform)
    username, _, _ = await org("enterprise")
    app = create_app(platform, bind_database=False)
    async with AsyncTestClient(app=app) as client:
        response = await form(client, "/login", {"username": username, "password": PASSWORD})
        assert response.status_code == 303
        signed_in = _cookie_attributes(response.headers["set-cookie"])
        client.cookies.set("oneset_session", signed_in["value"])
        token = await csrf(client, "/me/purchases")
        signed_out = await form(client, "/logout", {}, token=token)
        assert signed_out.status_code == 303
        cleared = _cookie_attributes(signed_out.headers["set-cookie"])
    assert "secure" in signed_in
    assert "secure" in cleared


async def test_register_signs_in_with_http_only_cookie(client: AsyncTestClient[Any]) -> None:
    response = await form(
        client,
        "/register",
        {
            "kind": "intermediary",
            "name": "杭州页面测试测绘有限公司",
            "uscc": demo_uscc(77001),
            "username": "page-reg",
            "password": "a-long-password",
            "password2": "a-long-password",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/me/onboarding"
    cookie = response.headers["set-cookie"].lower()
    assert "oneset_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    client.cookies.set("oneset_session", response.cookies["oneset_session"])
    page = await client.get("/me/onboarding")
    assert page.status_code == 200
    assert "杭州页面测试测绘有限公司" in page.text


async def test_post_without_csrf_token_is_refused(client: AsyncTestClient[Any]) -> None:
    await csrf(client)
    response = await client.post(
        "/login", data={"username": "x", "password": "y"}, follow_redirects=False
    )
    assert response.status_code == 403
    forged = await form(client, "/login", {"username": "x", "password": "y"}, token="0" * 80)
    assert forged.status_code == 403


async def test_api_keeps_working_without_csrf(client: AsyncTestClient[Any]) -> None:
    username, _, _ = await org("enterprise")
    response = await client.post(
        "/api/v1/accounts/login", json={"username": username, "password": "test-pass-2026"}
    )
    assert response.status_code == 200


async def test_wrong_role_is_refused(client: AsyncTestClient[Any]) -> None:
    username, _, _ = await org("enterprise")
    await sign_in(client, username)
    for path in ("/me/onboarding", "/supervise/onboarding", "/supervise/records"):
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "无权" in response.text or "机构类型" in response.text


async def test_anonymous_is_sent_to_sign_in(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/me/purchases", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?back=/me/purchases"


async def test_user_text_is_escaped(client: AsyncTestClient[Any], platform: Platform) -> None:
    world = await make_world(platform)
    firm = await world.firm(name="<script>alert(1)</script>测绘")
    await outbox.dispatch(platform, index_registrations(), send=lambda _n, _a: None)
    shown = "&lt;script&gt;alert(1)&lt;/script&gt;测绘"
    pages = {
        "profile": await client.get(f"/intermediaries/{firm.org_id}"),
        "directory": await client.get("/directory"),
        "directory search": await client.get("/directory?q=测绘", headers={"HX-Request": "true"}),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert shown in page.text, name  # the name is on the page, as text
        assert "<script>alert(1)" not in page.text, name
    username, _, _ = await org("enterprise", name='"><img src=x onerror=alert(2)>置业')
    await sign_in(client, username)
    page = await client.get("/me/purchases")
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(2)&gt;置业" in page.text


@pytest.mark.parametrize(
    ("serial", "name", "code"),
    [
        # C0 controls are refused at the edge for every field (oneset/edge.py) ...
        (77_101, "测绘\x00有限公司", "control_character"),
        (77_102, "测绘\x1b[31m有限公司", "control_character"),
        # ... invisible and direction characters by the organisation-name rule.
        (77_103, "测绘\u202e司公限有", "name_control_characters"),
        (77_104, "测绘\u200b有限公司", "name_control_characters"),
    ],
    ids=["nul", "escape", "bidi-override", "zero-width"],
)
async def test_control_characters_in_a_name_are_refused(
    client: AsyncTestClient[Any], serial: int, name: str, code: str
) -> None:
    response = await client.post(
        "/api/v1/accounts/register",
        json={
            "kind": "intermediary",
            "name": name,
            "uscc": demo_uscc(serial),
            "username": f"ctl-{serial}",
            "password": "a-long-password",
        },
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["field"], problem["code"]) == ("name", code)
    assert not await Organisation.exists().where(Organisation.uscc == demo_uscc(serial))


def _figure(page: str, label: str) -> int:
    found = re.search(rf'<div class="figure">(\d+)</div><div>{label}</div>', page)
    assert found is not None, page[:500]
    return int(found[1])


async def test_home_page_figures_are_remembered_as_long_as_the_board(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everyone's home page costs one search and three queries per ``public_cache_seconds``,
    not per reader (it was the proving ground's slowest public read, p50 1.2 s): a purchase
    published meanwhile shows once the interval has passed."""
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    world = await make_world(platform)
    published = _figure((await client.get("/")).text, "已发布采购公告")
    await world.purchase()
    assert _figure((await client.get("/")).text, "已发布采购公告") == published
    fake.advance(seconds=platform.settings.public_cache_seconds)
    assert _figure((await client.get("/")).text, "已发布采购公告") == published + 1
