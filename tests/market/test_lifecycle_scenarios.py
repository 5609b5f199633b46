"""Scenarios 1, 2, 10–13 through the services, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.actor import Actor
from kernel import audit
from kernel.errors import Conflict, Forbidden, Invalid
from kernel.platform import Platform
from market.rules.draw import proof_to_dict
from market.services import (
    award,
    complaints,
    credit_records,
    delivery,
    directory,
    evidence,
    onboarding,
    purchase_views,
    purchases,
    qualifications,
    ratings,
    signups,
    supervision,
)
from market.tables import (
    Evidence,
    Extension,
    Intermediary,
    NegativeRecord,
    OperatorFlag,
    PurchaseHistory,
    Qualification,
    Signup,
)
from tests.conftest import Database
from tests.market.world import (
    DEADLINE,
    SELECTION,
    SHANGHAI,
    SURVEY,
    WAN,
    FakeClock,
    World,
    chunks,
    make_world,
    new_org,
)


async def test_scenario_1_zero_threshold_onboarding(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    firm = await new_org("intermediary", "浙江远方测绘有限公司")
    ident = await onboarding.apply(platform, firm, region="110000")  # registered far away
    materials = [
        "business_licence",
        "legal_rep_id",
        "commitment",
        "certificate",
        "agent_id",
        "social_insurance",
    ]
    for kind in materials:
        _, sha = await evidence.store_evidence(
            platform,
            firm.org_id,
            subject=f"intermediary:{ident}",
            kind=kind,
            chunks=chunks(f"{kind} of {firm.uscc}".encode()),
            filename=f"{kind}.pdf",
        )
        assert platform.blobs.exists(sha)
    stored = await Evidence.select().where(Evidence.subject == f"intermediary:{ident}")
    assert sorted(r["kind"] for r in stored) == sorted(materials)
    row = await onboarding.application_of(firm.org_id)
    assert row.review_due == dt.date(2026, 11, 25)  # 2 working days after Monday
    queue = await onboarding.review_queue(w.operator)
    (pending,) = queue.applications
    assert (pending.id, pending.review_due) == (ident, dt.date(2026, 11, 25))
    assert pending.evidence == sorted(materials)
    with pytest.raises(Forbidden):
        await onboarding.review_queue(firm)
    with pytest.raises(Invalid) as no_reason:
        await onboarding.review(w.operator, ident, approve=False, reason="  ")
    assert no_reason.value.code == "reason_required"
    with pytest.raises(Forbidden):
        await onboarding.review(firm, ident, approve=True)
    await onboarding.review(w.operator, ident, approve=True)
    q = await qualifications.declare_qualification(
        platform,
        firm,
        type_=SURVEY,
        grade="乙级",
        certificate_no="乙测资字11000001",
        valid_until=dt.date(2029, 6, 30),
    )
    await qualifications.review_qualification(platform, w.operator, q, approve=True)
    # No local-office rule: a purchase in 330100 accepts the Beijing firm.
    pid = await w.purchase()
    await signups.sign_up(platform, firm, pid, 6 * WAN)
    assert await Signup.count().where(Signup.purchase == pid) == 1


async def test_scenario_1_rejection_with_reason_and_reapply(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    firm = await w.firm(approve=False)
    ident = int((await onboarding.application_of(firm.org_id)).id)
    await onboarding.review(w.operator, ident, approve=False, reason="营业执照扫描件不清晰")
    row = await onboarding.application_of(firm.org_id)
    assert (row.status, row.review_reason) == ("rejected", "营业执照扫描件不清晰")
    with pytest.raises(Conflict):
        await onboarding.review(w.operator, ident, approve=True)
    assert await onboarding.apply(platform, firm) == ident
    assert (await onboarding.application_of(firm.org_id)).status == "pending"


async def test_scenario_2_qualification_change_pending_then_flags(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    firm = await w.firm("甲级")
    pid = await w.purchase()
    signup = await signups.sign_up(platform, firm, pid, 6 * WAN)
    assert [p.id for p in await purchase_views.eligible_open_purchases(platform, firm)] == [pid]
    held = await qualifications.held_qualifications(firm.org_id)
    current = await Qualification.select().where(Qualification.status == "approved").first()
    assert current is not None
    assert held[0].grade == "甲级"
    change = await qualifications.declare_qualification(
        platform,
        firm,
        type_=SURVEY,
        grade="丙级",
        certificate_no="丙测资字0001",
        valid_until=dt.date(2030, 1, 1),
        replaces=int(current["id"]),
    )
    # Pending: nothing changes yet.
    assert (await qualifications.held_qualifications(firm.org_id))[0].grade == "甲级"
    assert [p.id for p in await purchase_views.eligible_open_purchases(platform, firm)] == [pid]
    flagged = await qualifications.review_qualification(platform, w.operator, change, approve=True)
    assert flagged == [signup]
    assert (await qualifications.held_qualifications(firm.org_id))[0].grade == "丙级"
    assert await purchase_views.eligible_open_purchases(platform, firm) == []
    row = await Signup.select().where(Signup.id == signup).first()
    assert row is not None
    assert row["flagged"]
    assert "乙级" in row["flag_reason"]
    # A flagged sign-up is not a candidate at the selection.
    for _ in range(3):
        await signups.sign_up(platform, await w.firm(), pid, 7 * WAN)
    fake_clock.set(SELECTION)
    await award.run_selection(platform, pid)
    assert firm.uscc not in (proof_to_dict(await purchase_views.draw_proof(pid)))["candidates"]


async def _selected(w: World, fake_clock: FakeClock) -> tuple[int, Actor]:
    pid = await w.purchase(fund_type="private")
    firm = await w.firm()
    await signups.sign_up(w.platform, firm, pid, 6 * WAN)
    fake_clock.set(SELECTION)
    assert await award.run_selection(w.platform, pid) == "selected"
    return pid, firm


async def _file(w: World, actor: Actor, pid: int, text: str) -> str:
    _, sha = await evidence.store_evidence(
        w.platform,
        actor.org_id,
        subject=f"purchase:{pid}",
        kind="contract",
        chunks=chunks(text.encode()),
        filename="file.pdf",
    )
    return sha


async def test_scenario_10_contract_result_rating(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid, firm = await _selected(w, fake_clock)
    contract = await _file(w, firm, pid, "合同 v1")
    with pytest.raises(Invalid):
        await delivery.upload_contract(
            firm,
            pid,
            evidence_sha256="0" * 64,
            amount_fen=6 * WAN,
            start_on=dt.date(2026, 12, 1),
            end_on=dt.date(2026, 12, 28),
        )
    await delivery.upload_contract(
        firm,
        pid,
        evidence_sha256=contract,
        amount_fen=6 * WAN,
        start_on=dt.date(2026, 12, 1),
        end_on=dt.date(2026, 12, 28),
    )
    with pytest.raises(Forbidden):
        await delivery.confirm_contract(firm, pid)  # the other side must confirm
    await delivery.confirm_contract(w.owner, pid)
    assert (await purchase_views.purchase_view(pid)).status == "in_service"
    with pytest.raises(Conflict):
        await ratings.rate(
            platform,
            w.owner,
            pid,
            dict.fromkeys(("quality", "timeliness", "attitude", "fee", "compliance"), 5),
        )
    await delivery.submit_result(firm, pid, evidence_sha256=await _file(w, firm, pid, "成果 v1"))
    with pytest.raises(Invalid):
        await delivery.return_result(w.owner, pid, "")
    await delivery.return_result(w.owner, pid, "缺少质检报告")
    await delivery.submit_result(firm, pid, evidence_sha256=await _file(w, firm, pid, "成果 v2"))
    await delivery.accept_result(w.owner, pid)
    scores = {"quality": 5, "timeliness": 4, "attitude": 5, "fee": 4, "compliance": 5}
    await ratings.rate(platform, w.owner, pid, scores, "")
    with pytest.raises(Conflict):
        await ratings.rate(platform, w.owner, pid, scores, "")
    profile = await directory.public_profile(platform, firm.org_id)
    assert profile.completed_count == 1
    assert profile.rating_averages["quality"] == "5.00"
    assert profile.rating_averages["fee"] == "4.00"
    assert str(profile.credit.rating_average) == "4.60"
    assert str(profile.credit.score) == "108.00"  # 100 + (4.6 − 3) / 2 × 10
    hist = await purchase_views.history(pid)
    assert [h.new for h in hist][-6:] == [
        "in_service",
        "result_submitted",
        "in_service",
        "result_submitted",
        "accepted",
        "rated",
    ]


async def test_scenario_10_idle_owner_flagged_after_180_days(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid, _ = await _selected(w, fake_clock)
    fake_clock.advance(days=179)
    assert await supervision.flag_idle_owners(platform) == []
    fake_clock.advance(days=2)
    assert await supervision.flag_idle_owners(platform) == [pid]
    assert await supervision.flag_idle_owners(platform) == []  # flagged once
    flags = await supervision.flags(w.operator, "owner_idle")
    assert flags[0].subject == f"purchase:{pid}"


async def test_scenario_11_lights_escalation_and_extension(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    fake_clock.set(dt.datetime(2026, 9, 14, 9, tzinfo=SHANGHAI))
    pid = await w.purchase(
        fund_type="private",
        signup_deadline=dt.datetime(2026, 9, 18, 17, tzinfo=SHANGHAI),
        selection_time=dt.datetime(2026, 9, 18, 18, tzinfo=SHANGHAI),
    )
    firm = await w.firm()
    await signups.sign_up(platform, firm, pid, 6 * WAN)
    fake_clock.set(dt.datetime(2026, 9, 18, 18, tzinfo=SHANGHAI))
    assert await award.run_selection(platform, pid) == "selected"
    sha = await _file(w, firm, pid, "合同")
    # Service from 21 Sep over 20 working days across 中秋 and 国庆: due 26 Oct.
    await delivery.upload_contract(
        firm,
        pid,
        evidence_sha256=sha,
        amount_fen=6 * WAN,
        start_on=dt.date(2026, 9, 21),
        end_on=dt.date(2026, 10, 26),
    )
    await delivery.confirm_contract(w.owner, pid)

    async def light_on(day: dt.date) -> str:
        fake_clock.set(dt.datetime.combine(day, dt.time(8), tzinfo=SHANGHAI))
        await supervision.refresh_lights(platform)
        return str((await purchase_views.purchase_view(pid)).light)

    assert await light_on(dt.date(2026, 10, 19)) == "green"  # day 15
    assert await light_on(dt.date(2026, 10, 21)) == "yellow"  # day 17
    assert await light_on(dt.date(2026, 10, 27)) == "red"  # day 21
    assert await light_on(dt.date(2026, 11, 9)) == "red"  # 10 working days overdue
    assert await NegativeRecord.count().where(NegativeRecord.purchase == pid) == 0
    assert await light_on(dt.date(2026, 11, 10)) == "red"  # 11: proposed to the regulator
    (record,) = await NegativeRecord.select().where(NegativeRecord.purchase == pid)
    assert (record["kind"], record["status"]) == ("overdue_completion", "proposed")
    await light_on(dt.date(2026, 11, 11))
    assert await NegativeRecord.count().where(NegativeRecord.purchase == pid) == 1
    assert await credit_score(firm.org_id) == 10_000  # proposed records do not count yet
    regulator = await new_org("regulator")
    with pytest.raises(Forbidden):
        await credit_records.decide_record(platform, firm, record["id"], confirm=True)
    await credit_records.decide_record(platform, regulator, record["id"], confirm=True)
    assert await credit_score(firm.org_id) == 9_500


async def test_scenario_11_extension_moves_deadline_and_is_logged(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid, firm = await _selected(w, fake_clock)
    sha = await _file(w, firm, pid, "合同")
    await delivery.upload_contract(
        firm,
        pid,
        evidence_sha256=sha,
        amount_fen=6 * WAN,
        start_on=dt.date(2026, 11, 30),
        end_on=dt.date(2026, 12, 11),
    )
    await delivery.confirm_contract(w.owner, pid)
    fake_clock.set(dt.datetime(2026, 12, 14, 9, tzinfo=SHANGHAI))
    await supervision.refresh_lights(platform)
    assert (await purchase_views.purchase_view(pid)).light == "red"
    with pytest.raises(Forbidden):
        await delivery.extend(platform, firm, pid, working_days=5, reason="x")
    result = await delivery.extend(platform, w.owner, pid, working_days=5, reason="业主补充资料")
    assert result.new_due == dt.date(2026, 12, 18)
    view = await purchase_views.purchase_view(pid)
    # 4 of 14 working days left: green again (yellow needs ≤ 20 % or ≤ 2 days).
    assert (view.service_due, view.light) == (dt.date(2026, 12, 18), "green")
    (ext,) = await Extension.select().where(Extension.purchase == pid)
    assert (ext["old_due"], ext["reason"]) == (dt.date(2026, 12, 11), "业主补充资料")
    entries = await audit.entries_for(f"purchase:{pid}")
    assert any(e["action"] == "purchase.extended" for e in entries)


async def credit_score(org_id: int) -> int:
    row = (
        await Intermediary.select(Intermediary.credit_score_cents)
        .where(Intermediary.organisation == org_id)
        .first()
    )
    assert row is not None
    return int(row["credit_score_cents"])


async def test_scenario_12_complaint_routed_answered_published(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase()
    firm = await w.firm()
    cid = await complaints.file_complaint(
        platform,
        firm,
        subject="资质要求具有歧视性",
        purchase_id=pid,
        body="公告要求“本市注册的甲级测绘资质”，限制外地机构参与。",
    )
    (flag,) = await supervision.flags(w.operator, "complaint")
    assert flag.subject == f"complaint:{cid}"
    assert "2026-11-30" in flag.detail  # 5 working days after Monday 23 Nov
    with pytest.raises(Forbidden):
        await complaints.answer_complaint(firm, cid, outcome="x")
    assert await complaints.public_complaints(pid) == []
    fake_clock.advance(days=2)
    await complaints.answer_complaint(
        w.operator,
        cid,
        outcome="投诉成立，已责令业主修改资质要求",
        correction="资质要求更正为：具有工程测量乙级及以上资质，不限注册地",
    )
    view = await purchase_views.purchase_view(pid)
    assert "不限注册地" in view.corrections[0].correction
    (published,) = await complaints.public_complaints(pid)
    assert published.on_time
    assert "不限注册地" in published.correction
    assert published.responded_at is not None
    assert published.filed_at < published.responded_at
    with pytest.raises(Conflict):
        await complaints.answer_complaint(w.operator, cid, outcome="再次答复")


async def test_scenario_13_every_transition_recorded_and_chained(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase()
    with pytest.raises(Invalid):
        await purchases.cancel(w.owner, pid, "")
    await purchases.cancel(w.owner, pid, "项目调整")
    with pytest.raises(Conflict):
        await purchases.cancel(w.owner, pid, "再次撤销")
    hist = await purchase_views.history(pid)
    assert [(h.old, h.new, h.reason) for h in hist] == [
        ("draft", "signup_open", ""),
        ("signup_open", "cancelled", "项目调整"),
    ]
    assert all(h.actor == w.owner.label and h.at.tzinfo is not None for h in hist)
    entries = [
        e for e in await audit.entries_for(f"purchase:{pid}") if e["action"].startswith("purchase.")
    ]
    assert [e["action"] for e in entries] == [
        "purchase.created",
        "purchase.publish",
        "purchase.cancel",
    ]
    count, broken = await audit.verify()
    assert broken is None
    assert count >= 3
    # History rows match the audit chain one to one (no edit path exists in the services).
    assert await PurchaseHistory.count().where(PurchaseHistory.purchase == pid) == 2
    assert await OperatorFlag.count() == 0


async def test_idle_owner_covers_the_pick_not_the_service(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pick = await w.purchase(method="proposal_merit", price_floor=None, price_ceiling=None)
    for _ in range(2):
        await signups.sign_up(platform, await w.firm(), pick, None)
    served, firm = await _selected(w, fake_clock)
    sha = await _file(w, firm, served, "合同")
    await delivery.upload_contract(
        firm,
        served,
        evidence_sha256=sha,
        amount_fen=6 * WAN,
        start_on=dt.date(2026, 11, 30),
        end_on=dt.date(2027, 12, 31),
    )
    await delivery.confirm_contract(w.owner, served)
    assert await award.run_selection(platform, pick) == "selecting"  # waits for the owner
    fake_clock.advance(days=181)
    assert await supervision.flag_idle_owners(platform) == [pick]  # a long service is not idle


async def test_eligible_purchases_come_a_page_at_a_time_soonest_deadline_first(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    firm = await w.firm("甲级")
    later = [
        await w.purchase(
            signup_deadline=DEADLINE + dt.timedelta(hours=h),
            selection_time=SELECTION + dt.timedelta(hours=h),
        )
        for h in (2, 1)
    ]
    soonest = await w.purchase()
    await signups.sign_up(platform, firm, soonest, 6 * WAN)
    await signups.sign_up(platform, await w.firm("乙级"), soonest, 7 * WAN)
    page = await purchase_views.eligible_open_purchases(platform, firm, limit=2)
    assert [p.id for p in page] == [soonest, later[1]]
    assert page[0].signup_count is None  # before the deadline the count stays hidden
    counted, _ = await purchase_views.list_purchases(viewer=w.operator)  # a supervisor sees it
    assert {p.id: p.signup_count for p in counted} == {soonest: 2, later[0]: 0, later[1]: 0}
    rest = await purchase_views.eligible_open_purchases(platform, firm, offset=2, limit=2)
    assert [p.id for p in rest] == [later[0]]
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        with pytest.raises(Invalid):
            await purchase_views.eligible_open_purchases(platform, firm, **bad)
