"""The reads the joint-survey pages make, over the API with the pages' access rules: one's own
commissions, the package's versions, every department's check rows, and a department's own
permitted values (that department only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar.testing import AsyncTestClient

from kernel.platform import Platform
from surveys import api as surveys
from surveys.formats.sample import sample_dxf, sample_report_pdf
from tests.conftest import Database
from tests.helpers import login
from tests.market.world import FakeClock
from tests.surveys.world import DECLARED, QC, make_survey_world

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
