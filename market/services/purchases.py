"""Purchase announcements (采购公告): draft, revision, publication with the seed commitment,
cancellation, the public beacon, and re-procurement after a failed selection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stdnum.cn import uscc as stdnum_uscc

from accounts.api import Actor, OrgKind
from kernel import audit, bounds, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid
from market.rules import deadlines, draw, selection, states
from market.rules.policy import FUND_TYPES, METHODS
from market.schemas import (
    AvoidedIn,
    CommitmentOut,
    PurchaseIn,
    QualificationRuleIn,
    RequiredQualificationIn,
    WitnessIn,
)
from market.services import notices
from market.services.access import require_owner
from market.services.catalogue import require_known_types
from market.services.json_columns import dumps, loads
from market.services.policy_file import policy_for
from market.services.purchase_records import change_status, purchase_row
from market.tables import CatalogItem, Purchase

if TYPE_CHECKING:
    import datetime as dt

    from kernel.platform import Platform

S, E = states.Status, states.Event
PRICE_METHODS = selection.PRICE_METHODS


def _validate(data: PurchaseIn, platform: Platform) -> None:
    if data.method not in METHODS:
        raise Invalid(f"选取方式须为：{'、'.join(METHODS)}", field="method")
    if data.fund_type not in FUND_TYPES:
        raise Invalid("资金来源须为 state（财政/国有资金）或 private（社会资金）", field="fundType")
    if data.quote_type not in ("amount", "discount_rate"):
        raise Invalid("报价方式须为 amount（金额）或 discount_rate（下浮率）", field="quoteType")
    if data.method == "reference_price" and data.quote_type != "amount":
        raise Invalid("最优价（参考价）选取仅适用于金额报价", field="quoteType")
    if data.method in PRICE_METHODS and (data.price_floor is None or data.price_ceiling is None):
        raise Invalid("竞价选取须设定报价上下限", field="priceCeiling")
    if (
        data.price_floor is not None
        and data.price_ceiling is not None
        and not 0 <= data.price_floor <= data.price_ceiling
    ):
        raise Invalid("报价下限须不大于上限且不为负", field="priceFloor")
    if data.signup_deadline.tzinfo is None or data.selection_time.tzinfo is None:
        raise Invalid("时间须带时区", field="signupDeadline")
    if data.selection_time < data.signup_deadline:
        raise Invalid("选取时间不得早于报名截止时间", field="selectionTime")
    bounds.check_working_days(
        data.service_working_days, "serviceWorkingDays", platform.settings.max_working_days
    )
    # The columns are narrower than a Name: longer text would fail in PostgreSQL as a 500.
    for value, limit, label, name in (
        (data.contact, 100, "联系人及电话", "contact"),
        (data.complaint_phone, 40, "投诉电话", "complaintPhone"),
    ):
        if len(value) > limit:
            raise Invalid(f"{label}不得超过 {limit} 个字符", field=name)
    _validate_rules(data, platform)


def _validate_rules(data: PurchaseIn, platform: Platform) -> None:
    policy = policy_for(platform)
    if data.qualification_rule.kind not in ("any", "all"):
        raise Invalid("资质条件须为 any（任一）或 all（全部）", field="qualificationRule.kind")
    ranks = policy.onboarding.grade_ranks
    for req in data.qualification_rule.items:
        if req.min_grade is not None and req.min_grade not in ranks:
            raise Invalid(f"资质等级须为：{'、'.join(ranks)}", field="qualificationRule.items")
    for avoided in data.avoided:
        if not stdnum_uscc.is_valid(avoided.uscc):
            raise Invalid("回避机构的统一社会信用代码无效", field="avoided")
        if not avoided.reason.strip():
            raise Invalid("回避须说明理由", field="avoided")
    if len(data.witnesses) > 3:
        raise Invalid("现场见证人最多 3 名", field="witnesses")
    if data.method == "credit_merit":
        long_size = data.long_list_size or policy.selection.credit_long_list_size
        short_size = data.short_list_size or policy.selection.credit_short_list_size
        if not 1 <= short_size <= long_size:
            raise Invalid("小名单数量须不大于大名单数量且至少为 1", field="shortListSize")


async def validated_values(data: PurchaseIn, platform: Platform) -> dict[str, Any]:
    """Column values of an announcement, validated (shared by create, draft edits and
    corrections of a published announcement)."""
    _validate(data, platform)
    await require_known_types(
        [r.type for r in data.qualification_rule.items], "qualificationRule.items"
    )
    item = await CatalogItem.select().where(CatalogItem.code == data.item_code).first()
    if item is None:
        raise Invalid("服务事项不在中介服务事项清单中", field="itemCode")
    rule = {
        "kind": data.qualification_rule.kind,
        "items": [
            {"type": r.type, "min_grade": r.min_grade} for r in data.qualification_rule.items
        ],
    }
    return {
        "project_code": data.project_code.strip(),
        "project_name": data.project_name.strip(),
        "item": item["id"],
        "content": data.content,
        "method": data.method,
        "fund_type": data.fund_type,
        "quote_type": data.quote_type,
        "price_floor": data.price_floor,
        "price_ceiling": data.price_ceiling,
        "signup_deadline": data.signup_deadline,
        "selection_time": data.selection_time,
        "qualification_rule": dumps(rule),
        "avoided": dumps({a.uscc: a.reason.strip() for a in data.avoided}),
        "witnesses": dumps([{"name": w.name, "phone": w.phone} for w in data.witnesses]),
        "long_list_size": data.long_list_size,
        "short_list_size": data.short_list_size,
        "service_working_days": data.service_working_days,
        "contact": data.contact,
        "complaint_phone": data.complaint_phone or str(item["complaint_phone"]),
        "beacon": data.beacon,
    }


def suggested_signup_deadline(platform: Platform) -> dt.datetime:
    """The sign-up deadline a new announcement's form proposes (a working-day morning)."""
    return deadlines.suggested_signup_deadline(clock.now(), policy_for(platform).deadlines)


