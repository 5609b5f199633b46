"""Breadcrumbs name the project by its 项目代码 (投资审批项目代码) and its name, on the drawing
pages (set, sheet, revision, compare) and the joint-survey pages."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from accounts.demo import DEMO_PASSWORD
from accounts.demo import load as accounts_demo
from drawings.services import processing
from drawings.tables import Revision
from kernel.platform import Platform
from surveys import demo as surveys_demo
from tests import helpers
from tests.conftest import missing_service
from tests.paths import SHARED_DATA
from tests.web import a11y
from tests.web.pages import form, sign_in

API = "/api/v1/drawings"
CODE = "2026-330106-47-01-123456"
NAME = "西湖区某某安置房项目"
V1, V2 = SHARED_DATA / "dxf/text_alignments.v1.dxf", SHARED_DATA / "dxf/text_alignments.v2.dxf"
_TRAIL = re.compile(r'<nav class="crumbs" aria-label="位置"><ol>(.*?)</ol></nav>', re.S)


def trail(page: str) -> list[str]:
    """The crumbs as the page writes them, one per <li>, markup kept."""
    found = _TRAIL.search(page)
    assert found, page[:2000]
    return [item.strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", found.group(1), re.S)]


def project_crumb(code: str, name: str) -> str:
    return f'<span class="crumb-code mono">{code}</span> {name}'


async def test_drawing_pages_name_the_project_by_code_and_name(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    if not V1.exists():
        missing_service(f"shared test data missing: {V1}")
    owner = await helpers.login_as(client, "enterprise")
    created = await client.post(
        f"{API}/projects", json={"projectCode": CODE, "name": NAME}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    ids = []
    for path in (V1, V2):
        uploaded = await client.post(
            f"{API}/projects/{CODE}/sheets/总-01/revisions",
            content=path.read_bytes(),
            headers=owner.headers,
        )
        assert uploaded.status_code == 201, uploaded.text
        ids.append(int(uploaded.json()["id"]))
        assert await processing.process_revision(platform, ids[-1]) == "ready"
    row = await Revision.select(Revision.sheet).where(Revision.id == ids[0]).first()
    assert row is not None
    await sign_in(client, owner.username)

    project = project_crumb(CODE, NAME)
    linked = f'<a href="/review/projects/{CODE}">{project}</a>'
    expected = {
        f"/review/projects/{CODE}": [project],
        f"/review/sheets/{row['sheet']}": [linked, "图号 总-01"],
        f"/review/revisions/{ids[1]}": [
            linked,
            f'<a href="/review/sheets/{row["sheet"]}">图号 总-01</a>',
            "第 2 版",
        ],
        f"/review/compare?old={ids[0]}&new={ids[1]}": [
            linked,
            f'<a href="/review/sheets/{row["sheet"]}">图号 总-01</a>',
            "版本比较",
        ],
    }
    for url, tail in expected.items():
        page = await client.get(url)
        assert page.status_code == 200, (url, page.text[:1000])
        assert trail(page.text) == [
            '<a href="/">首页</a>',
            '<a href="/review">项目图纸</a>',
            *tail,
        ], url
        assert a11y.problems(page.text) == [], url


async def test_survey_pages_name_the_project_by_code_and_name(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    await accounts_demo(platform)
    await surveys_demo.load(platform)
    response = await form(client, "/login", {"username": "planning", "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.text
    client.cookies.set("oneset_session", response.cookies["oneset_session"])
    listing = (await client.get("/surveys")).text
    found = re.search(r'href="/review/surveys/(\d+)"', listing)
    assert found, listing[:3000]
    survey_id = found.group(1)
    page = (await client.get(f"/review/surveys/{survey_id}")).text
    facts = re.search(r'<dt>项目代码</dt><dd class="mono">([^<]+)</dd>', page)
    title = re.search(r"<h1>联合测绘成果：(.*?) <small>", page)
    assert facts and title, page[:3000]
    code, name = facts.group(1), title.group(1)
    project = project_crumb(code, name)
    home = ['<a href="/">首页</a>', '<a href="/surveys">联合测绘</a>']
    assert trail(page) == [
        *home,
        f'<a href="/review/projects/{code}">{project}</a>',
        "联合测绘成果",
    ]
    assert a11y.problems(page) == []
    permitted = (await client.get(f"/review/surveys/{survey_id}/permitted/planning")).text
    assert trail(permitted) == [
        *home,
        f'<a href="/review/surveys/{survey_id}">{project}</a>',
        "规划许可值",
    ]
