"""Joint-survey pages (#14 item 11): the owner registers its commission, a department enters its
permitted values, the surveyor submits a package and a revision, every failing check is shown,
certificates are issued; bad input comes back on the same form, in Chinese, with nothing changed."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kernel import clock, outbox
from kernel.platform import Platform
from oneset.wiring import index_registrations
from surveys import api as surveys
from surveys.formats.sample import sample_dxf
from tests.market.world import MONDAY, FakeClock, new_org
from tests.paths import SHARED_DATA
from tests.surveys.world import CORE_ITEMS, SurveyWorld, make_survey_world
from tests.web import a11y
from tests.web.pages import csrf, form, sign_in

REPORT_PDF = SHARED_DATA / "pdf" / "chinese_text.pdf"
"""A real PDF from the shared corpus as the survey report."""
FOREIGN_DXF = SHARED_DATA / "dxf" / "example_2018.dxf"
"""A real DXF that does not follow the survey layer convention (no 用地红线, no buildings)."""
QC_FIELDS = {
    "inspector": "示范省测绘产品质量监督检验站",
    "summary": "两级检查、一级验收合格",
    "surveyor_name": "王测绘",
    "surveyor_certificate_no": "ZCCH-2026-0001",
    "passed": "1",
}
FIGURES = {
    "siteArea": "8000",
    "grossFloorArea": "20240",
    "far": "2.53",
    "coverage": "21",
    "greenRatio": "31",
    "height": "46",  # over the 45 m permit: the planning check fails on it
    "parking": "160",
}


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


async def _indexed(platform: Platform) -> None:
    while await outbox.dispatch(platform, index_registrations(), send=lambda _n, _a: None):
        pass


def _error(html: str) -> str:
    found = re.search(r'<div class="error" role="alert" id="form-error">(.*?)</div>', html, re.S)
    assert found, html[:3000]
    return re.sub(r"<[^>]+>", "", found.group(1))


def _signed_in_as(html: str, username: str) -> bool:
    return f" · {username}</span>" in html


async def _submit(
    client: AsyncTestClient[Any],
    cid: int,
    *,
    dxf: bytes,
    report: bytes,
    fields: dict[str, str] | None = None,
) -> Any:
    token = await csrf(client, "/surveys")
    data = {**QC_FIELDS, **FIGURES, **(fields or {}), "_csrf_token": token}
    return await client.post(
        f"/review/surveys/{cid}/package",
        data=data,
        files={
            "dxf": ("竣工测绘.dxf", dxf, "application/dxf"),
            "report": ("成果报告.pdf", report, "application/pdf"),
        },
        follow_redirects=False,
    )


async def _register(
    client: AsyncTestClient[Any], sw: SurveyWorld, grants: dict[str, str], items: list[str]
) -> Any:
    data: dict[str, Any] = {"purchase_id": str(sw.purchase_id), "stage": "completion"}
    data |= grants | {"items": items, "_csrf_token": await csrf(client, "/surveys")}
    return await client.post("/surveys/new", data=data, follow_redirects=False)


async def test_owner_registers_the_joint_survey_through_the_form(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    await _indexed(platform)
    await sign_in(client, sw.owner.username)
    listing = await client.get("/surveys")
    assert listing.status_code == 200
    assert f'href="/surveys/new?purchase={sw.purchase_id}"' in listing.text
    assert a11y.problems(listing.text) == []
    new = await client.get(f"/surveys/new?purchase={sw.purchase_id}")
    assert new.status_code == 200, new.text[:2000]
    assert a11y.problems(new.text) == []
    assert "示范市自然资源和规划局" in new.text  # departments chosen by name
    grants = {
        "org_planning": str(sw.planning.org_id),
        "org_land": str(sw.land.org_id),
        "org_property": str(sw.registration.org_id),
    }

    # A completion survey without the land check: the same form, the reason, nothing stored.
    refused = await _register(client, sw, grants, ["planning_verification", "property_survey"])
    assert refused.status_code == 422
    assert "缺少：土地核验测量" in _error(refused.text)
    assert _signed_in_as(refused.text, sw.owner.username)
    assert 'value="planning_verification" checked' in refused.text
    assert await surveys.my_commissions(sw.owner) == []

    created = await _register(client, sw, grants, CORE_ITEMS)
    assert created.status_code == 303, created.text[:2000]
    (view,) = await surveys.my_commissions(sw.owner)
    assert created.headers["location"] == f"/review/surveys/{view.id}"
    assert {d.department: d.org_id for d in view.departments} == {
        "planning": sw.planning.org_id,
        "land": sw.land.org_id,
        "property": sw.registration.org_id,
    }
    # Registered once: the purchase is no longer offered.
    assert f"/surveys/new?purchase={sw.purchase_id}" not in (await client.get("/surveys")).text


async def _commissioned(platform: Platform, fake_clock: FakeClock) -> tuple[SurveyWorld, int]:
    sw = await make_survey_world(platform, fake_clock)
    return sw, await sw.commission()


async def test_surveyor_submits_a_package_and_a_revision(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    sw, cid = await _commissioned(platform, fake_clock)
    await sign_in(client, sw.surveyor.username)
    page = await client.get(f"/review/surveys/{cid}")
    assert f'href="/review/surveys/{cid}/package"' in page.text
    blank = await client.get(f"/review/surveys/{cid}/package")
    assert blank.status_code == 200
    assert a11y.problems(blank.text) == []
    report = REPORT_PDF.read_bytes()

    # A real DXF drawn without the survey layers: measured nothing, refused, nothing stored.
    foreign = await _submit(client, cid, dxf=FOREIGN_DXF.read_bytes(), report=report)
    assert foreign.status_code == 422
    assert "测绘图形无法按图层约定计算指标" in _error(foreign.text)
    assert _signed_in_as(foreign.text, sw.surveyor.username)
    assert 'value="46"' in foreign.text  # the typed figures are kept
    # A report that is not a PDF, a negative figure, a ratio over 100 %.
    for fields, files, reason in (
        ({}, {"report": b"not a pdf"}, "测绘成果报告须为 PDF 文件"),
        ({"height": "-3"}, {}, "建筑高度不能为负数"),
        ({"greenRatio": "131"}, {}, "绿地率不能超过 100%"),
        ({"parking": "1.5"}, {}, "停车泊位须为整数"),
        ({"passed": ""}, {}, "成果质检未通过，不能提交"),
    ):
        bad = await _submit(
            client, cid, dxf=sample_dxf(), report=files.get("report", report), fields=fields
        )
        assert bad.status_code == 422, (fields, bad.text[:500])
        assert reason in _error(bad.text)
    assert (await surveys.commission_view(sw.owner, cid)).latest_version is None

    first = await _submit(client, cid, dxf=sample_dxf(), report=report)
    assert first.status_code == 303, first.text[:2000]
    assert first.headers["location"] == f"/review/surveys/{cid}"
    revision_form = await client.get(f"/review/surveys/{cid}/package")
    assert "提交修订版（第 2 版）" in revision_form.text
    assert 'value="46"' in revision_form.text  # the revision starts from version 1's figures
    second = await _submit(
        client, cid, dxf=sample_dxf(), report=report, fields={"height": "39.6", "note": "更正高度"}
    )
    assert second.status_code == 303
    page = await client.get(f"/review/surveys/{cid}")
    assert page.status_code == 200
    assert a11y.problems(page.text) == []
    versions = re.findall(r"<td[^>]*>第 (\d) 版", page.text)
    assert versions == ["2", "1"]
    assert "更正高度" in page.text
    package = await surveys.package_view(sw.owner, cid)
    assert package.version == 2
    assert str(package.declared.height) == "39.6"


async def test_another_surveyor_cannot_submit(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    sw, cid = await _commissioned(platform, fake_clock)
    other = await new_org("intermediary", "示范市另一测绘有限公司")
    await sign_in(client, other.username)
    assert (await client.get(f"/review/surveys/{cid}/package")).status_code == 403
    refused = await _submit(client, cid, dxf=sample_dxf(), report=REPORT_PDF.read_bytes())
    assert refused.status_code == 403
    assert "中选的测绘单位" in refused.text
    assert (await surveys.commission_view(sw.owner, cid)).latest_version is None


async def test_departments_enter_their_own_permitted_values_and_see_failures(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    sw, cid = await _commissioned(platform, fake_clock)
    await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=REPORT_PDF.read_bytes(),
        declared=surveys.declared_from(surveys.read_figures(surveys.DECLARED_FIELDS, FIGURES), ()),
        qc=surveys.QcReport(
            inspector="质检站",
            passed=True,
            summary="合格",
            surveyor_name="王",
            surveyor_certificate_no="1",
        ),
    )
    await sign_in(client, sw.planning.username)
    page = await client.get(f"/review/surveys/{cid}")
    assert f'href="/review/surveys/{cid}/permitted/planning"' in page.text
    assert "/permitted/land" not in page.text  # only its own department's inputs
    entry = await client.get(f"/review/surveys/{cid}/permitted/planning")
    assert entry.status_code == 200
    assert a11y.problems(entry.text) == []
    assert "容积率" in entry.text and "绿地率（%）" in entry.text

    for values, reason in (
        ({"far": "两点五"}, "容积率须为数字"),
        ({"far": "-1"}, "容积率不能为负数"),
        ({"greenRatio": "130"}, "绿地率不能超过 100%"),
        ({"far": "1e12"}, "容积率超出合理范围"),
        ({"far": "2.123456"}, "容积率最多保留 4 位小数"),
        ({}, "请至少填写一项许可值"),
    ):
        bad = await form(client, f"/review/surveys/{cid}/permitted/planning", values)
        assert bad.status_code == 422, (values, bad.text[:500])
        assert reason in _error(bad.text)
        assert _signed_in_as(bad.text, sw.planning.username)
    check = await surveys.check_view(sw.planning, cid, "planning")
    assert (check.status, check.items) == ("waiting", [])  # nothing was stored

    saved = await form(
        client,
        f"/review/surveys/{cid}/permitted/planning",
        {"source": "建字第 2026-001 号", "far": "2.6", "greenRatio": "30", "height": "45"},
    )
    assert saved.status_code == 303, saved.text[:2000]
    again = await client.get(f"/review/surveys/{cid}/permitted/planning")
    assert 'value="30"' in again.text and "建字第 2026-001 号" in again.text
    page = await client.get(f"/review/surveys/{cid}")
    # The failing item: marked, with the rule, the measured and permitted values and why.
    row = re.search(r'<tr class="row-fail">(.*?)</tr>', page.text, re.S)
    assert row, page.text[:4000]
    assert "建筑高度" in row.group(1) and "46 m" in row.group(1) and "45 m" in row.group(1)
    assert "不大于许可值" in row.group(1) and "超出许可值 1m，超出允许误差" in row.group(1)
    assert "未通过的核验项（1 项）" in page.text
    assert "绿地率" in page.text and "30%" in page.text  # ratios as people read them

    # Another department may neither read nor change the planning inputs.
    await sign_in(client, sw.land.username)
    assert (await client.get(f"/review/surveys/{cid}/permitted/planning")).status_code == 403
    refused = await form(client, f"/review/surveys/{cid}/permitted/planning", {"far": "9"})
    assert refused.status_code == 403
    assert (await surveys.permitted_view(sw.planning, cid, "planning")).values["far"] == Decimal(
        "2.6"
    )

    # The owner and the surveyor see what failed and what to fix, but no department inputs.
    for who in (sw.owner, sw.surveyor):
        await sign_in(client, who.username)
        seen = await client.get(f"/review/surveys/{cid}")
        assert "未通过的核验项（1 项）" in seen.text
        assert "规划核验 · 建筑高度" in seen.text
        assert "/permitted/" not in seen.text


async def test_confirmed_pass_yields_a_certificate(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    sw, cid = await _commissioned(platform, fake_clock)
    await sign_in(client, sw.surveyor.username)
    assert (
        await _submit(
            client, cid, dxf=sample_dxf(), report=REPORT_PDF.read_bytes(), fields={"height": "39.6"}
        )
    ).status_code == 303
    await sign_in(client, sw.planning.username)
    saved = await form(client, f"/review/surveys/{cid}/permitted/planning", {"height": "45"})
    assert saved.status_code == 303
    # An override without reasons: the page again with the reason beside the check.
    bad = await form(
        client,
        f"/review/surveys/{cid}/checks/planning",
        {"decision": "override", "outcome": "fail"},
    )
    assert bad.status_code == 422
    assert "改判须填写不少于 5 个字的理由" in _error(bad.text)
    confirmed = await form(
        client, f"/review/surveys/{cid}/checks/planning", {"decision": "confirm"}
    )
    assert confirmed.status_code == 303
    page = await client.get(f"/review/surveys/{cid}")
    assert ">出具规划核实确认书</button>" in page.text
    issued = await form(
        client, f"/review/surveys/{cid}/certificates", {"kind": "planning_verification"}
    )
    assert issued.status_code == 303, issued.text[:2000]
    page = await client.get(f"/review/surveys/{cid}")
    assert re.search(
        r"规划核实确认书</strong> <span class=\"mono\">GHHS-\d{4}-\d{5}-1</span>", page.text
    )
    assert ">出具规划核实确认书</button>" not in page.text  # once per decided version
    await sign_in(client, sw.owner.username)
    assert "GHHS-" in (await client.get(f"/review/surveys/{cid}")).text