async def create(platform: Platform, actor: Actor, data: PurchaseIn) -> int:
    """A draft announcement by a project owner."""
    actor.require_kind(OrgKind.ENTERPRISE)
    values = await validated_values(data, platform)
    async with transaction():
        row = Purchase({getattr(Purchase, k): v for k, v in values.items()})
        row.owner = actor.org_id
        row.status = S.DRAFT.value
        row.last_owner_activity_at = clock.now()
        await row.save()
        await audit.record(
            actor=actor.label,
            action="purchase.created",
            subject=f"purchase:{row.id}",
            payload={"method": data.method, "item": data.item_code},
        )
    return int(row.id)


async def update_draft(
    platform: Platform, actor: Actor, purchase_id: int, data: PurchaseIn
) -> None:
    """Revise a draft (e.g. the copy made by re-procurement needs new dates) before publishing."""
    values = await validated_values(data, platform)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        if row["status"] != S.DRAFT:
            raise Conflict("只有草稿状态的采购公告可以修改", code="not_draft")
        values["last_owner_activity_at"] = clock.now()
        await Purchase.update({getattr(Purchase, k): v for k, v in values.items()}).where(
            Purchase.id == purchase_id
        )
        await audit.record(
            actor=actor.label,
            action="purchase.revised",
            subject=f"purchase:{purchase_id}",
            payload={"method": data.method, "item": data.item_code},
        )


async def draft(actor: Actor, purchase_id: int) -> PurchaseIn:
    """A draft as its owner typed it, for the edit form."""
    row = await purchase_row(purchase_id)
    require_owner(actor, row)
    if row["status"] != S.DRAFT:
        raise Conflict("只有草稿状态的采购公告可以修改", code="not_draft")
    return await as_input(row)


async def as_input(row: dict[str, Any]) -> PurchaseIn:
    """A purchase row as the announcement's input (the inverse of ``validated_values``)."""
    item = await CatalogItem.select(CatalogItem.code).where(CatalogItem.id == row["item"]).first()
    rule = loads(row["qualification_rule"], {})
    return PurchaseIn(
        project_code=row["project_code"],
        project_name=row["project_name"],
        item_code=str(item["code"]) if item else "",
        content=row["content"],
        method=row["method"],
        fund_type=row["fund_type"],
        signup_deadline=row["signup_deadline"],
        selection_time=row["selection_time"],
        service_working_days=row["service_working_days"],
        quote_type=row["quote_type"],
        price_floor=row["price_floor"],
        price_ceiling=row["price_ceiling"],
        qualification_rule=QualificationRuleIn(
            kind=rule.get("kind", "any"),
            items=[
                RequiredQualificationIn(type=i["type"], min_grade=i.get("min_grade"))
                for i in rule.get("items", [])
            ],
        ),
        avoided=[AvoidedIn(uscc=u, reason=r) for u, r in loads(row["avoided"], {}).items()],
        witnesses=[
            WitnessIn(name=w["name"], phone=w.get("phone", "")) for w in loads(row["witnesses"], [])
        ],
        long_list_size=row["long_list_size"],
        short_list_size=row["short_list_size"],
        contact=row["contact"],
        complaint_phone=row["complaint_phone"],
        beacon=row["beacon"],
    )


