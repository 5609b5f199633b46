"""Onboarding (入驻), qualifications, evidence files and service guides (scenarios 1 and 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.api import SYSTEM, Actor, OrgKind
from accounts.tables import Organisation
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from market.common import INTERMEDIARIES_INDEX, loads, policy_for
from market.rules import credit, deadlines, eligibility, states
from market.tables import (
    BlacklistEntry,
    CatalogItem,
    Evidence,
    Intermediary,
    Purchase,
    Qualification,
    ServiceGuide,
    Signup,
)
from storage.aio import put_async_stream

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import AsyncIterator

    from piccolo.columns import Column

    from kernel.platform import Platform

EVIDENCE_KINDS = {
    "business_licence": "营业执照",
    "legal_rep_id": "法定代表人身份证明",
    "commitment": "法定代表人签章的承诺书",
    "certificate": "资质证书",
    "agent_id": "业务授权人身份证明",
    "social_insurance": "近 3 个月社保缴纳证明",
    "contract": "合同",
    "result": "服务成果",
    "proposal": "服务方案",
    "other": "其他材料",
}


async def store_evidence(
    platform: Platform,
    org_id: int,
    *,
    subject: str,
    kind: str,
    chunks: AsyncIterator[bytes],
    filename: str = "",
) -> tuple[int, str]:
    """Stream a file into the blob store (content-addressed) and attach it; (id, sha256)."""
    if kind not in EVIDENCE_KINDS:
        raise Invalid(f"未知的材料类型：{kind}", field="kind")
    info = await put_async_stream(
        platform.blobs, chunks, max_bytes=platform.settings.max_upload_bytes
    )
    if info.size == 0:
        raise Invalid("上传的文件为空", field="file")
    async with transaction():
        row = Evidence(
            organisation=org_id,
            subject=subject,
            kind=kind,
            sha256=info.sha256,
            size=info.size,
            filename=filename[:255],
        )
        await row.save()
        await audit.record(
            actor=f"org:{org_id}",
            action="evidence.attached",
            subject=subject,
            payload={"kind": kind, "sha256": info.sha256, "size": info.size},
        )
    return int(row.id), info.sha256


async def check_subject(actor: Actor, subject: str) -> None:
    """May ``actor`` attach files to ``subject``? (its own onboarding, qualification, purchase)."""
    kind, _, raw = subject.partition(":")
    if not raw.isdigit():
        raise Invalid(
            "材料归属格式应为 intermediary:ID、qualification:ID 或 purchase:ID", field="subject"
        )
    ident = int(raw)
    ok = False
    if kind == "intermediary":
        ok = await Intermediary.exists().where(
            Intermediary.id == ident, Intermediary.organisation == actor.org_id
        )
    elif kind == "qualification":
        ok = await Qualification.exists().where(
            Qualification.id == ident, Qualification.intermediary.organisation == actor.org_id
        )
    elif kind == "purchase":
        ok = await Purchase.exists().where(
            Purchase.id == ident,
            (Purchase.owner == actor.org_id) | (Purchase.winner == actor.org_id),
        ) or await Signup.exists().where(
            Signup.purchase == ident, Signup.intermediary == actor.org_id
        )
    if not ok:
        raise Forbidden("无权为该对象上传材料", code="not_your_subject")


async def evidence_for_reading(actor: Actor, evidence_id: int) -> dict[str, Any]:
    """An attached file, if ``actor`` may read it: its uploader's organisation, the operator or
    regulator, and for purchase files the owner and the selected intermediary."""
    row = await Evidence.select().where(Evidence.id == evidence_id).first()
    if row is None:
        raise NotFound("材料不存在", code="evidence_not_found")
    allowed = actor.org_id == row["organisation"] or actor.is_supervisor
    kind, _, raw = str(row["subject"]).partition(":")
    if not allowed and kind == "purchase" and raw.isdigit():
        allowed = await Purchase.exists().where(
            Purchase.id == int(raw),
            (Purchase.owner == actor.org_id) | (Purchase.winner == actor.org_id),
        )
    if not allowed:
        raise Forbidden("无权查看该材料", code="evidence_forbidden")
    return dict(row)


async def _intermediary_of(actor: Actor) -> dict[str, Any]:
    row = await Intermediary.select().where(Intermediary.organisation == actor.org_id).first()
    if row is None:
        raise NotFound("尚未提交入驻申请", code="not_onboarded")
    return dict(row)


async def apply(platform: Platform, actor: Actor, *, region: str = "", intro: str = "") -> int:
    """Zero-threshold onboarding: free, any region, reviewed formally within the SLA."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    now = clock.now()
    due = deadlines.review_due(now, policy_for(platform).deadlines)
    async with transaction():
        existing = (
            await Intermediary.select().where(Intermediary.organisation == actor.org_id).first()
        )
        if existing and existing["status"] != "rejected":
            raise Conflict("入驻申请已提交", code="already_applied")
        values: dict[str, Any] = {
            "uscc": actor.uscc,
            "name": actor.org_name,
            "region": region,
            "intro": intro,
            "status": "pending",
            "submitted_at": now,
            "review_due": due,
            "review_reason": "",
        }
        if existing:
            await Intermediary.update(
                {getattr(Intermediary, k): v for k, v in values.items()}
            ).where(Intermediary.id == existing["id"])
            ident = int(existing["id"])
        else:
            columns = {getattr(Intermediary, k): v for k, v in values.items()}
            row = Intermediary({Intermediary.organisation: actor.org_id, **columns})
            await row.save()
            ident = int(row.id)
        await audit.record(
            actor=actor.label,
            action="intermediary.applied",
            subject=f"intermediary:{ident}",
            payload={"reviewDue": due.isoformat()},
        )
    return ident


