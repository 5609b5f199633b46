"""Demo organisations and users (idempotent). Every demo password is ``demo-pass-2026``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
from stdnum.cn import uscc as stdnum_uscc

from accounts import passwords, services
from accounts.tables import Organisation, User

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from kernel.platform import Platform

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo credential
DEMO_REGION = "330100"  # 杭州市

DEMO_ORGS: tuple[tuple[str, str, str], ...] = (  # username, kind, name
    ("operator", "operator", "市政务服务管理办公室（中介超市运营）"),
    ("regulator", "regulator", "市发展和改革委员会（中介服务监管）"),
    ("planning", "department", "市规划和自然资源局（规划核实）"),
    ("land", "department", "市规划和自然资源局（土地核验）"),
    ("registry", "department", "市不动产登记中心"),
    ("fire", "department", "市住房和城乡建设局（消防审验）"),
    ("civil-defence", "department", "市人民防空办公室"),
    ("enterprise", "enterprise", "杭州示范置业有限公司"),
    ("surveyor", "intermediary", "浙江示范测绘有限公司"),
    ("reviewer-firm", "intermediary", "杭州示范施工图审查中心有限公司"),
)


def demo_uscc(serial: int, region: str = DEMO_REGION, kind_code: str = "91") -> str:
    """A valid 统一社会信用代码 for demo/test data: 91 + region + serial + check digit."""
    body = f"{kind_code}{region}{serial:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


async def load(platform: Platform, step: Callable[[int, int], None] | None = None) -> None:
    # One argon2 hash (about a second each) serves every demo account: the password is public.
    password_hash = await anyio.to_thread.run_sync(passwords.hash_password, DEMO_PASSWORD)
    for serial, (username, kind, name) in enumerate(DEMO_ORGS, start=1):
        if not await User.exists().where(User.username == username):
            await services.create_organisation(
                kind=kind,
                name=name,
                uscc=demo_uscc(serial),
                username=username,
                password=DEMO_PASSWORD,
                region=DEMO_REGION,
                password_hash=password_hash,
            )
        if step:
            step(serial, len(DEMO_ORGS))


@dataclass(frozen=True)
class DemoOrganisation:
    """An organisation of another domain's demo data (created in bulk, without users)."""

    id: int
    kind: str
    name: str
    uscc: str
    region: str


async def demo_organisations(
    kind: str, *, usccs: Sequence[str] | None = None
) -> list[DemoOrganisation]:
    """Organisations of ``kind`` (only those with ``usccs`` when given), in creation order."""
    query = (
        Organisation.select(
            Organisation.id,
            Organisation.kind,
            Organisation.name,
            Organisation.uscc,
            Organisation.region,
        )
        .where(Organisation.kind == kind)
        .order_by(Organisation.id)
    )
    if usccs is not None:
        query = query.where(Organisation.uscc.is_in(list(usccs) or [""]))
    return [
        DemoOrganisation(int(r["id"]), r["kind"], r["name"], r["uscc"], r["region"])
        for r in await query
    ]


async def add_demo_organisations(
    kind: str, entries: Sequence[tuple[str, str]], serial: int
) -> list[DemoOrganisation]:
    """Bulk-insert organisations ((name, region) pairs) with demo USCCs numbered from
    ``serial``, inside the caller's transaction: hundreds at once for demo marketplaces."""
    rows = [
        Organisation(kind=kind, name=name, uscc=demo_uscc(serial + i), region=region)
        for i, (name, region) in enumerate(entries)
    ]
    for start in range(0, len(rows), 400):  # PostgreSQL allows at most 32 767 query arguments
        await Organisation.insert(*rows[start : start + 400])
    return await demo_organisations(kind, usccs=[r.uscc for r in rows])
