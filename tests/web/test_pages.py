"""Pages render, refuse the wrong role, demand a CSRF token and escape user text."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from accounts.demo import demo_uscc
from tests.conftest import ON_BOTH_ENGINES
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
    assert (await client.get("/me/purchases")).status_code == 200
    response = await form(client, "/logout", {}, token=await csrf(client, "/me/purchases"))
    assert response.status_code == 303
    assert "max-age=0" in response.headers["set-cookie"].lower()
    client.cookies.delete("oneset_session")
    again = await client.get("/me/purchases", follow_redirects=False)
    assert again.status_code == 303


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


async def test_user_text_is_escaped(client: AsyncTestClient[Any]) -> None:
    await org("intermediary", name="<script>alert(1)</script>测绘")
    username, _, _ = await org("enterprise", name='"><img src=x onerror=alert(2)>置业')
    await sign_in(client, username)
    page = await client.get("/me/purchases")
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(2)&gt;置业" in page.text
