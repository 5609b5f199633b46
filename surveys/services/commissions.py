"""Commissions: the owner registers its 联合测绘 purchase as the project's joint survey and grants
departments their roles; everyone with a role reads the commission."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.api import OrgKind, organisation, search_organisations
from drawings import api as drawings
from kernel import audit, outbox
from kernel.db import is_postgres, transaction
from kernel.errors import Conflict, Forbidden, Invalid
from market import api as market
from surveys.rules import commissions as rules
from surveys.rules.labels import STAGE_LABELS
from surveys.schemas import CommissionOut, OrganisationChoice
from surveys.services import access, policy_files, records
from surveys.tables import Commission, DepartmentCheck, DepartmentGrant

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from accounts.api import Actor
    from kernel.platform import Platform
    from surveys.schemas import CheckOut, DepartmentOut


async def create_commission(
    actor: Actor,
    *,
    purchase_id: int,
    stage: str,
    items: Sequence[str],
    departments: Mapping[str, int] | None = None,
) -> CommissionOut:
    """The owner registers its 联合测绘 purchase as the project's joint survey for ``stage``."""
    actor.require_kind(OrgKind.ENTERPRISE)
    survey_stage = rules.parse_stage(stage)
    check_items = rules.normalise_items(survey_stage, items)
    purchase = await market.purchase_facts(purchase_id)
    if purchase.owner_id != actor.org_id:
        raise Forbidden("只能登记本单位的采购项目", code="not_purchase_owner")
    if purchase.item_code != rules.SERVICE_ITEM_CODE:
        raise Invalid(
            f"联合测绘须通过服务事项“{rules.SERVICE_ITEM_NAME}”（{rules.SERVICE_ITEM_CODE}）采购",
            field="purchaseId",
        )
    if purchase.status in rules.CLOSED_PURCHASE:
        raise Conflict("该采购项目已撤销或流标，不能登记委托", code="purchase_closed")
    code = drawings.normalize_project_code(purchase.project_code)
    async with transaction():
        if is_postgres():  # one registration per project at a time, so the overlap check holds
            await Commission.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"surveys:{code}")
        linked = (
            await Commission.select(Commission.id).where(Commission.purchase == purchase_id).first()
        )
        if linked is not None:
            raise Conflict(
                f"该采购项目已登记为联合测绘委托 #{linked['id']}",
                code="purchase_already_linked",
                extra={"commissionId": linked["id"]},
            )
        rules.refuse_overlap(
            [
                rules.ExistingCommission(
                    id=c.id,
                    stage=rules.Stage(c.stage),
                    items=tuple(rules.CheckItem(i) for i in c.items),
                    status=c.status,
                    latest_version=c.latest_version,
                )
                for c in await records.project_commissions(code)
            ],
            survey_stage,
            check_items,
        )
        await drawings.open_project(actor, project_code=code, name=purchase.project_name)
        row = Commission(
            project_code=code,
            project_name=purchase.project_name,
            stage=survey_stage.value,
            items=records.dumps([i.value for i in check_items]),
            owner=actor.org_id,
            purchase=purchase_id,
            purchase_key=str(purchase_id),
            created_by=actor.label,
        )
        await row.save()
        commission_id = int(row.id)
        # The commission files the survey's sheets of the set (the surveyor's result, the
        # departments' certificates) under the owner's delegation.
        await drawings.delegate_uploads(
            actor,
            code,
            holder=rules.delegation_holder(commission_id),
            sheet_prefix=rules.sheet_number(survey_stage.value, ""),
        )
        for check_item in check_items:
            department = rules.ITEM_DEPARTMENT[check_item]
            await DepartmentCheck.insert(
                DepartmentCheck(
                    key=f"{commission_id}/{department}",
                    commission=commission_id,
                    department=department,
                    rule_set_version=policy_files.rule_set(department).version,
                )
            )
        await audit.record(
            actor=actor.label,
            action="survey.commissioned",
            subject=rules.subject(commission_id),
            payload={
                "projectCode": code,
                "stage": survey_stage.value,
                "items": [i.value for i in check_items],
                "purchaseId": purchase_id,
            },
        )
        if departments:
            commission = await records.commission_record(commission_id)
            for department, org_id in departments.items():
                await _grant(actor, commission, department, org_id)
    outbox.kick()
    return await commission_view(actor, commission_id)


async def grant_department(
    actor: Actor, commission_id: int, *, department: str, org_id: int
) -> None:
    """The owner names the department organisation that checks (or reads) for ``department``."""
    commission = await records.commission_record(commission_id)
    if commission.owner_id != actor.org_id:
        raise Forbidden("只有项目业主可以授权部门", code="not_commission_owner")
    async with transaction():
        await _grant(actor, commission, department, org_id)
    outbox.kick()


