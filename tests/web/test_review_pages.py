"""Reviewer pages: shared projects, survey results with itemised checks, refusals."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from accounts.demo import DEMO_PASSWORD
from accounts.demo import load as accounts_demo
from kernel import clock
from kernel.platform import Platform
from surveys import api as surveys
from surveys import demo as surveys_demo
from surveys.formats.sample import sample_dxf, sample_report_pdf
from tests.market.world import MONDAY, FakeClock
from tests.surveys.world import DECLARED, QC, make_survey_world
from tests.web import a11y
from tests.web.pages import csrf, form, org, sign_in

_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_OUTCOME = re.compile(r'<span class="status status-([a-z_]+)">([^<]*)</span>')


def check_on_page(html: str, department: str) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """One department's check as the page shows it: the statuses in its heading, and per
    indicator row (label → (outcome class, outcome text)), read cell by cell."""
    section = re.search(
        rf'<section class="card[^"]*" aria-labelledby="check-{department}">(.*?)</section>',
        html,
        re.S,
    )
    assert section, html[:3000]
    heading = re.search(r"<h2[^>]*>(.*?)</h2>", section.group(1), re.S)
    assert heading
    statuses = re.findall(r'<span class="status[^"]*">([^<]*)</span>', heading.group(1))
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section.group(1), re.S):
        cells = _CELL.findall(row)
        if not cells:
            continue  # the header row
        outcome = _OUTCOME.fullmatch(cells[5])
        assert outcome, cells
        rows[cells[0]] = (outcome.group(1), outcome.group(2))
    return statuses, rows


async def _demo_sign_in(client: AsyncTestClient[Any], username: str) -> None:
    response = await form(client, "/login", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.text
    client.cookies.set("oneset_session", response.cookies["oneset_session"])


async def test_department_reads_survey_checks_item_by_item(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    await accounts_demo(platform)
    await surveys_demo.load(platform)
    await _demo_sign_in(client, "planning")
    projects = (await client.get("/review")).text
    code = re.search(r'href="/review/projects/([^"]+)"', projects)
    assert code, projects[:2000]
    project = await client.get(f"/review/projects/{code.group(1)}")
    assert project.status_code == 200
    survey = re.search(r'href="/review/surveys/(\d+)"', project.text)
    assert survey, project.text[:3000]
    page = await client.get(f"/review/surveys/{survey.group(1)}")
    assert page.status_code == 200, page.text[:2000]
    assert a11y.problems(page.text) == []
    assert a11y.problems(project.text) == []
    # The demo's declared figures are inside every planning condition (FAR 2.53 ≤ 2.6, coverage
    # 0.21 ≤ 0.25, height 39.6 ≤ 45, green ratio 0.31 ≥ 0.30, parking 160 ≥ 150; the 7.95 m
    # setback is 0.05 m short of 8 m, inside the 0.1 m tolerance), and the check is confirmed.
    statuses, rows = check_on_page(page.text, "planning")
    assert statuses == ["已办结", "通过"]
    passed = ("pass", "通过")
    assert rows == {
        "容积率": passed,
        "建筑密度": passed,
        "建筑高度": passed,
        "绿地率": passed,
        "退道路红线距离": passed,
        "停车泊位": passed,
    }


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


async def test_department_reads_a_failed_indicator_as_failed(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    """A FAR over the permit fails, the rest pass: each row and the check say which."""
    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(),
        declared=DECLARED,
        qc=QC,
    )
    await surveys.set_permitted(
        sw.planning,
        cid,
        department="planning",
        values={"far": "2.5", "greenRatio": "0.30", "setback:道路红线": "8"},
    )
    await sign_in(client, sw.planning.username)
    page = await client.get(f"/review/surveys/{cid}")
    assert page.status_code == 200, page.text[:2000]
    statuses, rows = check_on_page(page.text, "planning")
    # FAR 2.53 > 2.5 with no tolerance fails; green ratio 0.31 ≥ 0.30 passes; the 7.95 m setback
    # is within the 0.1 m tolerance of 8 m.
    assert statuses == ["待部门确认", "不通过"]
    facts = re.search(r"<dt>状态</dt><dd>(.*?)</dd>", page.text)
    assert facts, page.text[:3000]
    assert facts.group(1) == "成果已提交 · 成果第 1 版"
    assert rows["容积率"] == ("fail", "不通过")
    assert rows["绿地率"] == ("pass", "通过")
    assert rows["退道路红线距离"] == ("pass", "通过")


async def test_ungranted_department_is_refused(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    owner, _, _ = await org("enterprise")
    await sign_in(client, owner)
    created = await form(
        client, "/review/projects", {"project_code": "2026-330100-70-01-000789", "name": "示范"}
    )
    assert created.status_code == 303, created.text
    stranger, _, _ = await org("department")
    await sign_in(client, stranger)
    response = await client.get("/review/projects/2026-330100-70-01-000789")
    assert response.status_code == 403
    assert "授权" in response.text


async def test_drawing_upload_needs_the_csrf_header(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    owner, _, _ = await org("enterprise")
    await sign_in(client, owner)
    await form(
        client, "/review/projects", {"project_code": "2026-330100-70-01-000790", "name": "示范"}
    )
    url = "/review/projects/2026-330100-70-01-000790/upload?sheet=A-01&filename=a.dxf"
    refused = await client.post(
        url, content=b"0\nSECTION\n", headers={"content-type": "application/octet-stream"}
    )
    assert refused.status_code == 403
    token = await csrf(client, "/review")
    accepted = await client.post(
        url,
        content=b"0\nSECTION\n2\nHEADER\n0\nENDSEC\n0\nEOF\n",
        headers={"content-type": "application/octet-stream", "x-csrftoken": token},
    )
    assert accepted.status_code == 201, accepted.text
    dxf = b"0\nSECTION\n2\nHEADER\n0\nENDSEC\n0\nEOF\n"
    assert accepted.json()["sha256"] == hashlib.sha256(dxf).hexdigest()
    assert accepted.json()["status"] == "processing"
