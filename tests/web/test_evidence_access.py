"""The API download and the page link of an attached file answer the same readers, by the one
rule in ``market.rules.evidence``: a purchase's files for its two parties, an onboarding's or a
qualification's for its organisation, every file for the supervisors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from accounts.api import Actor
from kernel import clock
from kernel.platform import Platform
from market.rules import deadlines
from market.services import award, evidence, onboarding, purchase_views, qualifications, signups
from tests import helpers
from tests.market.world import WAN, FakeClock, chunks, make_world, new_org
from tests.web.pages import form

API = "/api/v1/market"
PASSWORD = "test-pass-2026"  # tests.market.world.new_org's


async def _file(platform: Platform, who: Actor, subject: str, kind: str) -> tuple[int, bytes]:
    body = f"{kind} of {subject} by {who.uscc}".encode()
    ident, _ = await evidence.store_evidence(
        platform, who.org_id, subject=subject, kind=kind, chunks=chunks(body)
    )
    return ident, body


async def test_api_and_page_allow_the_same_readers(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeClock(clock.now())
    monkeypatch.setattr(clock, "now", fake.now)
    w = await make_world(platform)
    firms = [await w.firm() for _ in range(3)]
    deadline = deadlines.earliest_signup_deadline(fake.now()) + dt.timedelta(hours=10)
    pid = await w.purchase(
        signup_deadline=deadline, selection_time=deadline + dt.timedelta(hours=1)
    )
    for i, firm in enumerate(firms):
        await signups.sign_up(platform, firm, pid, 6 * WAN + i)
    fake.advance(days=30)
    assert await award.run_selection(platform, pid) == "selected"
    view = await purchase_views.purchase_view(pid)
    winner = next(f for f in firms if f.uscc == view.winner_uscc)
    loser = next(f for f in firms if f is not winner)  # signed up, uploaded, lost
    (declared,) = await qualifications.my_qualifications(loser)
    onboarded = await onboarding.application_of(loser.org_id)
    files = {
        "contract": await _file(platform, winner, f"purchase:{pid}", "contract"),
        "proposal": await _file(platform, loser, f"purchase:{pid}", "proposal"),
        "licence": await _file(platform, loser, f"intermediary:{onboarded.id}", "other"),
        "certificate": await _file(platform, loser, f"qualification:{declared.id}", "certificate"),
    }
    readers = {
        "owner": w.owner,
        "winner": winner,
        "loser": loser,
        "other owner": await new_org("enterprise"),
        "outsider": await new_org("intermediary"),
        "operator": w.operator,
        "regulator": await new_org("regulator"),
    }
    allowed = {
        "contract": {"owner", "winner", "operator", "regulator"},
        "proposal": {"owner", "winner", "operator", "regulator"},  # not its losing uploader
        "licence": {"loser", "operator", "regulator"},
        "certificate": {"loser", "operator", "regulator"},
    }
    for name, reader in readers.items():
        headers = await helpers.login(client, reader.username, PASSWORD)
        signed_in = await form(
            client, "/login", {"username": reader.username, "password": PASSWORD}
        )
        cookie = str(signed_in.cookies["oneset_session"])
        for file, (ident, body) in files.items():
            client.cookies.delete("oneset_session")
            api = await client.get(f"{API}/evidence/{ident}", headers=headers)
            client.cookies.set("oneset_session", cookie)
            page = await client.get(f"/files/{ident}")
            client.cookies.delete("oneset_session")
            expected = 200 if name in allowed[file] else 403
            assert (api.status_code, page.status_code) == (expected, expected), (file, name)
            if expected == 200:
                assert api.content == page.content == body
