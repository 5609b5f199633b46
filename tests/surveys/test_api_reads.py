"""The reads the joint-survey pages make, over the API with the pages' access rules: one's own
commissions, the package's versions, every department's check rows, a department's own
permitted values (that department only), and what an owner registers from (its registrable
purchases, the departments it may grant: enterprises only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar.testing import AsyncTestClient

from kernel import outbox
from kernel.platform import Platform
from oneset.wiring import index_registrations
from surveys import api as surveys
from surveys.formats.sample import sample_dxf, sample_report_pdf
from tests.conftest import Database
from tests.helpers import login
from tests.market.world import FakeClock, new_org
from tests.surveys.world import CORE_ITEMS, DECLARED, QC, make_survey_world

API = "/api/v1/surveys"


async def test_survey_reads_over_http_follow_the_pages_access(
    db: Database, platform: Platform, client: AsyncTestClient[Any], fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    for note in ("第一版", "修订"):
        await surveys.submit_package_bytes(
            platform, sw.surveyor, cid, dxf=sample_dxf(), report_pdf=sample_report_pdf(),
            declared=DECLARED, qc=QC, note=note,
        )  # fmt: skip
    await surveys.set_permitted(
        sw.planning, cid, department="planning", values={"far": Decimal("2.6")}, source="规划许可证"
    )
    owner, surveyor = (
        await login(client, sw.owner.username),
        await login(client, sw.surveyor.username),
    )
    planning, land = (
        await login(client, sw.planning.username),
        await login(client, sw.land.username),
    )
    outsider = await login(client, sw.outsider.username)

    # Mine: the owner, the surveyor and each granted department list it; an outsider does not.
    for reader in (owner, surveyor, planning):
        mine = await client.get(f"{API}/commissions/mine", headers=reader)
        assert mine.status_code == 200, mine.text
        assert [c["id"] for c in mine.json()] == [cid]
    assert (await client.get(f"{API}/commissions/mine", headers=outsider)).json() == []
    assert (await client.get(f"{API}/commissions/mine")).status_code == 401

    # Package versions, newest first, for every reader.
    versions = await client.get(f"{API}/commissions/{cid}/packages", headers=land)
    assert versions.status_code == 200, versions.text
    assert [(v["version"], v["note"]) for v in versions.json()] == [(2, "修订"), (1, "第一版")]
    assert set(versions.json()[0]) >= {"dxf", "report", "discrepancies", "submittedAt"}

    # Every department's check rows, as the page shows them to everyone who reads it.
    checks = await client.get(f"{API}/commissions/{cid}/checks", headers=surveyor)
    assert checks.status_code == 200, checks.text
    assert {c["department"] for c in checks.json()} == {"planning", "land", "property"}
    assert all("items" in c and "departmentLabel" in c for c in checks.json())

    # Permitted values: the granted department itself only.
    permitted = await client.get(
        f"{API}/commissions/{cid}/checks/planning/permitted", headers=planning
    )
    assert permitted.status_code == 200, permitted.text
    assert permitted.json()["source"] == "规划许可证" and "far" in permitted.json()["values"]
    for other in (land, owner, surveyor, outsider):
        denied = await client.get(
            f"{API}/commissions/{cid}/checks/planning/permitted", headers=other
        )
        assert denied.status_code == 403, denied.text

    # An outsider reads nothing of it; an unknown commission is 404.
    for path in ("packages", "checks"):
        assert (
            await client.get(f"{API}/commissions/{cid}/{path}", headers=outsider)
        ).status_code == 403
        assert (
            await client.get(f"{API}/commissions/999999/{path}", headers=owner)
        ).status_code == 404
    schema = (await client.get("/schema/openapi.json")).json()
    operations = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    assert {
        "listMySurveyCommissions",
        "listSurveyPackageVersions",
        "listSurveyChecks",
        "getSurveyPermittedValues",
    } <= operations


async def test_what_the_owner_registers_from_over_http_is_the_enterprises(
    db: Database, platform: Platform, client: AsyncTestClient[Any], fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    other = await new_org("enterprise", "示范市另一建设单位")
    while await outbox.dispatch(platform, index_registrations(), send=lambda _n, _a: None):
        pass  # the organisation directory the department list is read from
    owner, stranger = await login(client, sw.owner.username), await login(client, other.username)
    surveyor, planning = (
        await login(client, sw.surveyor.username),
        await login(client, sw.planning.username),
    )
    operator = await login(client, sw.market.operator.username)

    # The owner's own published 54C purchase is offered; another enterprise lists its own (none).
    offered = await client.get(f"{API}/registrable-purchases", headers=owner)
    assert offered.status_code == 200, offered.text
    assert [(p["id"], p["itemCode"], p["ownerId"]) for p in offered.json()] == [
        (sw.purchase_id, "54C", sw.owner.org_id)
    ]
    assert (await client.get(f"{API}/registrable-purchases", headers=stranger)).json() == []

    # The departments by name, for any enterprise; no enterprise or firm among them.
    listed = await client.get(f"{API}/grantable-departments", headers=owner)
    assert listed.status_code == 200, listed.text
    ids = {d["orgName"]: d["orgId"] for d in listed.json()}
    assert {
        ids.get("示范市自然资源和规划局"),
        ids.get("示范市自然资源局土地利用处"),
        ids.get("示范市不动产登记中心"),
    } == {sw.planning.org_id, sw.land.org_id, sw.registration.org_id}
    assert not {sw.owner.org_id, other.org_id, sw.surveyor.org_id} & set(ids.values())
    assert (await client.get(f"{API}/grantable-departments", headers=stranger)).json() == (
        listed.json()
    )

    # Registered with the listed departments, the purchase is no longer offered.
    created = await client.post(
        f"{API}/commissions",
        json={
            "purchaseId": sw.purchase_id,
            "items": CORE_ITEMS,
            "departments": {"planning": ids["示范市自然资源和规划局"]},
        },
        headers=owner,
    )
    assert created.status_code == 201, created.text
    assert [d["orgId"] for d in created.json()["departments"]] == [sw.planning.org_id]
    assert (await client.get(f"{API}/registrable-purchases", headers=owner)).json() == []

    # Any other kind of organisation is refused; so is an anonymous caller.
    for path in ("registrable-purchases", "grantable-departments"):
        for caller in (surveyor, planning, operator):
            refused = await client.get(f"{API}/{path}", headers=caller)
            assert refused.status_code == 403, (path, refused.text)
            assert refused.json()["code"] == "wrong_org_kind"
        anonymous = await client.get(f"{API}/{path}")
        assert anonymous.status_code == 401, (path, anonymous.text)
        assert anonymous.headers["content-type"].startswith("application/problem+json")
    schema = (await client.get("/schema/openapi.json")).json()
    operations = {
        op["operationId"]: (path, set(op["responses"]))
        for path, item in schema["paths"].items()
        for op in item.values()
    }
    for operation_id in ("listRegistrableSurveyPurchases", "listGrantableSurveyDepartments"):
        path, statuses = operations[operation_id]
        assert path.startswith(API) and {"200", "401", "403"} <= statuses, (operation_id, statuses)
