"""The marketplace over HTTP: pinned endpoints, sealed quotes, evidence upload, board, CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from kernel import outbox
from kernel.platform import Platform
from market.rules import draw
from market.services import award, catalogue
from oneset.wiring import index_registrations
from tests import helpers
from tests.conftest import ON_BOTH_ENGINES, REPO_ROOT
from tests.market.world import DEADLINE, MONDAY, SELECTION, SURVEY, WAN, FakeClock
from tests.unit.market.reference_draw import replay

API = "/api/v1/market"
Client = AsyncTestClient[Any]


async def _onboarded(client: Client, operator: helpers.Session) -> helpers.Session:
    firm = await helpers.login_as(client, "intermediary")
    r = await client.post(f"{API}/onboarding", json={"region": "330100"}, headers=firm.headers)
    assert r.status_code == 201, r.text
    ident = r.json()["id"]
    body = ("营业执照 " + firm.uscc).encode() * 1000
    r = await client.post(
        f"{API}/evidence",
        params={
            "subject": f"intermediary:{ident}",
            "kind": "business_licence",
            "filename": "licence.pdf",
        },
        content=body,
        headers={**firm.headers, "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["sha256"]) == 64
    r = await client.post(
        f"{API}/onboarding/{ident}/review", json={"approve": False}, headers=operator.headers
    )
    assert r.status_code == 422
    assert r.json()["field"] == "reason"
    r = await client.post(
        f"{API}/onboarding/{ident}/review", json={"approve": True}, headers=operator.headers
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/qualifications",
        headers=firm.headers,
        json={
            "type": SURVEY,
            "grade": "甲级",
            "certificateNo": f"甲测资字{firm.org_id:06d}",
            "validUntil": "2030-12-31",
        },
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/qualifications/{r.json()['id']}/review",
        json={"approve": True},
        headers=operator.headers,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/guides",
        headers=firm.headers,
        json={
            "itemCode": "54C",
            "scope": "竣工联合测绘",
            "standard": "GB/T 17986",
            "process": "受理—外业—成果",
            "fee": "按建筑面积 1.2 元/㎡",
            "promisedWorkingDays": 12,
        },
    )
    assert r.status_code == 201, r.text
    return firm


@ON_BOTH_ENGINES
async def test_random_draw_over_http_with_pinned_endpoints(
    client: Client, platform: Platform, fake_clock: FakeClock, tmp_path: Path
) -> None:
    await catalogue.load_catalog()
    assert len((await client.get(f"{API}/catalog")).json()) >= 30
    operator = await helpers.login_as(client, "operator")
    owner = await helpers.login_as(client, "enterprise")
    firms = [await _onboarded(client, operator) for _ in range(4)]
    fake_clock.set(MONDAY)

    r = await client.post(
        f"{API}/purchases",
        headers=owner.headers,
        json={
            "projectCode": "2026-330100-48-01-654321",
            "projectName": "滨江科创中心",
            "itemCode": "54C",
            "content": "竣工联合测绘",
            "method": "random_draw",
            "fundType": "state",
            "signupDeadline": DEADLINE.isoformat(),
            "selectionTime": SELECTION.isoformat(),
            "serviceWorkingDays": 15,
            "priceFloor": 5 * WAN,
            "priceCeiling": 8 * WAN,
            "qualificationRule": {"kind": "any", "items": [{"type": SURVEY, "minGrade": "乙级"}]},
        },
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    bad = await client.post(f"{API}/purchases", headers=owner.headers, json={"surprise": 1})
    assert bad.status_code == 422, bad.text
    assert bad.json()["code"] == "validation_failed", bad.text
    r = await client.post(f"{API}/purchases/{pid}/publish", headers=owner.headers)
    assert r.status_code == 201, r.text
    commitment = r.json()["commitment"]

    proof = (await client.get(f"{API}/purchases/{pid}/draw-proof")).json()
    assert (proof["commitment"], proof["seed"], proof["draws"]) == (commitment, None, [])

    signups = []
    for i, f in enumerate(firms):
        r = await client.post(
            f"{API}/purchases/{pid}/signups", json={"quote": 6 * WAN + i}, headers=f.headers
        )
        assert r.status_code == 201, r.text
        signups.append(r.json()["id"])
    r = await client.post(
        f"{API}/purchases/{pid}/signups", json={"quote": 6 * WAN}, headers=firms[0].headers
    )
    assert r.status_code == 409
    # Sealed: nobody but the author reads a quote before the selection time.
    for reader in (owner.headers, operator.headers, firms[1].headers, {}):
        r = await client.get(f"{API}/purchases/{pid}/signups/{signups[0]}", headers=reader)
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "quote_sealed"
    r = await client.get(f"{API}/purchases/{pid}/signups/{signups[0]}", headers=firms[0].headers)
    assert r.json()["quote"] == 6 * WAN

    fake_clock.set(SELECTION + dt.timedelta(seconds=5))
    assert await award.run_due(platform) == {"selected": 1}
    r = await client.get(f"{API}/purchases", params={"method": "random_draw", "status": "selected"})
    body = r.json()
    assert body["total"] == 1
    assert body["items"][0]["id"] == pid
    assert (await client.get(f"{API}/purchases", params={"status": "failed"})).json()["total"] == 0
    assert (await client.get(f"{API}/purchases", params={"status": "nope"})).status_code == 422

    proof = (await client.get(f"{API}/purchases/{pid}/draw-proof")).json()
    assert set(proof) == {
        "purchaseId",
        "commitment",
        "seed",
        "beacon",
        "candidates",
        "candidatesHash",
        "draws",
    }
    assert proof["commitment"] == commitment
    assert draw.verify_proof(proof) == []
    replay(proof)
    assert body["items"][0]["winnerUscc"] == proof["draws"][0]["selected"]
    history = (await client.get(f"{API}/purchases/{pid}/history")).json()
    assert [h["new"] for h in history] == ["signup_open", "signup_closed", "selecting", "selected"]

    # oneset verify-draw: exit 0 on the published proof, 1 naming the mismatch when tampered.
    good = tmp_path / "proof.json"
    good.write_text(json.dumps(proof), encoding="utf-8")
    ok = _verify_cli(good)
    assert ok.returncode == 0, ok.stderr
    assert "proof verified" in ok.stdout
    proof["draws"][0]["index"] = (proof["draws"][0]["index"] + 1) % len(proof["candidates"])
    bad_file = tmp_path / "tampered.json"
    bad_file.write_text(json.dumps(proof), encoding="utf-8")
    failed = _verify_cli(bad_file)
    assert failed.returncode == 1
    assert "draws[0].index" in failed.stderr

    # Board and directory through the search port, kept current by the outbox.
    await outbox.dispatch(platform, index_registrations(), send=lambda _n, _a: None)
    board = (await client.get(f"{API}/board", params={"status": "selected"})).json()
    assert [h["id"] for h in board["items"]] == [str(pid)]
    board = (await client.get(f"{API}/board", params={"q": "滨江科创"})).json()
    assert board["total"] == 1
    directory = (await client.get(f"{API}/intermediaries", params={"item": "54C"})).json()
    assert directory["total"] == 4
    assert {h["creditGrade"] for h in directory["items"]} == {"A"}
    assert "付费" in directory["rankingRule"]
    profile = (await client.get(f"{API}/intermediaries/{firms[0].org_id}")).json()
    assert profile["credit"]["grade"] == "A"
    assert "信用分" in profile["credit"]["formula"]
    assert [g["itemCode"] for g in profile["guides"]] == ["54C"]
    assert profile["qualifications"][0]["grade"] == "甲级"


def _verify_cli(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oneset", "verify-draw", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