async def publish(platform: Platform, actor: Actor, purchase_id: int) -> CommitmentOut:
    """Publish: commit to a fresh secret seed; returns the public commitment."""
    now = clock.now()
    policy = policy_for(platform)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        deadlines.check_signup_period(row["signup_deadline"], now, policy.deadlines)
        seed = draw.new_seed()
        await change_status(
            row,
            E.PUBLISH,
            actor=actor.label,
            at=now,
            extra={
                "seed_hex": seed.hex(),
                "commitment": draw.commitment(seed),
                "published_at": now,
                "last_owner_activity_at": now,
            },
        )
    outbox.kick()
    return CommitmentOut(commitment=draw.commitment(seed))


async def cancel(actor: Actor, purchase_id: int, reason: str) -> None:
    """The owner cancels its purchase; so may the operator, who takes down one that should not
    stand (e.g. published with absurd dates), before the selection like the owner."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        if actor.org_kind != OrgKind.OPERATOR:
            require_owner(actor, row)
        await change_status(row, E.CANCEL, actor=actor.label, at=clock.now(), reason=reason)
        await notices.cancelled(row, reason, by_owner=actor.org_id == row["owner"])
    outbox.kick()


async def set_beacon(actor: Actor, purchase_id: int, beacon: str) -> None:
    """A public beacon (e.g. that day's lottery numbers) added before the selection time.

    It enters every draw's HMAC message, so even the holder of the committed seed cannot know
    the outcome in advance. Owner, operator or regulator may set it; it is audited.
    """
    if not 0 < len(beacon.strip()) <= 200:
        raise Invalid("公开随机数须为 1–200 个字符", field="beacon")
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        if actor.org_id != row["owner"] and not actor.is_supervisor:
            raise Forbidden("只有项目业主、运营方或监管部门可以登记公开随机数")
        now = clock.now()
        if row["status"] not in (S.DRAFT, S.SIGNUP_OPEN, S.SIGNUP_CLOSED) or (
            now >= row["selection_time"]
        ):
            raise Conflict("选取时间后不能再登记公开随机数", code="beacon_too_late")
        await Purchase.update({Purchase.beacon: beacon.strip()}).where(Purchase.id == purchase_id)
        await audit.record(
            actor=actor.label,
            action="purchase.beacon_set",
            subject=f"purchase:{purchase_id}",
            payload={"beacon": beacon.strip()},
        )


async def reprocure(actor: Actor, purchase_id: int) -> int:
    """重新采购: copy a failed (or abandoned) announcement into a new draft."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        now = clock.now()
        if row["status"] == S.ABANDONED:
            await change_status(row, E.FAIL, actor=actor.label, at=now, reason="业主选择重新采购")
            await notices.selection_failed(row, "业主选择重新采购", by_draw=False)
        if row["status"] != S.FAILED:
            raise Conflict("只有流标的采购项目可以重新采购", code="not_failed")
        copy_fields = (
            "owner",
            "project_code",
            "project_name",
            "item",
            "content",
            "method",
            "fund_type",
            "quote_type",
            "price_floor",
            "price_ceiling",
            "signup_deadline",
            "selection_time",
            "qualification_rule",
            "avoided",
            "witnesses",
            "long_list_size",
            "short_list_size",
            "service_working_days",
            "contact",
            "complaint_phone",
            "beacon",
        )
        new = Purchase({getattr(Purchase, f): row[f] for f in copy_fields})
        new.status = S.DRAFT.value
        new.reprocured_from = purchase_id
        new.last_owner_activity_at = now
        await new.save()
        await audit.record(
            actor=actor.label,
            action="purchase.reprocured",
            subject=f"purchase:{new.id}",
            payload={"from": purchase_id},
        )
    outbox.kick()
    return int(new.id)
