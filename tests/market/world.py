"""Building marketplace situations through the real services (no fakes except the clock)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from accounts import services as accounts
from accounts.actor import Actor
from accounts.demo import demo_uscc
from accounts.rules import OrgKind
from kernel.platform import Platform
from market.schemas import (
    AvoidedIn,
    PurchaseIn,
    QualificationRuleIn,
    RequiredQualificationIn,
    WitnessIn,
)
from market.services import catalogue, evidence, onboarding, purchases, qualifications
from market.tables import Intermediary

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a working Monday
DEADLINE = dt.datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)  # Friday: ≥ 3 working days
SELECTION = dt.datetime(2026, 11, 27, 17, 30, tzinfo=SHANGHAI)
WAN = 1_000_000  # fen per 万元
SURVEY = "测绘资质·工程测量"
_serials = itertools.count(700_000)


class FakeClock:
    """The only stand-in: services read ``kernel.clock.now`` and the test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def set(self, moment: dt.datetime) -> None:
        self.current = moment.astimezone(dt.UTC)

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(data), 7):
        yield data[i : i + 7]


async def new_org(kind: str, name: str | None = None) -> Actor:
    serial = next(_serials)
    username = f"m-{kind}-{serial}"
    reg = await accounts.create_organisation(
        kind=kind,
        name=name or f"测试{kind}{serial}",
        uscc=demo_uscc(serial),
        username=username,
        password="test-pass-2026",
    )
    return Actor(reg.user_id, username, reg.org_id, OrgKind(kind), reg.name, reg.uscc, "admin")


@dataclass
class World:
    platform: Platform
    operator: Actor
    owner: Actor
    firms: list[Actor] = field(default_factory=list)

    async def firm(
        self,
        grade: str = "甲级",
        qualification: str = SURVEY,
        *,
        approve: bool = True,
        name: str | None = None,
        intro: str = "",
    ) -> Actor:
        """An onboarded intermediary holding ``qualification`` at ``grade``."""
        actor = await new_org("intermediary", name or f"测试测绘有限公司{len(self.firms) + 1}")
        ident = await onboarding.apply(self.platform, actor, region="330100", intro=intro)
        await evidence.store_evidence(
            self.platform,
            actor.org_id,
            subject=f"intermediary:{ident}",
            kind="business_licence",
            chunks=chunks(f"licence {actor.uscc}".encode()),
            filename="营业执照.pdf",
        )
        if approve:
            await onboarding.review(self.operator, ident, approve=True)
            q = await qualifications.declare_qualification(
                self.platform,
                actor,
                type_=qualification,
                grade=grade,
                certificate_no=f"乙测资字{actor.org_id:08d}",
                valid_until=dt.date(2030, 12, 31),
            )
            await qualifications.review_qualification(self.platform, self.operator, q, approve=True)
        self.firms.append(actor)
        return actor

    async def purchase(self, *, publish: bool = True, **overrides: object) -> int:
        values: dict[str, object] = {
            "project_code": "2026-330100-48-01-123456",
            "project_name": "示范产业园一期",
            "item_code": "54C",
            "content": "竣工联合测绘：规划核实、土地核验、房产测绘",
            "method": "random_draw",
            "fund_type": "state",
            "signup_deadline": DEADLINE,
            "selection_time": SELECTION,
            "service_working_days": 20,
            "price_floor": 5 * WAN,
            "price_ceiling": 8 * WAN,
            "qualification_rule": QualificationRuleIn(
                "any", [RequiredQualificationIn(SURVEY, "乙级")]
            ),
            "witnesses": [WitnessIn("王见证", "13800000000")],
        }
        values.update(overrides)
        pid = await purchases.create(self.platform, self.owner, PurchaseIn(**values))  # type: ignore[arg-type]
        if publish:
            await purchases.publish(self.platform, self.owner, pid)
        return pid


async def make_world(platform: Platform) -> World:
    await catalogue.load_catalog()
    return World(platform, await new_org("operator"), await new_org("enterprise"))


async def credit_grade(org_id: int) -> str:
    row = (
        await Intermediary.select(Intermediary.credit_grade)
        .where(Intermediary.organisation == org_id)
        .first()
    )
    assert row is not None
    return str(row["credit_grade"])


def avoid(actor: Actor, reason: str) -> AvoidedIn:
    return AvoidedIn(actor.uscc, reason)
