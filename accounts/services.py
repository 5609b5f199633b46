"""Account use cases: registration, organisation creation, login, actor lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio.to_thread

from accounts import passwords, rules, throttle, tokens
from accounts.actor import SYSTEM, Actor
from accounts.rules import OrgKind
from accounts.search_docs import ORGANISATIONS
from accounts.tables import LoginAttempt, Organisation, RevokedToken, User
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, NotAuthenticated
from search.ports import SearchQuery

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from kernel.platform import Platform
    from kernel.settings import Settings
    from search.ports import FilterValue, SearchResult


_USER_LABEL = re.compile(r"user:(\d+):.*")


@dataclass(frozen=True)
class Registered:
    org_id: int
    user_id: int
    kind: OrgKind
    name: str
    uscc: str
    username: str


@dataclass(frozen=True)
class OrganisationRef:
    id: int
    kind: OrgKind
    name: str


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    actor: Actor


async def create_organisation(
    *,
    kind: str,
    name: str,
    uscc: str,
    username: str,
    password: str,
    region: str = "",
    actor: Actor | None = None,
    self_service: bool = False,
    password_hash: str | None = None,
) -> Registered:
    """Create an organisation with its first (admin) user.

    ``self_service`` is the public registration path: only enterprises and intermediaries, no fee,
    no approval gate. Other kinds are created by an operator (``actor``) or the CLI (no actor).
    ``password_hash`` (argon2 of ``password``, computed once) spares the demo loader one
    second-long hash per account; routes never pass it.
    """
    org_kind = rules.parse_kind(kind)
    if self_service and org_kind not in rules.SELF_REGISTERING:
        raise Forbidden("部门、运营方和监管机构账号由平台运营方开设", code="kind_not_self_service")
    if actor is not None and not self_service and actor.org_kind != OrgKind.OPERATOR:
        raise Forbidden("只有平台运营方可以开设机构账号")
    clean_name = rules.check_name(name)
    code = rules.normalise_uscc(uscc)
    rules.check_username(username)
    rules.check_password(password)
    if password_hash is None:
        password_hash = await anyio.to_thread.run_sync(passwords.hash_password, password)
    async with transaction():
        if await Organisation.exists().where(Organisation.uscc == code):
            raise Conflict("该统一社会信用代码已注册", field="uscc", code="uscc_taken")
        if await User.exists().where(User.username == username):
            raise Conflict("用户名已被占用", field="username", code="username_taken")
        org = Organisation(kind=org_kind.value, name=clean_name, uscc=code, region=region)
        await org.save()
        user = User(username=username, password_hash=password_hash, organisation=org.id)
        await user.save()
        await audit.record(
            actor=actor.label if actor else (f"self:{username}" if self_service else SYSTEM),
            action="organisation.created",
            subject=f"organisation:{org.id}",
            payload={"kind": org_kind.value, "name": clean_name, "uscc": code, "admin": username},
        )
        await outbox.index_later(ORGANISATIONS, org.id)
    outbox.kick()
    return Registered(int(org.id), int(user.id), org_kind, clean_name, code, username)


async def add_user(
    actor: Actor, *, username: str, password: str, display_name: str = "", role: str = "member"
) -> int:
    """An organisation admin adds a colleague to their own organisation."""
    if actor.role != "admin":
        raise Forbidden("只有机构管理员可以添加用户")
    rules.check_username(username)
    rules.check_password(password)
    password_hash = await anyio.to_thread.run_sync(passwords.hash_password, password)
    async with transaction():
        if await User.exists().where(User.username == username):
            raise Conflict("用户名已被占用", field="username", code="username_taken")
        user = User(
            username=username,
            password_hash=password_hash,
            display_name=display_name,
            organisation=actor.org_id,
            role="admin" if role == "admin" else "member",
        )
        await user.save()
        await audit.record(
            actor=actor.label,
            action="user.created",
            subject=f"organisation:{actor.org_id}",
            payload={"username": username, "role": user.role},
        )
    return int(user.id)


async def login(
    settings: Settings, *, username: str, password: str, remote: str = ""
) -> IssuedToken:
    """Check credentials; repeated failures of a (user name, address) pair wait longer and
    longer, an address failing across many user names waits too (``accounts.throttle``)."""
    remote = remote[: throttle.MAX_ADDRESS]
    await throttle.check(settings, username, remote)
    row = await User.objects().where(User.username == username).first()
    ok = await anyio.to_thread.run_sync(
        passwords.verify_password, row.password_hash if row else passwords.DUMMY_HASH, password
    )
    succeeded = bool(ok and row is not None and row.active)
    async with transaction():
        # The throttle reads one window back; older attempts are only weight (the audit chain
        # keeps every failure), so each attempt removes them and the table stays one window big.
        horizon = clock.now() - timedelta(seconds=settings.login_window_seconds)
        await LoginAttempt.delete().where(LoginAttempt.at < horizon)
        await LoginAttempt.insert(
            LoginAttempt(username=username[:64], succeeded=succeeded, remote=remote[:64])
        )
        if not succeeded:
            await audit.record(
                actor=f"anonymous:{remote}",
                action="login.failed",
                subject=f"username:{username[:64]}",
                payload={"known_user": row is not None},
            )
    if not succeeded or row is None:  # raised after commit, so the failure stays recorded
        raise NotAuthenticated("用户名或密码错误", code="bad_credentials")
    actor = await actor_for(int(row.id))
    token, expires = tokens.issue(
        actor.user_id, secret=settings.secret_key, ttl=timedelta(minutes=settings.token_ttl_minutes)
    )
    return IssuedToken(token, expires, actor)


async def actor_for(user_id: int) -> Actor:
    row = (
        await User.select(
            User.id,
            User.username,
            User.role,
            User.active,
            User.organisation.id,
            User.organisation.kind,
            User.organisation.name,
            User.organisation.uscc,
        )
        .where(User.id == user_id)
        .first()
    )
    if row is None or not row["active"]:
        raise NotAuthenticated("账号不存在或已停用", code="unknown_user")
    return Actor(
        user_id=int(row["id"]),
        username=str(row["username"]),
        org_id=int(row["organisation.id"]),
        org_kind=OrgKind(row["organisation.kind"]),
        org_name=str(row["organisation.name"]),
        uscc=str(row["organisation.uscc"]),
        role=str(row["role"]),
    )


async def organisation(org_id: int) -> OrganisationRef | None:
    """One organisation's id, kind and name; None when there is no such organisation."""
    row = (
        await Organisation.select(Organisation.id, Organisation.kind, Organisation.name)
        .where(Organisation.id == org_id)
        .first()
    )
    if row is None:
        return None
    return OrganisationRef(int(row["id"]), OrgKind(row["kind"]), str(row["name"]))


