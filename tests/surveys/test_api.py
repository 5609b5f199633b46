"""The joint-survey API end to end over HTTP (the purchase is set up through market services)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from kernel.platform import Platform
from surveys.formats.sample import sample_dxf, sample_report_pdf
from tests.conftest import Database
from tests.helpers import login
from tests.market.world import FakeClock
from tests.surveys.world import QC, make_survey_world

API = "/api/v1/surveys"


async def test_joint_survey_over_http(
    db: Database,
    platform: Platform,
    client: AsyncTestClient[Any],
    fake_clock: FakeClock,
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    owner = await login(client, sw.owner.username)
    surveyor = await login(client, sw.surveyor.username)
    planning = await login(client, sw.planning.username)
    registration = await login(client, sw.registration.username)
    outsider = await login(client, sw.outsider.username)

    assert (await client.get(f"{API}/commissions/1")).status_code == 401
    created = await client.post(
        f"{API}/commissions",
        headers=owner,
        json={
            "purchaseId": sw.purchase_id,
            "items": ["planning_verification", "land_verification", "property_survey"],
            "departments": {
                "planning": sw.planning.org_id,
                "property": sw.registration.org_id,
            },
        },
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert created.json()["stageLabel"] == "竣工验收"
    granted = await client.post(
        f"{API}/commissions/{cid}/grants",
        headers=owner,
        json={"department": "land", "orgId": sw.land.org_id},
    )
    assert granted.status_code == 204, granted.text

    dxf = await client.put(f"{API}/commissions/{cid}/files", headers=surveyor, content=sample_dxf())
    pdf = await client.put(
        f"{API}/commissions/{cid}/files", headers=surveyor, content=sample_report_pdf()
    )
    assert dxf.status_code == 201, dxf.text
    assert (
        await client.put(f"{API}/commissions/{cid}/files", headers=outsider, content=b"x")
    ).status_code == 403
    package = {
        "dxfSha256": dxf.json()["sha256"],
        "reportSha256": pdf.json()["sha256"],
        "declared": {
            "siteArea": "8000",
            "grossFloorArea": "20240",
            "far": "2.53",
            "greenRatio": "0.31",
            "setbacks": {"道路红线": "7.95"},
            "units": [{"unit": "1-101", "building": "1号楼", "floorArea": "98.52"}],
        },
        "qc": {
            "inspector": QC.inspector,
            "passed": True,
            "summary": QC.summary,
            "surveyorName": QC.surveyor_name,
            "surveyorCertificateNo": QC.surveyor_certificate_no,
        },
    }
    submitted = await client.post(
        f"{API}/commissions/{cid}/packages", headers=surveyor, json=package
    )
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["version"] == 1
    bad = await client.post(
        f"{API}/commissions/{cid}/packages", headers=surveyor, json={**package, "extra": 1}
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["code"] == "validation_failed", bad.text

    denied = await client.get(f"{API}/commissions/{cid}/package", headers=outsider)
    assert denied.status_code == 403
    assert denied.json()["code"] == "no_survey_grant"
    read = await client.get(f"{API}/commissions/{cid}/package", headers=planning)
    assert read.status_code == 200, read.text
    assert read.json()["computed"]["indicators"]["far"] == 2.53
    assert read.json()["declared"]["far"] == "2.53"

    permitted = await client.put(
        f"{API}/commissions/{cid}/checks/planning/permitted",
        headers=planning,
        json={"values": {"far": "2.5", "greenRatio": "0.30", "setback:道路红线": 8}},
    )
    assert permitted.status_code == 200, permitted.text
    outcomes = {i["indicator"]: i["outcome"] for i in permitted.json()["items"]}
    assert outcomes == {"far": "fail", "greenRatio": "pass", "setback:道路红线": "pass"}
    assert permitted.json()["ruleSetVersion"] == "planning-2026.1"
    decided = await client.post(
        f"{API}/commissions/{cid}/checks/planning/decision",
        headers=planning,
        json={"decision": "override", "outcome": "pass", "comment": "超出部分系计算误差，已补缴"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["finalOutcome"] == "pass"
    cert = await client.post(
        f"{API}/commissions/{cid}/certificates",
        headers=planning,
        json={"kind": "planning_verification"},
    )
    assert cert.status_code == 201, cert.text
    listed = await client.get(f"{API}/commissions/{cid}/certificates", headers=owner)
    assert [c["number"] for c in listed.json()] == [cert.json()["number"]]

    units = await client.get(f"{API}/commissions/{cid}/property", headers=registration)
    assert units.status_code == 200, units.text
    assert units.json()["units"][0]["floorArea"] == "98.52"
    assert (
        await client.get(f"{API}/commissions/{cid}/property", headers=planning)
    ).status_code == 403
    mine = await client.get(
        f"{API}/commissions", headers=outsider, params={"projectCode": "2026-330100-48-01-123456"}
    )
    assert mine.json() == []

    trail = await client.get(f"{API}/commissions/{cid}/history", headers=planning)
    assert trail.status_code == 200, trail.text
    actions = [e["action"] for e in trail.json()]
    assert actions[0] == "survey.commissioned"
    for expected in (
        "survey.department_granted",
        "survey.package_submitted",
        "survey.permitted_values_set",
        "survey.check_overridden",
        "survey.certificate_issued",
    ):
        assert expected in actions
    assert [e["seq"] for e in trail.json()] == sorted(e["seq"] for e in trail.json())
    denied_trail = await client.get(f"{API}/commissions/{cid}/history", headers=outsider)
    assert denied_trail.status_code == 403
