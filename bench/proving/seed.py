"""Seeding the proving ground's world (run inside the cluster's environment, as a child process).

    python -m bench.proving.seed QUICK_OR_FULL > world.json

Through the real services: an operator, project owners with a drawing project each (granted to a
review agency), intermediaries who log in over HTTP during the load, open purchases to sign up
for, purchases whose service each owner has accepted (验收) and rates during the load, and the
burst's firms. The burst's firms (up to 1,000) are bulk-inserted with one shared password hash
(hashing 1,000 passwords would take minutes on two cores) and get minted tokens; the search index
is rebuilt by the launcher afterwards (``oneset reindex``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from typing import TYPE_CHECKING, Any

from accounts import passwords, tokens
from accounts import services as accounts
from accounts.actor import Actor
from accounts.demo import demo_uscc
from accounts.rules import OrgKind
from accounts.tables import Organisation, User
from drawings.services import grants as drawings_grants
from drawings.services import projects as drawings_projects
from kernel import clock
from market.rules import deadlines
from market.schemas import PurchaseIn, QualificationRuleIn, RequiredQualificationIn, WitnessIn
from market.services import award, catalogue, delivery, evidence, purchases, signups
from market.tables import Intermediary, Purchase, Qualification
from oneset.bootstrap import start_command

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from kernel.platform import Platform

PASSWORD = "proving-pass-2026"
SURVEY = "测绘资质·工程测量"
WAN = 1_000_000
TOKEN_TTL = dt.timedelta(hours=6)


async def _org(kind: str, serial: int, name: str) -> dict[str, Any]:
    username = f"pg-{kind}-{serial}"
    reg = await accounts.create_organisation(
        kind=kind, name=name, uscc=demo_uscc(serial), username=username, password=PASSWORD,
        region="330100",
    )  # fmt: skip
    return {"username": username, "password": PASSWORD, "orgId": reg.org_id,
            "userId": reg.user_id, "uscc": reg.uscc, "kind": kind}  # fmt: skip


def _actor(o: dict[str, Any]) -> Actor:
    return Actor(o["userId"], o["username"], o["orgId"], OrgKind(o["kind"]), "", o["uscc"], "admin")


async def bulk_firms(start: int, n: int, prefix: str) -> list[dict[str, Any]]:
    """``n`` approved intermediaries holding the survey qualification, each with a user."""
    orgs = [
        Organisation(kind="intermediary", name=f"{prefix}测绘有限公司{i}",
                     uscc=demo_uscc(start + i), region="330100")
        for i in range(n)
    ]  # fmt: skip
    await Organisation.insert(*orgs)
    rows = await (
        Organisation.select()
        .where(Organisation.uscc.is_in([o.uscc for o in orgs]))
        .order_by(Organisation.id)
    )
    password_hash = passwords.hash_password(PASSWORD)
    await User.insert(
        *[User(username=f"pg-burst-{r['id']}", password_hash=password_hash, organisation=r["id"])
          for r in rows]
    )  # fmt: skip
    await Intermediary.insert(
        *[Intermediary(organisation=r["id"], uscc=r["uscc"], name=r["name"], status="approved")
          for r in rows]
    )  # fmt: skip
    inter = await Intermediary.select(Intermediary.id).where(
        Intermediary.uscc.is_in([r["uscc"] for r in rows])
    )
    await Qualification.insert(
        *[Qualification(intermediary=i["id"], type=SURVEY, grade="甲级",
                        certificate_no=f"乙测资字{i['id']:08d}", status="approved")
          for i in inter]
    )  # fmt: skip
    users = await User.select(User.id, User.organisation).where(
        User.organisation.is_in([r["id"] for r in rows])
    )
    by_org = {u["organisation"]: u["id"] for u in users}
    return [
        {"orgId": r["id"], "uscc": r["uscc"], "userId": by_org[r["id"]],
         "username": f"pg-burst-{r['id']}", "password": PASSWORD, "kind": "intermediary"}
        for r in rows
    ]  # fmt: skip


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


class Deliveries:
    """Purchases taken through the services to 验收, one firm signed up to each, awaiting their
    owner's rating. The only step not taken through the services: the sign-up deadline is moved
    to the moment after the sign-ups (the rules allow none sooner than three working days), as the
    burst does; the selection then waits its in-flight grace, which the rest of the seeding uses.
    """

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.plan: list[tuple[Actor, Actor, int]] = []  # (owner, firm, purchase)
        self.closed = clock.now()

    async def start(
        self, owners: list[dict[str, Any]], firms: list[dict[str, Any]], n: int
    ) -> None:
        far = clock.now() + dt.timedelta(days=20)
        for i in range(n):
            owner, firm = _actor(owners[i % len(owners)]), _actor(firms[i % len(firms)])
            # Private funds: the one sign-up is drawn outright (state funds need three).
            terms = purchase_in(far, 500 + i, fund_type="private")
            pid = await purchases.create(self.platform, owner, terms)
            await purchases.publish(self.platform, owner, pid)
            await signups.sign_up(self.platform, firm, pid, quote=6 * WAN)
            self.plan.append((owner, firm, pid))
        self.closed = clock.now()
        await Purchase.update(
            {Purchase.signup_deadline: self.closed, Purchase.selection_time: self.closed}
        ).where(Purchase.id.is_in([pid for *_, pid in self.plan] or [0]))

    async def finish(self) -> dict[int, list[int]]:
        """Draw, contract, deliver and accept each; the accepted purchases by owner org."""
        due = self.closed + deadlines.IN_FLIGHT_GRACE + dt.timedelta(seconds=1)
        await asyncio.sleep(max(0.0, (due - clock.now()).total_seconds()))
        today = clock.local_today().date()
        accepted: dict[int, list[int]] = {}
        for owner, firm, pid in self.plan:
            status = await award.run_selection(self.platform, pid)
            assert status == "selected", (pid, status)  # one candidate, drawn
            contract = await self._file(firm, pid, "contract")
            await delivery.upload_contract(
                firm, pid, evidence_sha256=contract, amount_fen=6 * WAN,
                start_on=today, end_on=today + dt.timedelta(days=30),
            )  # fmt: skip
            await delivery.confirm_contract(owner, pid)
            result = await self._file(firm, pid, "result")
            await delivery.submit_result(firm, pid, evidence_sha256=result)
            await delivery.accept_result(owner, pid)
            accepted.setdefault(owner.org_id, []).append(pid)
        return accepted

    async def _file(self, firm: Actor, pid: int, kind: str) -> str:
        body = f"压力测试 {kind} purchase:{pid}".encode()
        _, sha = await evidence.store_evidence(
            self.platform, firm.org_id, subject=f"purchase:{pid}", kind=kind,
            chunks=_one_chunk(body), filename=f"{kind}-{pid}.pdf",
        )  # fmt: skip
        return sha


def purchase_in(deadline: dt.datetime, n: int, fund_type: str = "state") -> PurchaseIn:
    return PurchaseIn(
        project_code=f"2026-330100-48-01-{600000 + n:06d}",
        project_name=f"压力测试产业园{n}期",
        item_code="54C",
        content="竣工联合测绘：规划核实、土地核验、房产测绘",
        method="random_draw",
        fund_type=fund_type,
        signup_deadline=deadline,
        selection_time=deadline + dt.timedelta(hours=1),
        service_working_days=20,
        price_floor=5 * WAN,
        price_ceiling=8 * WAN,
        qualification_rule=QualificationRuleIn("any", [RequiredQualificationIn(SURVEY, "乙级")]),
        witnesses=[WitnessIn("王见证", "13800000000")],
    )


async def seed(platform: Platform, size: dict[str, int]) -> dict[str, Any]:
    await catalogue.load_catalog()
    secret = platform.settings.secret_key
    operator = await _org("operator", 800_001, "压力测试运营方")
    owners = [await _org("enterprise", 800_100 + i, f"压力测试建设单位{i}") for i in
              range(size["owners"])]  # fmt: skip
    reviewer = await _org("department", 800_050, "压力测试施工图审查中心")
    firms = await bulk_firms(810_000, size["firms"], "负载")
    deliveries = Deliveries(platform)
    await deliveries.start(owners, firms, size["rateable"] * len(owners))
    burst = await bulk_firms(830_000, size["burst"] + size["burst"] // 10, "冲刺")
    far = clock.now() + dt.timedelta(days=20)
    open_pids: list[int] = []
    for i in range(size["purchases"]):
        owner = _actor(owners[i % len(owners)])
        pid = await purchases.create(platform, owner, purchase_in(far, i))
        await purchases.publish(platform, owner, pid)
        open_pids.append(pid)
    projects = []
    for i, holder in enumerate(owners):
        code = f"2026-330100-48-02-{700000 + i:06d}"
        await drawings_projects.create_project(
            _actor(holder), project_code=code, name=f"压力测试图纸{i}"
        )
        await drawings_grants.grant(_actor(holder), code, org_id=reviewer["orgId"], role="review")
        projects.append(code)
    burst_owner = _actor(owners[0])
    burst_pid = await purchases.create(platform, burst_owner, purchase_in(far, 999))
    await purchases.publish(platform, burst_owner, burst_pid)
    accepted = await deliveries.finish()
    for person in [operator, *owners, reviewer, *burst]:
        person["token"] = tokens.issue(person["userId"], secret=secret, ttl=TOKEN_TTL)[0]
    return {
        "rateable": [accepted.get(o["orgId"], []) for o in owners],  # by owner, as "owners"
        "operator": operator, "owners": owners, "reviewer": reviewer, "firms": firms,
        "burst": burst, "openPurchases": open_pids, "projects": projects,
        "burstPurchase": burst_pid,
    }  # fmt: skip


def main() -> None:
    size = json.loads(sys.argv[1])
    platform = start_command()
    print(json.dumps(asyncio.run(seed(platform, size))))


if __name__ == "__main__":
    main()
