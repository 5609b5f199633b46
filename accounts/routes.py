"""Accounts API: self-registration, login, the current user, operator-created organisations."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from accounts import services
from accounts.actor import Actor
from accounts.deps import client_address, presented_token
from accounts.schemas import (
    LoginIn,
    MeOut,
    OrganisationListItem,
    OrganisationOut,
    OrganisationPage,
    RegisteredOut,
    RegisterIn,
    TokenOut,
    UserIn,
)
from kernel.platform import Platform


async def _create(data: RegisterIn, **how: Any) -> RegisteredOut:
    r = await services.create_organisation(
        kind=data.kind,
        name=data.name,
        uscc=data.uscc,
        username=data.username,
        password=data.password,
        region=data.region,
        **how,
    )
    return RegisteredOut(
        organisation=OrganisationOut(id=r.org_id, kind=r.kind.value, name=r.name, uscc=r.uscc),
        user_id=r.user_id,
        username=r.username,
    )


@post("/register", operation_id="register", status_code=201, opt={"problems": (403, 409)})
async def register(data: JSONBody[RegisterIn]) -> RegisteredOut:
    """Zero-threshold self-registration of an enterprise or intermediary: free, no approval gate."""
    return await _create(data, self_service=True)


@post("/login", operation_id="login", status_code=200, opt={"problems": (401, 429)})
async def login(
    data: JSONBody[LoginIn], request: Request[Any, Any, Any], platform: NamedDependency[Platform]
) -> TokenOut:
    issued = await services.login(
        platform.settings,
        username=data.username,
        password=data.password,
        remote=client_address(request, platform.settings),
    )
    scheme = "bearer"
    return TokenOut(access_token=issued.token, token_type=scheme, expires_at=issued.expires_at)


@post("/logout", operation_id="logout", status_code=204)
async def logout(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> None:
    """Revoke the presented token: it is refused (401) from now until its expiry."""
    token = presented_token(request)
    if token is not None:  # always present: ``actor`` was resolved from it
        await services.logout(platform.settings, token)


@get("/me", operation_id="me")
async def me(actor: NamedDependency[Actor]) -> MeOut:
    return MeOut(
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role,
        organisation=OrganisationOut(
            id=actor.org_id, kind=actor.org_kind.value, name=actor.org_name, uscc=actor.uscc
        ),
    )


@post("/organisations", operation_id="createOrganisation", status_code=201)
async def create_organisation(
    data: JSONBody[RegisterIn], actor: NamedDependency[Actor]
) -> RegisteredOut:
    """The operator opens an account for a department, regulator or any other organisation."""
    return await _create(data, actor=actor)


@get("/organisations", operation_id="searchOrganisations")
async def search_organisations(
    platform: NamedDependency[Platform],
    q: FromQuery[str] = "",
    kind: FromQuery[str | None] = None,
    offset: FromQuery[int] = 0,
    limit: FromQuery[int] = 20,
) -> OrganisationPage:
    """Public directory of organisations on the platform (name, kind, region)."""
    result = await services.search_organisations(
        platform, q=q, kind=kind, offset=offset, limit=limit
    )
    return OrganisationPage(
        items=[
            OrganisationListItem(
                id=int(hit["id"]),
                kind=hit["kind"],
                kind_label=hit["kindLabel"],
                name=hit["name"],
                uscc=hit["uscc"],
                region=hit["region"],
            )
            for hit in result.hits
        ],
        total=result.total,
        facets=result.facets,
    )


@post("/users", operation_id="addUser", status_code=201)
async def add_user(data: JSONBody[UserIn], actor: NamedDependency[Actor]) -> dict[str, int]:
    user_id = await services.add_user(
        actor,
        username=data.username,
        password=data.password,
        display_name=data.display_name,
        role=data.role,
    )
    return {"userId": user_id}


router = Router(
    path="/api/v1/accounts",
    route_handlers=[
        register,
        login,
        logout,
        me,
        create_organisation,
        search_organisations,
        add_user,
    ],
    tags=["accounts"],
)
