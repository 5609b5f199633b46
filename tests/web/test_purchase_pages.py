"""A purchase from sign-up to rating through the pages: every state renders for each party."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kernel import clock, outbox
from kernel.platform import Platform
from market import api as market
from market.rules import deadlines, draw
from market.tables import NegativeRecord
from oneset.wiring import index_registrations
from tests import helpers
from tests.market.world import MONDAY, FakeClock, make_world
from tests.web import a11y
from tests.web.pages import csrf, form, form_fields

_PROOF = re.compile(r'<script type="application/json" id="draw-proof-data">(.*?)</script>', re.S)


async def _token(client: AsyncTestClient[Any], username: str) -> str:
    response = await form(client, "/login", {"username": username, "password": helpers.PASSWORD})
    assert response.status_code == 303, response.text
    return str(response.cookies["oneset_session"])


def _as(client: AsyncTestClient[Any], token: str | None) -> None:
    if token is None:
        client.cookies.delete("oneset_session")
    else:
        client.cookies.set("oneset_session", token)


async def _ok(client: AsyncTestClient[Any], path: str, data: dict[str, str]) -> None:
    response = await form(client, path, data)
    assert response.status_code == 303, (path, response.status_code, response.text[:800])


async def _page(client: AsyncTestClient[Any], path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text[:800])
    assert a11y.problems(response.text) == [], path
    return response.text


async def _upload(client: AsyncTestClient[Any], pid: int, kind: str, body: bytes) -> str:
    token = await csrf(client, f"/purchases/{pid}")
    response = await client.post(
        f"/files?subject=purchase:{pid}&kind={kind}&filename={kind}.pdf",
        content=body,
        headers={"x-csrftoken": token, "content-type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["sha256"])


async def test_purchase_lifecycle_pages(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeClock(clock.now())
    monkeypatch.setattr(clock, "now", fake.now)
    world = await make_world(platform)
    firms = [await world.firm() for _ in range(3)]
    signup_deadline = deadlines.earliest_signup_deadline(fake.now()) + dt.timedelta(hours=10)
    pid = await world.purchase(
        signup_deadline=signup_deadline, selection_time=signup_deadline + dt.timedelta(hours=1)
    )
    tokens = {a.username: await _token(client, a.username) for a in [world.owner, *firms]}
    operator = await _token(client, world.operator.username)

    # A firm below the required grade is told why before it types a quote (#14 item 13).
    junior = await world.firm(grade="丙级")
    _as(client, await _token(client, junior.username))
    text = await _page(client, f"/purchases/{pid}")
    assert 'id="signup-form"' not in text and 'id="signup-obstacles"' in text
    assert "资质" in text.split('id="signup-obstacles"')[1].split("</div>")[0]
    for i, firm in enumerate(firms):
        _as(client, tokens[firm.username])
        assert f'href="/purchases/{pid}"' in await _page(client, "/me/open")
        text = await _page(client, f"/purchases/{pid}")
        assert 'id="signup-form"' in text and "signup-obstacles" not in text
        await _ok(client, f"/purchases/{pid}/signup", {"quote": str(60000 + 500 * i)})
        assert "您已报名" in await _page(client, f"/purchases/{pid}")
    _as(client, tokens[world.owner.username])
    assert "报名及报价在选取时间前密封" in await _page(client, f"/purchases/{pid}")

    fake.advance(days=30)
    await _ok(client, f"/purchases/{pid}/run-selection", {})
    text = await _page(client, f"/purchases/{pid}")
    winner_uscc = re.search(r'id="winner">([0-9A-Z]{18})<', text)
    assert winner_uscc
    winner = next(f for f in firms if f.uscc == winner_uscc.group(1))
    bidders = re.findall(r'<td class="bidder">([^<]+)<br>', text)  # the opened list, by name
    assert sorted(bidders) == sorted(f.org_name for f in firms), bidders
    # 我的报名: every bidder learns the outcome, a losing one with the winner's name.
    for firm in firms:
        _as(client, tokens[firm.username])
        mine = await _page(client, "/me/signups")
        row = mine.split(f'<a href="/purchases/{pid}">')[1].split("</tr>")[0]
        if firm == winner:
            assert '<span class="status">中选</span>' in row
        else:
            assert '<span class="status">未中选</span>' in row and winner.org_name in row

    _as(client, None)
    public = await _page(client, f"/purchases/{pid}")
    assert "在浏览器中验证" in public
    proof = json.loads(_PROOF.search(public).group(1))  # type: ignore[union-attr]
    assert draw.verify_proof(proof) == []

    # Contract: the winner uploads it with its file, the owner confirms.
    _as(client, tokens[winner.username])
    text = await _page(client, f"/purchases/{pid}")
    assert "贵机构为中选机构" in text
    assert 'id="confirm-contract"' not in text  # nothing to confirm yet (#14 item 13)
    sha = await _upload(client, pid, "contract", b"%PDF-1.4 contract")
    today = deadlines.local_date(fake.now())
    await _ok(
        client,
        f"/purchases/{pid}/contract",
        {
            "sha256": sha,
            "amount": "61000.00",
            "start_on": today.isoformat(),
            "end_on": (today + dt.timedelta(days=40)).isoformat(),
        },
    )
    text = await _page(client, f"/purchases/{pid}")
    assert 'id="confirm-contract"' not in text and 'id="contract-awaiting"' in text  # uploader
    _as(client, tokens[world.owner.username])
    owner_page = await _page(client, f"/purchases/{pid}")
    assert 'id="confirm-contract"' in owner_page and "61,000.00 元" in owner_page
    link = re.search(r'href="(/files/\d+)"', owner_page)
    assert link, "the owner sees the contract file before confirming"
    download = await client.get(link.group(1))
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4 contract"
    assert "attachment" in download.headers["content-disposition"]
    _as(client, tokens[next(f for f in firms if f != winner).username])
    assert (await client.get(link.group(1))).status_code == 403
    _as(client, tokens[world.owner.username])
    await _ok(client, f"/purchases/{pid}/contract/confirm", {})

    # Past the contract's end: the lights table names the winner and the days overdue.
    due = today + dt.timedelta(days=40)
    fake.set(dt.datetime.combine(due + dt.timedelta(days=10), dt.time(10), deadlines.SHANGHAI))
    _as(client, operator)
    lights = await _page(client, "/supervise/lights")
    row = lights.split(f'<a href="/purchases/{pid}">')[1].split("</tr>")[0]
    overdue = deadlines.working_days_between(due, due + dt.timedelta(days=10))
    assert winner.org_name in row and f'<strong class="overdue">{overdue}</strong>' in row
    assert "light-red" not in row  # the hourly sweep has not run yet...
    response = await form(client, "/supervise/lights/sweep", {})
    assert response.status_code == 303  # ...a supervisor runs it now (#14 item 12)
    lights = await _page(client, "/supervise/lights")
    assert "light-red" in lights.split(f'<a href="/purchases/{pid}">')[1].split("</tr>")[0]

    # Result: submitted, returned once with a reason, resubmitted, accepted, rated.
    for attempt in range(2):
        _as(client, tokens[winner.username])
        assert "提交服务成果" in await _page(client, f"/purchases/{pid}")
        sha = await _upload(client, pid, "result", f"%PDF-1.4 result {attempt}".encode())
        await _ok(client, f"/purchases/{pid}/result", {"sha256": sha})
        assert "服务成果" in await _page(client, "/me/commissions")
        _as(client, tokens[world.owner.username])
        assert "确认服务成果" in await _page(client, f"/purchases/{pid}")
        if attempt == 0:
            await _ok(client, f"/purchases/{pid}/result/return", {"reason": "缺少房产分户图"})
    await _ok(client, f"/purchases/{pid}/result/accept", {})
    assert "服务评价" in await _page(client, f"/purchases/{pid}")
    scores = {"quality": "5", "timeliness": "4", "attitude": "5", "fee": "4", "compliance": "5"}
    await _ok(client, f"/purchases/{pid}/rating", {**scores, "comment": "成果规范"})

    _as(client, None)
    profile = await _page(client, f"/intermediaries/{winner.org_id}")
    assert "服务评价（1 次）" in profile
    assert "已评价" in await _page(client, f"/purchases/{pid}")

    # A complaint reaches the operator, who answers it; the outcome is public.
    _as(client, tokens[firms[0].username])
    await _ok(
        client, f"/purchases/{pid}/complaint", {"subject": "资质要求过高", "body": "要求乙级"}
    )
    _as(client, operator)
    complaints = await _page(client, "/supervise/complaints")
    cid = re.search(r'action="/supervise/complaints/(\d+)"', complaints)
    assert cid
    assert f'<strong class="complainant">{firms[0].org_name}</strong>' in complaints  # who filed it
    await _ok(client, f"/supervise/complaints/{cid.group(1)}", {"outcome": "要求合理，不予支持"})
    for path in ("/supervise/onboarding", "/supervise/records", "/supervise/lights?light=red"):
        await _page(client, path)
    _as(client, None)
    assert "要求合理，不予支持" in await _page(client, f"/purchases/{pid}")


async def test_direct_selection_owner_picks_on_the_page(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeClock(clock.now())
    monkeypatch.setattr(clock, "now", fake.now)
    world = await make_world(platform)
    firms = [await world.firm() for _ in range(3)]
    signup_deadline = deadlines.earliest_signup_deadline(fake.now()) + dt.timedelta(hours=10)
    pid = await world.purchase(
        method="direct_selection",
        price_floor=None,
        price_ceiling=None,
        signup_deadline=signup_deadline,
        selection_time=signup_deadline + dt.timedelta(hours=1),
    )
    owner = await _token(client, world.owner.username)
    for firm in firms:
        _as(client, await _token(client, firm.username))
        await _ok(client, f"/purchases/{pid}/signup", {"quote": ""})
    fake.advance(days=30)
    _as(client, owner)
    await _ok(client, f"/purchases/{pid}/run-selection", {})
    text = await _page(client, f"/purchases/{pid}")
    assert "选定中选机构" in text
    await _ok(client, f"/purchases/{pid}/choose", {"uscc": firms[1].uscc})
    text = await _page(client, f"/purchases/{pid}")
    assert f'id="winner">{firms[1].uscc}<' in text
    assert f'id="winner-name">{firms[1].org_name}<' in text  # by name, not only its code
    # The status history names organisations, not the audit chain's user:<id>:<name> labels.
    assert f"<td>{world.owner.org_name}（项目业主）</td>" in text
    assert "user:" not in text


async def test_board_filters_by_status(client: AsyncTestClient[Any], platform: Platform) -> None:
    """The status filter reached the template renderer as the HTTP status and answered 500."""
    world = await make_world(platform)
    deadline = deadlines.earliest_signup_deadline(clock.now()) + dt.timedelta(hours=10)
    selection = deadline + dt.timedelta(hours=1)
    open_pid = await world.purchase(signup_deadline=deadline, selection_time=selection)
    cancelled_pid = await world.purchase(signup_deadline=deadline, selection_time=selection)
    await market.cancel(world.owner, cancelled_pid, "需求变更")
    await outbox.dispatch(platform, index_registrations(), send=lambda _n, _a: None)
    for query in ("status=signup_open", "status=signup_open&q=测绘"):
        text = await _page(client, f"/purchases?{query}")
        assert f'href="/purchases/{open_pid}"' in text, query
        assert f'href="/purchases/{cancelled_pid}"' not in text, query
    text = await _page(client, "/purchases?status=cancelled")
    assert f'href="/purchases/{cancelled_pid}"' in text
    assert f'href="/purchases/{open_pid}"' not in text


async def test_a_draft_is_edited_and_a_failed_purchase_re_procured_through_the_pages(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#14 item 2: no page edited a draft, and the re-procured copy kept dates it could never be
    published with; item 8: a refused publication was a green notice, errors looked signed out."""
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    world = await make_world(platform)
    _as(client, await _token(client, world.owner.username))
    form_page = await _page(client, "/me/purchases/new")
    fields = form_fields(form_page) | {
        "project_code": "2026-330100-48-01-654321",
        "project_name": "示范学校",
        "item_code": "54C",
        "content": "规划条件核实测量",
        "signup_deadline": "2026-11-24T09:00",  # inside the registration period: refused
        "selection_time": "2026-11-24T10:00",
        "publish": "1",
    }
    refused = await form(client, "/me/purchases/new", fields)
    assert refused.status_code == 422, refused.text[:500]
    assert "草稿已保存，尚未发布" in refused.text, re.findall(r"未能提交：.{0,80}", refused.text)
    assert 'role="alert"' in refused.text
    assert world.owner.org_name in refused.text  # the header still shows who is signed in
    pid = int(re.search(r'action="/me/purchases/(\d+)/edit"', refused.text).group(1))  # type: ignore[union-attr]

    edit = await _page(client, f"/me/purchases/{pid}/edit")
    assert 'value="示范学校"' in edit and 'value="2026-11-24T09:00"' not in edit  # suggested
    assert "已改为建议时间" in edit
    fields |= {"signup_deadline": "2026-11-30T09:00", "selection_time": "2026-11-30T10:00"}
    await _ok(client, f"/me/purchases/{pid}/edit", fields)
    assert (await market.purchase_view(pid, world.owner)).status == "signup_open"
    assert (await client.get(f"/me/purchases/{pid}/edit")).status_code == 409  # published

    # 流标 (state funds need three eligible firms; none signed up), then 重新采购 on the page.
    fake.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=deadlines.SHANGHAI))
    await _ok(client, f"/purchases/{pid}/run-selection", {})
    assert (await market.purchase_view(pid, world.owner)).status == "failed"
    response = await form(client, f"/purchases/{pid}/reprocure", {})
    assert response.status_code == 303
    copy = int(response.headers["location"].split("/")[3])
    assert response.headers["location"] == f"/me/purchases/{copy}/edit"
    edit = await _page(client, response.headers["location"])
    assert "已改为建议时间" in edit and 'value="示范学校"' in edit
    await _ok(client, f"/me/purchases/{copy}/edit", form_fields(edit) | {"publish": "1"})
    assert (await market.purchase_view(copy, world.owner)).status == "signup_open"


