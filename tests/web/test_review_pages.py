"""Reviewer pages: shared projects, survey results with itemised checks, refusals."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from accounts.demo import DEMO_PASSWORD
from accounts.demo import load as accounts_demo
from kernel.platform import Platform
from surveys import demo as surveys_demo
from tests.web import a11y
from tests.web.pages import csrf, form, org, sign_in


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
    assert "规划核验" in page.text
    assert "容积率" in page.text or "绿地率" in page.text
    assert "通过" in page.text


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
    assert accepted.status_code in (201, 415, 422), accepted.text