async def organisation_names(org_ids: Iterable[int]) -> dict[int, str]:
    """Organisations' names by id, in one query (a page names the bidders it lists)."""
    ids = sorted(set(org_ids))
    if not ids:
        return {}
    rows = await Organisation.select(Organisation.id, Organisation.name).where(
        Organisation.id.is_in(ids)
    )
    return {int(r["id"]): str(r["name"]) for r in rows}


async def actor_names(labels: Iterable[str]) -> dict[str, str]:
    """What a page shows for audit actor labels: ``user:<id>:<name>`` becomes the user's
    organisation and its kind (「某某测绘有限公司（中介服务机构）」), ``system`` the platform's
    scheduled work; an unknown label stays as it is. One query for all of them."""
    user_ids = {int(m.group(1)): label for label in labels if (m := _USER_LABEL.fullmatch(label))}
    names = {label: "平台（定时任务）" for label in labels if label == SYSTEM}
    if user_ids:
        rows = await User.select(User.id, User.organisation.name, User.organisation.kind).where(
            User.id.is_in(list(user_ids))
        )
        for row in rows:
            kind = rules.ORG_KIND_LABELS.get(OrgKind(row["organisation.kind"]), "")
            names[user_ids[int(row["id"])]] = f"{row['organisation.name']}（{kind}）"
    return names


async def actor_by_username(username: str) -> Actor | None:
    """The actor of an active user, by user name (demo loaders and the CLI)."""
    row = await User.select(User.id).where(User.username == username).first()
    return await actor_for(int(row["id"])) if row else None


async def actor_from_token(settings: Settings, token: str) -> Actor:
    """The user a genuine, unexpired, not signed-out token belongs to."""
    claims = tokens.read(token, secret=settings.secret_key)
    if await RevokedToken.exists().where(RevokedToken.token_id == claims.token_id):
        raise NotAuthenticated("已退出登录，请重新登录", code="revoked_token")
    return await actor_for(claims.user_id)


async def logout(settings: Settings, token: str) -> None:
    """Revoke ``token`` until its own expiry (a copy of it is refused from now on).

    Revoked ids are only needed while their token could still be accepted, so each sign-out
    first purges the rows whose expiry has passed: the list stays as small as the number of
    signed-out tokens still alive.
    """
    claims = tokens.read(token, secret=settings.secret_key)
    actor = await actor_for(claims.user_id)
    async with transaction():
        await RevokedToken.delete().where(RevokedToken.expires_at <= clock.now())
        if await RevokedToken.exists().where(RevokedToken.token_id == claims.token_id):
            return  # signed out already
        await RevokedToken.insert(
            RevokedToken(
                token_id=claims.token_id, user_id=claims.user_id, expires_at=claims.expires_at
            )
        ).on_conflict(target=RevokedToken.token_id, action="DO NOTHING")
        await audit.record(
            actor=actor.label,
            action="session.revoked",
            subject=f"user:{actor.user_id}",
            payload={"expiresAt": claims.expires_at.isoformat()},
        )


async def search_organisations(
    platform: Platform, *, q: str, kind: str | None, offset: int, limit: int
) -> SearchResult:
    filters: dict[str, FilterValue] = {"kind": rules.parse_kind(kind).value} if kind else {}
    query = SearchQuery(q=q, filters=filters, offset=offset, limit=limit, facets=("kind",))
    return await anyio.to_thread.run_sync(platform.search.search, ORGANISATIONS, query)