async def review(actor: Actor, intermediary_id: int, *, approve: bool, reason: str = "") -> None:
    """The operator's formal review; a rejection without a reason is refused."""
    actor.require_kind(OrgKind.OPERATOR)
    if not approve and not reason.strip():
        raise Invalid("驳回入驻申请必须说明理由", field="reason", code="reason_required")
    async with transaction():
        row = await Intermediary.select().where(Intermediary.id == intermediary_id).first()
        if row is None:
            raise NotFound("入驻申请不存在")
        if row["status"] != "pending":
            raise Conflict("该申请已审核", code="already_reviewed")
        status = "approved" if approve else "rejected"
        await Intermediary.update(
            {
                Intermediary.status: status,
                Intermediary.reviewed_at: clock.now(),
                Intermediary.reviewed_by: actor.label,
                Intermediary.review_reason: reason,
            }
        ).where(Intermediary.id == intermediary_id)
        await audit.record(
            actor=actor.label,
            action=f"intermediary.{status}",
            subject=f"intermediary:{intermediary_id}",
            payload={"reason": reason},
        )
        await outbox.index_later(INTERMEDIARIES_INDEX, int(row["organisation"]))


async def review_queue(actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """The operator's queue: pending applications and qualification changes, oldest first,
    with their review deadlines and the evidence kinds attached."""
    actor.require_kind(OrgKind.OPERATOR)
    apps = (
        await Intermediary.select(
            Intermediary.id,
            Intermediary.organisation,
            Intermediary.name,
            Intermediary.uscc,
            Intermediary.submitted_at,
            Intermediary.review_due,
        )
        .where(Intermediary.status == "pending")
        .order_by(Intermediary.submitted_at)
    )
    kinds: dict[str, set[str]] = {}
    for e in await Evidence.select(Evidence.subject, Evidence.kind).where(
        Evidence.subject.like("intermediary:%") | Evidence.subject.like("qualification:%")
    ):
        kinds.setdefault(e["subject"], set()).add(e["kind"])
    quals = (
        await Qualification.select(
            Qualification.id,
            Qualification.intermediary.name,
            Qualification.type,
            Qualification.grade,
            Qualification.certificate_no,
            Qualification.valid_until,
            Qualification.replaces,
            Qualification.submitted_at,
            Qualification.review_due,
        )
        .where(Qualification.status == "pending")
        .order_by(Qualification.submitted_at)
    )
    return {
        "applications": [
            {**dict(a), "evidence": sorted(kinds.get(f"intermediary:{a['id']}", set()))}
            for a in apps
        ],
        "qualifications": [
            {**dict(q), "evidence": sorted(kinds.get(f"qualification:{q['id']}", set()))}
            for q in quals
        ],
    }


async def declare_qualification(
    platform: Platform,
    actor: Actor,
    *,
    type_: str,
    grade: str,
    certificate_no: str,
    valid_until: dt.date | None,
    replaces: int | None = None,
) -> int:
    """A new or changed qualification: pending until the operator confirms it."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    policy = policy_for(platform)
    if grade not in policy.onboarding.grade_ranks:
        raise Invalid(f"资质等级须为：{'、'.join(policy.onboarding.grade_ranks)}", field="grade")
    if not type_.strip() or not certificate_no.strip():
        raise Invalid("须填写资质类别和证书编号", field="certificateNo")
    me = await _intermediary_of(actor)
    due = deadlines.review_due(clock.now(), policy.deadlines)
    async with transaction():
        if replaces is not None:
            old = (
                await Qualification.select()
                .where(Qualification.id == replaces, Qualification.intermediary == me["id"])
                .first()
            )
            if old is None or old["status"] != "approved":
                raise Invalid("只能变更已确认的资质", field="replaces")
        row = Qualification(
            intermediary=me["id"],
            type=type_.strip(),
            grade=grade,
            certificate_no=certificate_no.strip(),
            valid_until=valid_until,
            replaces=replaces,
            review_due=due,
        )
        await row.save()
        await audit.record(
            actor=actor.label,
            action="qualification.declared",
            subject=f"qualification:{row.id}",
            payload={"type": type_, "grade": grade, "replaces": replaces},
        )
    return int(row.id)


async def review_qualification(
    platform: Platform, actor: Actor, qualification_id: int, *, approve: bool, reason: str = ""
) -> list[int]:
    """Confirm or reject a declaration; a confirmed change re-checks open sign-ups.

    Returns the ids of sign-ups flagged as no longer eligible.
    """
    actor.require_kind(OrgKind.OPERATOR)
    if not approve and not reason.strip():
        raise Invalid("驳回资质变更必须说明理由", field="reason", code="reason_required")
    async with transaction():
        row = await Qualification.select().where(Qualification.id == qualification_id).first()
        if row is None:
            raise NotFound("资质申报不存在")
        if row["status"] != "pending":
            raise Conflict("该资质申报已审核", code="already_reviewed")
        status = "approved" if approve else "rejected"
        await Qualification.update(
            {
                Qualification.status: status,
                Qualification.reviewed_at: clock.now(),
                Qualification.reviewed_by: actor.label,
                Qualification.review_reason: reason,
            }
        ).where(Qualification.id == qualification_id)
        if approve and row["replaces"] is not None:
            await Qualification.update({Qualification.status: "superseded"}).where(
                Qualification.id == row["replaces"]
            )
        await audit.record(
            actor=actor.label,
            action=f"qualification.{status}",
            subject=f"qualification:{qualification_id}",
            payload={"reason": reason},
        )
        inter = (
            await Intermediary.select(Intermediary.organisation)
            .where(Intermediary.id == row["intermediary"])
            .first()
        )
        org_id = int(inter["organisation"]) if inter else 0
        flagged = await recheck_signups(platform, org_id) if approve else []
        await outbox.index_later(INTERMEDIARIES_INDEX, org_id)
    return flagged


async def held_qualifications(org_id: int) -> tuple[eligibility.HeldQualification, ...]:
    rows = await Qualification.select().where(
        Qualification.intermediary.organisation == org_id, Qualification.status == "approved"
    )
    return tuple(
        eligibility.HeldQualification(
            type=r["type"],
            grade=r["grade"],
            certificate_no=r["certificate_no"],
            valid_until=r["valid_until"],
        )
        for r in rows
    )


async def applicant(org_id: int, today: dt.date) -> eligibility.Applicant:
    inter = await Intermediary.select().where(Intermediary.organisation == org_id).first()
    org = await Organisation.select(Organisation.uscc).where(Organisation.id == org_id).first()
    if org is None:
        raise NotFound("机构不存在")
    blacklisted = await BlacklistEntry.exists().where(
        BlacklistEntry.intermediary == org_id,
        BlacklistEntry.revoked.eq(False),
        BlacklistEntry.starts_on <= today,
        BlacklistEntry.ends_on >= today,
    )
    return eligibility.Applicant(
        uscc=str(org["uscc"]),
        qualifications=await held_qualifications(org_id),
        credit_grade=str(inter["credit_grade"]) if inter else "A",
        blacklisted=bool(blacklisted),
        onboarded=bool(inter and inter["status"] == "approved"),
    )


def signup_terms(row: dict[str, Any]) -> eligibility.SignupTerms:
    rule = loads(row["qualification_rule"], {"kind": "any", "items": []})
    return eligibility.SignupTerms(
        method=row["method"],
        status=row["status"],
        signup_deadline=row["signup_deadline"],
        rule=eligibility.QualificationRule(
            kind=rule.get("kind", "any"),
            items=tuple(
                eligibility.RequiredQualification(i["type"], i.get("min_grade") or None)
                for i in rule.get("items", [])
            ),
        ),
        avoided=loads(row["avoided"], {}),
        bounds=eligibility.PriceBounds(
            quote_type=row["quote_type"], floor=row["price_floor"], ceiling=row["price_ceiling"]
        ),
    )


OPEN_FOR_CHECK = (states.Status.SIGNUP_OPEN.value, states.Status.SIGNUP_CLOSED.value)


async def recheck_signups(platform: Platform, org_id: int) -> list[int]:
    """Flag this intermediary's sign-ups to open purchases it no longer qualifies for."""
    today = deadlines.local_date(clock.now())
    who = await applicant(org_id, today)
    policy = policy_for(platform)
    rows = await Signup.select(Signup.id, Signup.flagged, Signup.purchase).where(
        Signup.intermediary == org_id, Signup.purchase.status.is_in(list(OPEN_FOR_CHECK))
    )
    flagged: list[int] = []
    for s in rows:
        purchase = await Purchase.select().where(Purchase.id == s["purchase"]).first()
        if purchase is None:
            continue
        problems = eligibility.standing_problems(who, signup_terms(dict(purchase)), today, policy)
        if problems and not s["flagged"]:
            await Signup.update(
                {Signup.flagged: True, Signup.flag_reason: problems[0].detail}
            ).where(Signup.id == s["id"])
            await audit.record(
                actor=SYSTEM,
                action="signup.flagged",
                subject=f"purchase:{s['purchase']}",
                payload={"signup": s["id"], "reason": problems[0].detail},
            )
            flagged.append(int(s["id"]))
    return flagged


async def upsert_guide(
    actor: Actor,
    *,
    item_code: str,
    scope: str,
    standard: str,
    process: str,
    fee: str,
    promised_working_days: int,
) -> int:
    """服务指南: one per intermediary per catalog item."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    me = await _intermediary_of(actor)
    if promised_working_days < 1:
        raise Invalid("承诺时限至少为 1 个工作日", field="promisedWorkingDays")
    item = await CatalogItem.select(CatalogItem.id).where(CatalogItem.code == item_code).first()
    if item is None:
        raise Invalid("服务事项不在清单中", field="itemCode")
    async with transaction():
        existing = (
            await ServiceGuide.select(ServiceGuide.id)
            .where(ServiceGuide.intermediary == me["id"], ServiceGuide.item == item["id"])
            .first()
        )
        values: dict[Column | str, Any] = {
            ServiceGuide.scope: scope,
            ServiceGuide.standard: standard,
            ServiceGuide.process: process,
            ServiceGuide.fee: fee,
            ServiceGuide.promised_working_days: promised_working_days,
            ServiceGuide.updated_at: clock.now(),
        }
        if existing:
            await ServiceGuide.update(values).where(ServiceGuide.id == existing["id"])
            ident = int(existing["id"])
        else:
            row = ServiceGuide(
                intermediary=me["id"],
                item=item["id"],
                scope=scope,
                standard=standard,
                process=process,
                fee=fee,
                promised_working_days=promised_working_days,
            )
            await row.save()
            ident = int(row.id)
        await audit.record(
            actor=actor.label,
            action="guide.saved",
            subject=f"guide:{ident}",
            payload={"item": item_code},
        )
        await outbox.index_later(INTERMEDIARIES_INDEX, actor.org_id)
    return ident


def require_operator_or_regulator(actor: Actor) -> None:
    if not actor.is_supervisor:
        raise Forbidden("只有平台运营方或监管部门可以执行此操作")


async def intermediary_row(org_id: int) -> dict[str, Any]:
    row = await Intermediary.select().where(Intermediary.organisation == org_id).first()
    if row is None:
        raise NotFound("中介机构不存在", code="intermediary_not_found")
    return dict(row)


NEGATIVE_LABELS = credit.NEGATIVE_KINDS
