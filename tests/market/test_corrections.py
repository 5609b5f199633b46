"""更正公告 over HTTP on both databases: the purchase changes, the history shows it with the
complaint corrections, the audit chain records it, the board is told; a refused correction
changes nothing, and nobody but the owner may correct."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.testing import AsyncTestClient

from accounts import api as accounts
from kernel import audit, outbox
from kernel.platform import Platform
from kernel.tables import AuditEntry, OutboxEntry
from market.schemas import CorrectionIn
from market.search_docs import PURCHASES_INDEX
from market.services import complaints, corrections, signups
from market.tables import Purchase, PurchaseCorrection
from oneset.wiring import index_registrations
from tests import helpers
from tests.market.world import DEADLINE, SHANGHAI, WAN, FakeClock, make_world

API = "/api/v1/market"
Client = AsyncTestClient[Any]
LATER = dt.datetime(2026, 11, 30, 17, 0, tzinfo=SHANGHAI)  # the next Monday


async def _row(pid: int) -> dict[str, Any]:
    row = await Purchase.select().where(Purchase.id == pid).first()
    assert row is not None
    return dict(row)


async def _audited(pid: int) -> int:
    await audit.seal()
    return int(
        await AuditEntry.count().where(
            AuditEntry.action == "purchase.corrected", AuditEntry.subject == f"purchase:{pid}"
        )
    )


async def test_the_owner_corrects_a_published_announcement(
    client: Client, platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    pid = await world.purchase()
    owner = await helpers.login(client, world.owner.username)
    indexed = await OutboxEntry.count().where(OutboxEntry.target == PURCHASES_INDEX)
    fake_clock.advance(days=1)  # Tuesday: a changed content needs the period up to Friday

    r = await client.post(
        f"{API}/purchases/{pid}/corrections",
        headers=owner,
        json={
            "reason": "增加人防测绘内容，相应延长报名时间",
            "content": "竣工联合测绘（含人防测绘）",
            "priceCeiling": 9 * WAN,
            "signupDeadline": LATER.isoformat(),
            "selectionTime": (LATER + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    assert [c["label"] for c in r.json()["changes"]] == [
        "报名截止时间",
        "选取时间",
        "服务内容",
        "报价上限",
    ]
    assert "signedUp" not in r.json()  # who signed up stays undisclosed to the owner

    row = await _row(pid)
    assert row["content"] == "竣工联合测绘（含人防测绘）"
    assert (row["price_ceiling"], row["signup_deadline"]) == (9 * WAN, LATER)
    assert row["status"] == "signup_open" and row["price_floor"] == 5 * WAN  # the rest stays
    body = (await client.get(f"{API}/purchases/{pid}")).json()
    assert body["content"] == "竣工联合测绘（含人防测绘）"
    [fix] = body["corrections"]
    assert (fix["source"], fix["reason"]) == ("owner", "增加人防测绘内容，相应延长报名时间")
    assert {"field": "priceCeiling", "label": "报价上限", "before": "80,000.00 元",
            "after": "90,000.00 元"} in fix["changes"]  # fmt: skip
    assert await _audited(pid) == 1
    assert await OutboxEntry.count().where(OutboxEntry.target == PURCHASES_INDEX) == indexed + 1
    await outbox.dispatch(platform, index_registrations(), send=lambda _n, _a: None)
    board = (await client.get(f"{API}/board", params={"q": "人防测绘"})).json()
    assert [hit["id"] for hit in board["items"]] == [str(pid)]

    # An answered complaint's correction joins the same history, in time order.
    firm = await world.firm()
    complaint = await complaints.file_complaint(
        platform, firm, subject="联系电话无法接通", body="公告电话空号", purchase_id=pid
    )
    fake_clock.advance(hours=1)
    await complaints.answer_complaint(
        world.operator, complaint, outcome="已核实", correction="联系电话更正为 0571-88881111"
    )
    history = (await client.get(f"{API}/purchases/{pid}")).json()["corrections"]
    assert [c["source"] for c in history] == ["owner", "complaint"]
    assert history[1]["reason"] == "答复投诉（联系电话无法接通）时更正"


async def test_a_refused_correction_changes_nothing(
    client: Client, platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    pid = await world.purchase()
    owner = await helpers.login(client, world.owner.username)
    firm = await world.firm()
    await signups.sign_up(platform, firm, pid, 6 * WAN)
    before = await _row(pid)
    url = f"{API}/purchases/{pid}/corrections"

    refusals = [
        ({"reason": "下调最高限价", "priceCeiling": 7 * WAN}, 409, "terms_frozen_after_signup"),
        ({"reason": "调整资质要求", "qualificationRule": {"kind": "any", "items": []}}, 409,
         "terms_frozen_after_signup"),
        ({"reason": "提前截止", "signupDeadline": (DEADLINE - dt.timedelta(hours=2)).isoformat()},
         422, "earlier_not_allowed"),
        ({"reason": "fix phone", "contact": "李经理"}, 422, "reason_not_chinese"),
        ({"reason": "", "contact": "李经理"}, 422, "reason_required"),
        ({"reason": "更" * 501, "contact": "李经理"}, 422, "validation_failed"),
        ({"reason": "服务时限有误", "serviceWorkingDays": 0}, 422, "working_days_out_of_range"),
        ({"reason": "选取时间有误", "selectionTime": (DEADLINE - dt.timedelta(hours=1)).isoformat()
          }, 422, "invalid"),
        ({"reason": "联系人有误", "surprise": 1}, 422, "validation_failed"),
        ({"reason": "无变化", "contact": before["contact"]}, 422, "nothing_changed"),
    ]  # fmt: skip
    for body, status, code in refusals:
        r = await client.post(url, headers=owner, json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    frozen = await client.post(url, headers=owner, json=refusals[0][0])
    assert "报价上限" in frozen.json()["detail"]

    # Nobody but the owner: another enterprise, the firm, an anonymous caller; no such purchase.
    other = await helpers.login_as(client, "enterprise")
    fix = {"reason": "联系人有误", "contact": "李经理"}
    assert (await client.post(url, headers=other.headers, json=fix)).status_code == 403
    bidder = await helpers.login(client, firm.username)
    assert (await client.post(url, headers=bidder, json=fix)).status_code == 403
    assert (await client.post(url, json=fix)).status_code == 401
    missing = await client.post(f"{API}/purchases/999999/corrections", headers=owner, json=fix)
    assert missing.status_code == 404

    assert await _row(pid) == before
    assert await PurchaseCorrection.count().where(PurchaseCorrection.purchase == pid) == 0
    assert await _audited(pid) == 0
    assert await accounts.unread_notices(firm.org_id) == 0

    # What may still change after a sign-up does, and the firm that signed up is told.
    done = await corrections.correct(
        platform, world.owner, pid, CorrectionIn(reason="联系人有误", contact="李经理 13900000000")
    )
    assert done.signed_up == [firm.org_id]
    assert [c.label for c in done.changes] == ["联系人及电话"]
    told = (await accounts.notices_of(firm, limit=10)).items
    assert [(n.kind, n.link) for n in told] == [("corrected", f"/purchases/{pid}")]
    assert "联系人及电话" in told[0].body and "联系人有误" in told[0].body

    # After the sign-up deadline nothing may be corrected.
    fake_clock.set(DEADLINE)
    r = await client.post(url, headers=owner, json={"reason": "联系人有误", "contact": "王经理"})
    assert (r.status_code, r.json()["code"]) == (409, "correction_closed")
