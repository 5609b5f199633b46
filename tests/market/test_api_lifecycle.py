"""After selection over HTTP: contract, result, rating, extension, complaints, owner's pick."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from kernel.platform import Platform
from market.services import award, catalogue
from tests import helpers
from tests.market.test_api import API, _onboarded
from tests.market.world import DEADLINE, MONDAY, SELECTION, WAN, FakeClock

Client = AsyncTestClient[Any]


def _purchase(method: str, **extra: Any) -> dict[str, Any]:
    return {
        "projectCode": "2026-330100-48-01-777777",
        "projectName": "城西污水处理厂提标改造",
        "itemCode": "ZJ1-003",
        "content": "环境影响报告书编制",
        "method": method,
        "fundType": "private",
        "signupDeadline": DEADLINE.isoformat(),
        "selectionTime": SELECTION.isoformat(),
        "serviceWorkingDays": 20,
        **extra,
    }


async def _upload(client: Client, who: helpers.Session, pid: int, text: str) -> str:
    r = await client.post(
        f"{API}/evidence",
        params={"subject": f"purchase:{pid}", "kind": "contract"},
        content=text.encode(),
        headers=who.headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["sha256"])


async def test_delivery_rating_and_complaint_over_http(
    client: Client, platform: Platform, fake_clock: FakeClock
) -> None:
    await catalogue.load_catalog()
    operator = await helpers.login_as(client, "operator")
    owner = await helpers.login_as(client, "enterprise")
    other_owner = await helpers.login_as(client, "enterprise")
    firm, second = await _onboarded(client, operator), await _onboarded(client, operator)
    fake_clock.set(MONDAY)

    r = await client.post(
        f"{API}/purchases", headers=owner.headers, json=_purchase("proposal_merit")
    )
    pid = r.json()["id"]
    assert (await client.get(f"{API}/purchases/{pid}")).status_code == 404  # draft: owner only
    assert (
        await client.get(f"{API}/purchases/{pid}", headers=other_owner.headers)
    ).status_code == 404
    assert (await client.get(f"{API}/purchases/{pid}", headers=owner.headers)).status_code == 200
    await client.post(f"{API}/purchases/{pid}/publish", headers=owner.headers)
    for f in (firm, second):
        r = await client.post(f"{API}/purchases/{pid}/signups", json={}, headers=f.headers)
        assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/complaints",
        headers=second.headers,
        json={"subject": "评审因素不明确", "body": "公告未说明方案评审的权重。", "purchaseId": pid},
    )
    cid = r.json()["id"]
    fake_clock.set(SELECTION)
    await award.run_due(platform)
    view = (await client.get(f"{API}/purchases/{pid}")).json()
    assert (view["status"], view["outcome"]["status"]) == ("selecting", "awaiting_owner")
    r = await client.post(
        f"{API}/purchases/{pid}/choose", json={"uscc": firm.uscc}, headers=second.headers
    )
    assert r.status_code == 403
    r = await client.post(
        f"{API}/purchases/{pid}/choose", json={"uscc": firm.uscc}, headers=owner.headers
    )
    assert r.status_code == 201, r.text

    sha = await _upload(client, owner, pid, "合同正本")
    r = await client.post(
        f"{API}/evidence",
        params={"subject": f"purchase:{pid}", "kind": "contract", "filename": "合同.pdf"},
        content="合同正本".encode(),
        headers=owner.headers,
    )
    evidence_id = r.json()["id"]
    r = await client.get(f"{API}/evidence/{evidence_id}", headers=firm.headers)
    assert r.status_code == 200, r.text
    assert r.content == "合同正本".encode()
    assert r.headers["x-content-sha256"] == sha
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    r = await client.get(f"{API}/evidence/{evidence_id}", headers=second.headers)
    assert r.status_code == 403
    r = await client.post(
        f"{API}/evidence",
        params={"subject": f"purchase:{pid}", "kind": "contract"},
        content=b"x",
        headers=other_owner.headers,
    )
    assert r.status_code == 403
    r = await client.post(
        f"{API}/purchases/{pid}/contract",
        headers=owner.headers,
        json={
            "evidenceSha256": sha,
            "amountFen": 86 * WAN // 10,
            "startOn": "2026-11-30",
            "endOn": "2026-12-28",
        },
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"{API}/purchases/{pid}/contract/confirm", headers=owner.headers)
    assert r.status_code == 403
    r = await client.post(f"{API}/purchases/{pid}/contract/confirm", headers=firm.headers)
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/purchases/{pid}/extension",
        headers=owner.headers,
        json={"workingDays": 3, "reason": "补充监测数据"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["newDue"] == "2026-12-31"
    r = await client.post(
        f"{API}/purchases/{pid}/result",
        headers=firm.headers,
        json={"evidenceSha256": await _upload(client, firm, pid, "报告 v1")},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/purchases/{pid}/result/return",
        headers=owner.headers,
        json={"reason": "缺少公众参与说明"},
    )
    assert r.status_code == 201, r.text
    await client.post(
        f"{API}/purchases/{pid}/result",
        headers=firm.headers,
        json={"evidenceSha256": await _upload(client, firm, pid, "报告 v2")},
    )
    rating = {"quality": 4, "timeliness": 5, "attitude": 5, "fee": 4, "compliance": 4}
    r = await client.post(f"{API}/purchases/{pid}/rating", headers=owner.headers, json=rating)
    assert r.status_code == 409  # not accepted yet
    r = await client.post(f"{API}/purchases/{pid}/result/accept", headers=owner.headers)
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/purchases/{pid}/rating", headers=owner.headers, json={**rating, "surprise": 1}
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "validation_failed", r.text
    r = await client.post(f"{API}/purchases/{pid}/rating", headers=owner.headers, json=rating)
    assert r.status_code == 201, r.text
    profile = (await client.get(f"{API}/intermediaries/{firm.org_id}")).json()
    assert profile["completedCount"] == 1
    assert profile["ratingAverages"] == {
        "quality": "4.00",
        "timeliness": "5.00",
        "attitude": "5.00",
        "fee": "4.00",
        "compliance": "4.00",
    }
    history = (await client.get(f"{API}/purchases/{pid}/history")).json()
    assert history[-1]["new"] == "rated"

    flags = (await client.get(f"{API}/flags", headers=operator.headers)).json()
    assert [f["subject"] for f in flags] == [f"complaint:{cid}"]
    assert (await client.get(f"{API}/flags", headers=firm.headers)).status_code == 403
    r = await client.post(
        f"{API}/complaints/{cid}/answer",
        headers=operator.headers,
        json={"outcome": "已要求业主补充评审权重", "correction": "方案 60%、报价 40%"},
    )
    assert r.status_code == 201, r.text
    public = (await client.get(f"{API}/complaints", params={"purchase_id": pid})).json()
    assert public[0]["correction"] == "方案 60%、报价 40%"
