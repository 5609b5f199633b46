"""Sign-in, sign-out and zero-threshold self-registration."""

from __future__ import annotations

import contextlib
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from accounts import api as services
from accounts.api import SESSION_COOKIE, Actor, OrgKind
from kernel.errors import DomainError, Invalid, NotAuthenticated
from kernel.platform import Platform
from web import forms, session
from web.forms import Form
from web.render import page, safe_next

HOME_BY_KIND = {
    OrgKind.INTERMEDIARY: "/me/onboarding",
    OrgKind.ENTERPRISE: "/me/purchases",
    OrgKind.DEPARTMENT: "/review",
    OrgKind.OPERATOR: "/supervise/onboarding",
    OrgKind.REGULATOR: "/supervise/lights",
}


@get("/login", name="login")
async def login_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    back: FromQuery[str] = "",
) -> Template:
    return page("login.html", request, viewer, back=safe_next(back, ""), username="")


async def _signed_in(
    request: Request[Any, Any, Any], platform: Platform, username: str, password: str, back: str
) -> Response[Any]:
    issued = await services.login(
        platform.settings,
        username=username,
        password=password,
        remote=services.client_address(request, platform.settings),
    )
    target = safe_next(back, HOME_BY_KIND.get(issued.actor.org_kind, "/"))
    return Redirect(
        path=target,
        status_code=303,
        cookies=[session.session_cookie(issued.token, issued.expires_at, platform.settings)],
    )


@post("/login", status_code=303)
async def login_submit(
    request: Request[Any, Any, Any], data: Form, platform: NamedDependency[Platform]
) -> Response[Any]:
    username, back = forms.text(data, "username"), forms.text(data, "back")
    try:
        return await _signed_in(request, platform, username, forms.text(data, "password"), back)
    except DomainError as exc:
        return page(
            "login.html",
            request,
            None,
            status_code=exc.status,
            error=exc.detail,
            username=username,
            back=safe_next(back, ""),
        )


@post("/logout", status_code=303)
async def logout(request: Request[Any, Any, Any], platform: NamedDependency[Platform]) -> Redirect:
    """Revoke the session's token on the server, then clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with contextlib.suppress(NotAuthenticated):  # expired or revoked already: nothing to do
            await services.logout(platform.settings, token)
    return Redirect(path="/", status_code=303, cookies=[session.cleared_session(platform.settings)])


@get("/register")
async def register_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    kind: FromQuery[str] = "intermediary",
) -> Template:
    return page("register.html", request, viewer, values={"kind": kind})


@post("/register", status_code=303)
async def register_submit(
    request: Request[Any, Any, Any], data: Form, platform: NamedDependency[Platform]
) -> Response[Any]:
    values = {k: forms.text(data, k) for k in ("kind", "name", "uscc", "username", "region")}
    password = forms.text(data, "password")
    try:
        if password != forms.text(data, "password2"):
            raise Invalid("两次输入的密码不一致", field="password2")
        await services.create_organisation(
            kind=values["kind"],
            name=values["name"],
            uscc=values["uscc"],
            username=values["username"],
            password=password,
            region=values["region"],
            self_service=True,
        )
        return await _signed_in(request, platform, values["username"], password, "")
    except DomainError as exc:
        return page(
            "register.html",
            request,
            None,
            status_code=exc.status,
            error=exc.detail,
            values=values,
            error_field=exc.field,
        )


@get("/me")
async def me_home(viewer: NamedDependency[Actor | None]) -> Redirect:
    actor = session.require(viewer)
    return Redirect(path=HOME_BY_KIND.get(actor.org_kind, "/"), status_code=303)


HANDLERS = [login_page, login_submit, logout, register_page, register_submit, me_home]