async def _grant(
    actor: Actor, commission: records.CommissionRecord, department: str, org_id: int
) -> None:
    access.require_known_department(department)
    org = await organisation(org_id)
    if org is None or org.kind != OrgKind.DEPARTMENT:
        raise Invalid("被授权的须为审批部门机构", field="orgId")
    key = f"{commission.id}/{department}"
    await DepartmentGrant.delete().where(DepartmentGrant.key == key)
    await DepartmentGrant.insert(
        DepartmentGrant(
            key=key,
            commission=commission.id,
            department=department,
            organisation=org_id,
            granted_by=actor.label,
        )
    )
    # The department also needs to open the survey files in the project's drawing set.
    project = await drawings.project_for(actor, commission.project_code)
    grants = await drawings.list_grants(actor, commission.project_code)
    if not any(g.org_id == org_id for g in grants) and org_id != project.owner_org_id:
        await drawings.grant(actor, commission.project_code, org_id=org_id, role="read")
    await audit.record(
        actor=actor.label,
        action="survey.department_granted",
        subject=rules.subject(commission.id, "grant", department),
        payload={"department": department, "orgId": org_id},
    )


def _commission_out(
    commission: records.CommissionRecord,
    roles: set[str],
    departments: list[DepartmentOut],
    checks: list[CheckOut],
) -> CommissionOut:
    return CommissionOut(
        id=commission.id,
        project_code=commission.project_code,
        project_name=commission.project_name,
        stage=commission.stage,
        stage_label=STAGE_LABELS[commission.stage],
        items=commission.items,
        status=commission.status,
        latest_version=commission.latest_version,
        purchase_id=commission.purchase_id,
        purchase_status=commission.purchase_status,
        surveyor_org_id=commission.surveyor_org_id,
        owner_org_id=commission.owner_id,
        my_roles=sorted(roles),
        departments=departments,
        checks=checks,
        created_at=commission.created_at,
    )


async def commission_view(actor: Actor, commission_id: int) -> CommissionOut:
    """The commission, its granted departments and every department's check (readers only)."""
    commission = await records.commission_record(commission_id)
    roles = await access.require_reader(actor, commission)
    departments = await records.granted_departments([commission_id])
    checks = await records.check_records([commission_id])
    return _commission_out(
        commission,
        roles,
        departments[commission_id],
        [records.check_out(c) for c in checks[commission_id]],
    )


async def list_commissions(actor: Actor, project_code: str) -> list[CommissionOut]:
    """The project's commissions the actor may read (three queries, whatever their number)."""
    code = drawings.normalize_project_code(project_code)
    return await _readable(actor, await records.project_commissions(code))


async def my_commissions(actor: Actor, *, limit: int = 200) -> list[CommissionOut]:
    """Every commission the actor's organisation owns, surveys or checks (supervisors: all),
    newest first."""
    granted = await records.granted_commission_ids(actor.org_id)
    commissions = await records.commissions_of(
        actor.org_id,
        granted,
        everything=actor.org_kind in access.SUPERVISING_KINDS,
        limit=limit,
    )
    return await _readable(actor, commissions)


async def registrable_purchases(actor: Actor) -> list[market.PurchaseOut]:
    """The enterprise's published 联合测绘 purchases not yet registered as a commission."""
    if actor.org_kind != OrgKind.ENTERPRISE:
        return []
    items, _ = await market.list_purchases(owner=actor.org_id, limit=200, viewer=actor)
    open_items = [
        p
        for p in items
        if p.item_code == rules.SERVICE_ITEM_CODE
        and p.status not in rules.CLOSED_PURCHASE
        and p.status != "draft"
    ]
    linked = await records.linked_purchases([p.id for p in open_items])
    return [p for p in open_items if p.id not in linked]


async def owner_registrable_purchases(actor: Actor) -> list[market.PurchaseOut]:
    """The registrable purchases over the API: the calling enterprise's own (another
    enterprise's never appear); any other kind of organisation is refused, as on
    ``/surveys/new``, rather than answered with an empty list."""
    actor.require_kind(OrgKind.ENTERPRISE)
    return await registrable_purchases(actor)


async def grantable_departments(platform: Platform, actor: Actor) -> list[OrganisationChoice]:
    """The departments an owner may grant a check to, for enterprises only: every commission's
    owner is one, and it names them before its commission exists (registering with grants) as
    well as after (``grant_department``). Other kinds of organisation are refused. The names
    themselves are no secret: the public directory lists every department."""
    actor.require_kind(OrgKind.ENTERPRISE)
    return await department_choices(platform)


async def department_choices(platform: Platform) -> list[OrganisationChoice]:
    """The approval departments an owner may grant a check to, by name."""
    found = await search_organisations(
        platform, q="", kind=OrgKind.DEPARTMENT.value, offset=0, limit=200
    )
    choices = [OrganisationChoice(org_id=int(h["id"]), org_name=str(h["name"])) for h in found.hits]
    return sorted(choices, key=lambda c: c.org_name)


async def _readable(
    actor: Actor, commissions: Sequence[records.CommissionRecord]
) -> list[CommissionOut]:
    ids = [c.id for c in commissions]
    departments = await records.granted_departments(ids)
    checks = await records.check_records(ids)
    views = []
    for commission in commissions:
        mine = [d.department for d in departments[commission.id] if d.org_id == actor.org_id]
        roles = access.roles_with(actor, commission, mine)
        if not roles:
            continue  # no role on this commission: not listed
        views.append(
            _commission_out(
                commission,
                roles,
                departments[commission.id],
                [records.check_out(c) for c in checks[commission.id]],
            )
        )
    return views