async def test_operator_blacklists_by_code_or_name_and_lists_the_entries(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    """#14 item 12: blacklisting needed an internal 机构编号 and no page listed the entries."""
    world = await make_world(platform)
    by_code, by_name = await world.firm(), await world.firm()
    _as(client, await _token(client, world.operator.username))
    until = (deadlines.local_date(clock.now()) + dt.timedelta(days=365)).isoformat()
    entry = {"ends_on": until, "reason": "提供虚假材料", "authority": "市发展改革委"}
    await _ok(client, "/supervise/blacklist", {"firm": by_code.uscc.lower(), **entry})
    await _ok(client, "/supervise/blacklist", {"firm": by_name.org_name, **entry})
    unknown = await form(client, "/supervise/blacklist", {"firm": "不存在的公司", **entry})
    assert unknown.status_code == 404 and "不存在的公司" in unknown.text
    listed = (await _page(client, "/supervise/records")).split('id="blacklist"')[1]
    for firm in (by_code, by_name):
        assert firm.org_name in listed and firm.uscc in listed
    assert "编号" not in listed


async def test_negative_records_page_by_status_and_in_pages(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    """#14 item 12: the 负面行为 page listed every record on one page with no status filter."""
    world = await make_world(platform)
    firm = await world.firm()
    await NegativeRecord.insert(
        *[
            NegativeRecord(
                intermediary=firm.org_id,
                kind="overdue",
                points=5,
                note=f"超期 {i}",
                status="proposed" if i % 3 else "confirmed",
            )
            for i in range(60)
        ]
    )
    _as(client, await _token(client, world.operator.username))
    first = await _page(client, "/supervise/records?status=proposed")
    assert "待认定（40）" in first and "已认定（20）" in first and "全部（60）" in first
    rows = first.split('id="records"')[1].split("</table>")[0]
    assert rows.count("<tr>") == 1 + 40  # header + one page of the 40 proposed (≤ 50)
    everything = await _page(client, "/supervise/records")
    assert 'id="records-next"' in everything and "共 60 条" in everything
    second = await _page(client, "/supervise/records?offset=50")
    assert second.split('id="records"')[1].split("</table>")[0].count("<tr>") == 1 + 10


async def test_catalogue_and_guides_for_everyone_and_a_firm_without_guides_is_told(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    """#14 item 6: owners and the public had no catalogue or 办事指南 pages, and an admitted firm
    without guides vanished from the item filter without being told."""
    world = await make_world(platform)
    firm = await world.firm()
    _as(client, await _token(client, firm.username))
    assert 'id="no-guides"' in await _page(client, "/me/onboarding")
    await market.upsert_guide(
        firm,
        item_code="54C",
        scope="竣工联合测绘",
        standard="GB/T 50138",
        process="受理→外业→内业→提交成果",
        fee="按面积计费",
        promised_working_days=12,
    )
    assert 'id="no-guides"' not in await _page(client, "/me/onboarding")
    for viewer in (None, world.owner.username):
        _as(client, None if viewer is None else await _token(client, viewer))
        listing = await _page(client, "/catalogue")
        assert 'href="/catalogue/54C"' in listing
        item = await _page(client, "/catalogue/54C")
        assert firm.org_name in item and "承诺 12 个工作日" in item
        assert 'href="/directory?item=54C"' in item
    assert (await client.get("/catalogue/NO-SUCH")).status_code == 404


async def test_qualification_types_come_from_the_catalogue_list(
    client: AsyncTestClient[Any], platform: Platform
) -> None:
    """#14 item 7: types were free text that had to match exactly: a purchase asking for
    "测绘资质" silently excluded every firm holding "测绘资质·工程测量"."""
    world = await make_world(platform)
    _as(client, await _token(client, world.owner.username))
    wizard = await _page(client, "/me/purchases/new")
    assert '<option value="测绘资质·工程测量">' in wizard and '<option value="乙级">' in wizard
    fields = form_fields(wizard) | {
        "project_code": "2026-330100-48-01-777777",
        "project_name": "示范医院",
        "content": "房产测绘",
        "rule_type": "测绘资质",  # not a type of the list
    }
    refused = await form(client, "/me/purchases/new", fields)
    assert refused.status_code == 422 and "不在清单中" in refused.text
    assert await market.list_purchases(owner=world.owner.org_id) == ([], 0)
    firm = await world.firm()
    _as(client, await _token(client, firm.username))
    page_text = await _page(client, "/me/onboarding")
    assert '<option value="测绘资质·不动产测绘">' in page_text
    declared = await form(
        client,
        "/me/qualifications",
        {"type": "测绘资质", "grade": "乙级", "certificate_no": "乙测资字1", "valid_until": ""},
    )
    assert declared.status_code == 422 and "不在清单中" in declared.text


async def test_eligible_purchases_page_by_page(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.pages import intermediary

    monkeypatch.setattr(intermediary, "OPEN_PAGE", 2)
    fake = FakeClock(clock.now())
    monkeypatch.setattr(clock, "now", fake.now)
    world = await make_world(platform)
    firm = await world.firm()
    first = deadlines.earliest_signup_deadline(fake.now()) + dt.timedelta(hours=10)
    pids = [
        await world.purchase(
            signup_deadline=first + dt.timedelta(hours=h),
            selection_time=first + dt.timedelta(hours=h + 1),
        )
        for h in (2, 0, 1)
    ]
    _as(client, await _token(client, firm.username))
    text = await _page(client, "/me/open")
    shown = [int(p) for p in re.findall(r'href="/purchases/(\d+)"', text)]
    assert shown == [pids[1], pids[2]]  # the soonest deadline first
    assert "第 1–2 条，共 3 条" in text and 'href="?offset=2"' in text
    text = await _page(client, "/me/open?offset=2")
    assert [int(p) for p in re.findall(r'href="/purchases/(\d+)"', text)] == [pids[0]]
    assert 'id="open-next"' not in text and 'href="?offset=0">上一页' in text
