from __future__ import annotations

from accounts.demo import load as accounts_demo
from accounts.tables import Notice
from kernel.platform import Platform
from market.tables import Purchase
from surveys import demo
from surveys.tables import Certificate, Commission, DepartmentCheck, ResultPackage
from tests.conftest import Database


async def test_demo_is_one_complete_joint_survey_and_idempotent(
    db: Database, platform: Platform
) -> None:
    await demo.load(platform)  # without the accounts demo users: nothing to do
    assert await Commission.count() == 0
    await accounts_demo(platform)
    await demo.load(platform)
    await demo.load(platform)
    commissions = await Commission.select()
    assert len(commissions) == 1
    assert commissions[0]["status"] == "completed"
    assert await ResultPackage.count() == 1
    checks = await DepartmentCheck.select(DepartmentCheck.department, DepartmentCheck.final_outcome)
    assert sorted((c["department"], c["final_outcome"]) for c in checks) == [
        ("land", "pass"),
        ("planning", "pass"),
        ("property", "pass"),
    ]
    kinds = sorted(c["kind"] for c in await Certificate.select(Certificate.kind))
    assert kinds == ["land_verification", "planning_verification"]
    # The surveyor's 消息中心 tells of its 54C selection and contract, once (idempotent load).
    won = await Purchase.select(Purchase.winner).where(Purchase.id == commissions[0]["purchase"])
    told = await Notice.select(Notice.kind).where(Notice.recipient == won[0]["winner"])
    assert sorted(n["kind"] for n in told) == ["contract_confirmed", "selected"]
