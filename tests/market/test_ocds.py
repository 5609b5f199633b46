"""OCDS 1.1 open data: releases, the record and the bulk files, validated against the official
release-package and record-package schemas (tests/market/ocds_schema, see SOURCE.md there).

One module of a little over 500 lines on purpose: every test here reads the same small market
(``_market``) through the same official-schema validators, which a split would have to share
through a helper module of their own."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import ocdsmerge
import pytest
from click.testing import CliRunner
from referencing import Registry
from referencing.jsonschema import DRAFT4

from kernel.settings import load_settings
from market.api import export_ocds
from market.open_data import coverage, facts, ocds, queries
from market.schemas import CorrectionIn
from market.services import (
    award,
    complaints,
    corrections,
    delivery,
    evidence,
    purchases,
    ratings,
    signups,
)
from market.tables import Extension
from oneset.cli import main
from tests.market.world import (
    SELECTION,
    SHANGHAI,
    WAN,
    FakeClock,
    World,
    chunks,
    make_world,
)

if TYPE_CHECKING:
    from litestar.testing import AsyncTestClient

    from accounts.actor import Actor
    from kernel.platform import Platform

API = "/api/v1/open-data/ocds"
SCHEMA_DIR = Path(__file__).parent / "ocds_schema"
PREFIX = "ocds-oneset"


def _schemas() -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
    }


SCHEMAS = _schemas()
REGISTRY: Registry[Any] = Registry().with_resources(
    (schema["id"], DRAFT4.create_resource(schema)) for schema in SCHEMAS.values()
)


def validate(package: dict[str, Any], name: str) -> None:
    """Every error the official schema finds, not just the first."""
    schema = SCHEMAS[name]
    validator = jsonschema.Draft4Validator(
        schema, registry=REGISTRY, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]
    assert not errors, errors


def validate_releases(package: dict[str, Any]) -> None:
    validate(package, "release-package-schema.json")


async def _file(world: World, actor: Actor, pid: int, text: str) -> str:
    _, sha = await evidence.store_evidence(
        world.platform,
        actor.org_id,
        subject=f"purchase:{pid}",
        kind="contract",
        chunks=chunks(text.encode()),
        filename="file.pdf",
    )
    return sha


async def _market(world: World, fake_clock: FakeClock) -> dict[str, int]:
    """A purchase run to its rating, one cancelled, one failed (流标) and one still open."""
    firms = [await world.firm() for _ in range(3)]
    done = await world.purchase(fund_type="private")
    cancelled = await world.purchase()
    failed = await world.purchase()
    for i, firm in enumerate(firms):
        await signups.sign_up(world.platform, firm, done, quote=6 * WAN + i * 100)
        await signups.sign_up(world.platform, firm, cancelled, quote=7 * WAN + i)
    for firm in firms[:2]:  # state funds need three eligible: this one fails
        await signups.sign_up(world.platform, firm, failed, quote=5 * WAN + 1)
    fake_clock.advance(hours=1)
    await purchases.cancel(world.owner, cancelled, "项目调整，撤销采购")
    fake_clock.set(SELECTION + dt.timedelta(seconds=5))
    assert await award.run_selection(world.platform, done) == "selected"
    assert await award.run_selection(world.platform, failed) == "failed"
    fake_clock.advance(days=1)
    open_ = await world.purchase(
        signup_deadline=SELECTION + dt.timedelta(days=7),
        selection_time=SELECTION + dt.timedelta(days=7, hours=1),
    )
    winner_id = await _winner(done)
    winner = next(f for f in firms if f.org_id == winner_id)
    await delivery.upload_contract(
        winner,
        done,
        evidence_sha256=await _file(world, winner, done, "合同"),
        amount_fen=6 * WAN,
        start_on=dt.date(2026, 11, 30),
        end_on=dt.date(2026, 12, 11),
    )
    await delivery.confirm_contract(world.owner, done)
    fake_clock.set(dt.datetime(2026, 12, 10, 9, tzinfo=SHANGHAI))
    await delivery.extend(world.platform, world.owner, done, working_days=5, reason="业主补充资料")
    fake_clock.set(dt.datetime(2026, 12, 15, 9, tzinfo=SHANGHAI))
    sha = await _file(world, winner, done, "成果")
    await delivery.submit_result(winner, done, evidence_sha256=sha)
    await delivery.accept_result(world.owner, done)
    scores = {"quality": 5, "timeliness": 4, "attitude": 5, "fee": 4, "compliance": 5}
    await ratings.rate(world.platform, world.owner, done, scores, "")
    fake_clock.set(dt.datetime(2027, 1, 5, 9, tzinfo=SHANGHAI))
    draft = await world.purchase(publish=False)
    return {"done": done, "cancelled": cancelled, "failed": failed, "open": open_, "draft": draft}


async def _winner(pid: int) -> int:
    loaded = await queries.load_facts([pid])
    assert loaded[0].winner is not None
    return loaded[0].winner.org_id


async def _all_pages(client: AsyncTestClient[Any], url: str) -> list[dict[str, Any]]:
    pages = []
    while True:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        validate_releases(page)
        pages.append(page)
        nxt = page.get("links", {}).get("next")
        if not nxt:
            return pages
        url = nxt.removeprefix("http://127.0.0.1:8000")


def _tags(releases: list[dict[str, Any]], ocid: str) -> list[str]:
    return [
        t for r in sorted(releases, key=lambda r: r["date"]) if r["ocid"] == ocid for t in r["tag"]
    ]


def contract_supplier(compiled: dict[str, Any]) -> str:
    (the_award,) = compiled["awards"]
    return str(the_award["suppliers"][0]["id"])


def test_the_official_schemas_are_here() -> None:
    assert set(SCHEMAS) >= {
        "release-schema.json",
        "release-package-schema.json",
        "record-package-schema.json",
    }
    for schema in SCHEMAS.values():
        jsonschema.Draft4Validator.check_schema(schema)
    assert SCHEMAS["release-schema.json"]["id"].endswith("/1__1__5/release-schema.json")


async def test_releases_record_and_bulk_files_follow_ocds(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock, tmp_path: Path
) -> None:
    world = await make_world(platform)
    pids = await _market(world, fake_clock)
    ocids = {name: f"{PREFIX}-{pid}" for name, pid in pids.items()}

    pages = await _all_pages(client, f"{API}/releases?limit=2")
    assert len(pages) > 2 and all(len(p["releases"]) <= 2 for p in pages)
    releases = [r for p in pages for r in p["releases"]]
    dates = [r["date"] for r in releases]
    assert dates == sorted(dates, reverse=True)  # newest first, across the pages
    assert len({(r["ocid"], r["id"]) for r in releases}) == len(releases)

    assert _tags(releases, ocids["done"]) == [
        "tender",
        "award",
        "contract",
        "contractAmendment",
        "implementation",
    ]
    assert _tags(releases, ocids["cancelled"]) == ["tender", "tenderCancellation"]
    assert _tags(releases, ocids["failed"]) == ["tender", "tenderUpdate"]
    assert _tags(releases, ocids["open"]) == ["tender"]
    assert _tags(releases, ocids["draft"]) == []  # never published: not open data

    # Sealed quotes: only the purchase whose selection ran shows sign-ups and quotes.
    for name in ("cancelled", "failed", "open"):
        mine = [r for r in releases if r["ocid"] == ocids[name]]
        assert not any("bids" in r or "tenderers" in r.get("tender", {}) for r in mine), name
        assert not any('"amount": 7000' in json.dumps(r) for r in mine)
    award_release = next(
        r for r in releases if r["ocid"] == ocids["done"] and r["tag"] == ["award"]
    )
    bids = award_release["bids"]["details"]
    assert sorted(b["value"]["amount"] for b in bids) == [60000, 60001, 60002]
    assert all(b["value"]["currency"] == "CNY" for b in bids)
    assert award_release["tender"]["numberOfTenderers"] == 3
    (the_award,) = award_release["awards"]
    winner = {p["id"]: p for p in award_release["parties"]}[the_award["suppliers"][0]["id"]]
    assert winner["identifier"]["scheme"] == "CN-USCC"
    assert len(winner["identifier"]["id"]) == 18
    assert set(winner["roles"]) == {"supplier", "tenderer"}
    proof = the_award["documents"][0]
    assert proof["url"].endswith(f"/api/v1/market/purchases/{pids['done']}/draw-proof")
    assert (await client.get(proof["url"].removeprefix("http://127.0.0.1:8000"))).status_code == 200
    tender = award_release["tender"]
    assert (tender["procurementMethod"], tender["procurementMethodDetails"]) == (
        "open",
        "随机选取（社会资金）",
    )
    assert tender["value"] == {"amount": 80000, "currency": "CNY"}
    buyer = award_release["buyer"]["id"]
    assert buyer == f"CN-USCC-{world.owner.uscc}"

    # Date range: the days of the selection only (Beijing time, both ends included).
    day = SELECTION.date().isoformat()
    (only,) = await _all_pages(client, f"{API}/releases?since={day}&until={day}")
    assert {r["tag"][0] for r in only["releases"]} == {"award", "tenderUpdate"}

    response = await client.get(f"{API}/records/{ocids['done']}")
    assert response.status_code == 200, response.text
    package = response.json()
    validate(package, "record-package-schema.json")
    (record,) = package["records"]
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    (contract,) = compiled["contracts"]
    assert contract["status"] == "terminated"
    (extension,) = await Extension.select().where(Extension.purchase == pids["done"])
    assert extension["new_due"] > dt.date(2026, 12, 11)
    # The extension moved the due date, in the amendment and in the compiled contract.
    assert contract["period"]["endDate"] == f"{extension['new_due'].isoformat()}T23:59:59+08:00"
    assert contract["amendments"][0]["rationale"] == "业主补充资料"
    parties = {p["id"]: set(p["roles"]) for p in compiled["parties"]}
    assert parties[contract_supplier(compiled)] == {"supplier", "tenderer"}
    assert sorted(parties.values(), key=sorted).count({"tenderer"}) == 2
    implementation = contract["implementation"]
    assert implementation["rating"]["overall"] == 4.6
    assert implementation["milestones"][0]["status"] == "met"
    # The merge rules given to ocdsmerge compile the same as the official schema's own.
    official = ocdsmerge.Merger(schema=SCHEMAS["release-schema.json"])
    assert official.create_compiled_release(record["releases"]) == compiled

    written = await export_ocds(platform.settings, tmp_path / "bulk")
    lines = (tmp_path / "bulk" / "releases.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(r["id"] for r in releases)
    validate_releases(
        ocds.release_package(
            [],
            queries.publisher(platform.settings),
            published=fake_clock.now(),
            uri="https://example.org/p",
        )
        | {"releases": [json.loads(line) for line in lines]}
    )
    monthly = sorted(p.name for p in written if p.name.startswith("release-package-"))
    assert monthly == ["release-package-2026-11.json", "release-package-2026-12.json"]
    for name in monthly:
        validate_releases(json.loads((tmp_path / "bulk" / name).read_text(encoding="utf-8")))


async def test_bad_queries_are_refused(client: AsyncTestClient[Any], platform: Platform) -> None:
    for query, code in (
        ("since=1999-12-31", "date_out_of_range"),
        ("until=2101-01-01", "date_out_of_range"),
        ("since=2026-12-02&until=2026-12-01", "date_range_reversed"),
        ("limit=101", "limit_out_of_range"),
        ("limit=0", "limit_out_of_range"),
        ("offset=-1", "offset_out_of_range"),
    ):
        response = await client.get(f"{API}/releases?{query}")
        assert response.status_code == 422, (query, response.text)
        assert response.json()["code"] == code
    for ocid in ("ocds-other-1", f"{PREFIX}-999999", f"{PREFIX}-01", f"{PREFIX}-x"):
        response = await client.get(f"{API}/records/{ocid}")
        assert response.status_code == 404, ocid
    empty = (await client.get(f"{API}/releases")).json()
    assert empty["releases"] == [] and "links" not in empty
    validate_releases(empty | {"releases": []})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ocds-oneset-12", 12), ("ocds-oneset-0", None), ("ocds-oneset-", None), ("x-12", None)],
)
def test_ocid_parsing(value: str, expected: int | None) -> None:
    assert ocds.purchase_id(PREFIX, value) == expected


def test_quotes_stay_out_while_sealed() -> None:
    """The mapping itself leaves sign-ups out unless the facts say the quotes are open."""
    owner = facts.Org(1, "业主", "91330100000000001X")
    firm = facts.Org(2, "测绘公司", "91330100000000002X")
    at = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
    purchase = facts.PurchaseFacts(
        purchase_id=7,
        owner=owner,
        project_code="P",
        project_name="项目",
        item_code="54C",
        item_name="测绘",
        content="内容",
        method="lowest_price",
        fund_type="state",
        quote_type="amount",
        price_floor=None,
        price_ceiling=None,
        published_at=at - dt.timedelta(days=5),
        signup_deadline=at,
        selection_time=at,
        service_working_days=20,
        winner=firm,
        selected_at=at,
        quotes=[facts.Quote(1, firm, at, 6 * WAN)],
    )
    publisher = facts.Publisher("p", "https://example.org", PREFIX)
    award_release = ocds.releases(purchase, publisher)[-1].data
    assert award_release["tag"] == ["award"]
    assert "bids" not in award_release and "tenderers" not in award_release["tender"]
    assert "value" not in award_release["awards"][0]
    opened = ocds.releases(replace(purchase, quotes_open=True), publisher)[-1].data
    assert opened["bids"]["details"][0]["value"] == {"amount": 60000, "currency": "CNY"}
    assert (
        opened["tender"]["procurementMethodDetails"]
        == "竞价选取（最低价中选）（财政性资金/国有资金）"
    )


def test_export_command_writes_the_bulk_files(platform: Platform, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export-ocds", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'out' / 'releases.jsonl'}" in result.output
    assert (tmp_path / "out" / "releases.jsonl").read_text(encoding="utf-8") == ""


async def test_an_abandoned_selection_is_a_cancelled_award(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    firms = {firm.org_id: firm for firm in [await world.firm() for _ in range(3)]}
    pid = await world.purchase(fund_type="private")
    for i, firm in enumerate(firms.values()):
        await signups.sign_up(platform, firm, pid, quote=6 * WAN + i)
    fake_clock.set(SELECTION + dt.timedelta(seconds=5))
    assert await award.run_selection(platform, pid) == "selected"
    first = firms[await _winner(pid)]
    fake_clock.advance(hours=2)
    await award.abandon(platform, first, pid, "人员安排不及")
    fake_clock.advance(hours=2)
    await award.redraw(platform, world.owner, pid)
    second = firms[await _winner(pid)]
    assert second.org_id != first.org_id

    response = await client.get(f"{API}/records/{PREFIX}-{pid}")
    assert response.status_code == 200, response.text
    package = response.json()
    validate(package, "record-package-schema.json")
    (record,) = package["records"]
    assert [r["tag"][0] for r in record["releases"]] == [
        "tender",
        "award",
        "awardCancellation",
        "award",
    ]
    awards = record["compiledRelease"]["awards"]
    assert [(a["status"], a["suppliers"][0]["id"]) for a in awards] == [
        ("cancelled", f"CN-USCC-{first.uscc}"),
        ("active", f"CN-USCC-{second.uscc}"),
    ]
    (page,) = await _all_pages(client, f"{API}/releases")
    assert len(page["releases"]) == 4


@pytest.mark.parametrize("prefix", ["ocds 213czf", "ocds-", "-x", "前缀", ""])
def test_the_ocid_prefix_setting_is_checked(prefix: str, tmp_path: Path) -> None:
    env = {"ONESET_DATA_DIR": str(tmp_path), "ONESET_SECRET_KEY": "k", "ONESET_OCDS_PREFIX": prefix}
    if prefix:
        with pytest.raises(ValueError, match="ONESET_OCDS_PREFIX"):
            load_settings(env)
    else:  # unset: the default
        assert load_settings(env).ocds_prefix == "ocds-oneset"
    assert load_settings(env | {"ONESET_OCDS_PREFIX": "ocds-213czf"}).ocds_prefix == "ocds-213czf"


async def test_cardinal_coverage_names_the_fields_the_export_fills(
    platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    await _market(world, fake_clock)
    found = await coverage.field_coverage(platform.settings)
    assert found.processes == 4  # the draft is not published
    for path in (
        "/ocid",
        "/buyer/id",
        "/tender/procurementMethod",
        "/tender/procurementMethodDetails",
        "/tender/tenderPeriod/endDate",
    ):
        assert found.counts.get(path) == 4, (path, found.counts.get(path))
    # Below an array, Cardinal counts each element: the owner and the firms that signed up.
    assert found.counts["/parties[]/identifier/scheme"] == 7
    assert found.counts["/tender/documents[]/url"] == 4
    # One purchase ran to its rating (three quotes opened); the failed one's quotes stay sealed.
    assert found.counts["/awards[]/suppliers[]/id"] == 1
    assert found.counts["/contracts[]/implementation/milestones[]/dateMet"] == 1
    assert found.counts["/contracts[]/amendments[]/rationale"] == 1
    assert found.counts["/bids/details[]/value/amount"] == 3
    assert "/tender/enquiryPeriod/startDate" not in found.counts  # not filled: no enquiries
    print(f"\nCardinal coverage of {found.processes} compiled releases:")  # the field table
    for path, count in sorted(found.counts.items()):
        print(f"{count:>4} {path}")


def test_the_coverage_command_prints_the_table(platform: Platform) -> None:
    """``oneset ocds-coverage`` (one-shot: its own event loop, so over an empty database here)."""
    result = CliRunner().invoke(main, ["ocds-coverage"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("compiled releases: 0\n   count  share    path"), result.output
    result = CliRunner().invoke(main, ["ocds-coverage", "--json"])
    assert json.loads(result.output) == {"processes": 0, "counts": {}}


async def test_a_correction_of_the_announcement_is_a_tender_amendment(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    firm = await world.firm()
    pid = await world.purchase()
    fixed = await complaints.file_complaint(
        platform, firm, subject="资质要求过高", body="乙级即可完成", purchase_id=pid
    )
    kept = await complaints.file_complaint(
        platform, firm, subject="报名期偏短", body="请延长", purchase_id=pid
    )
    fake_clock.advance(hours=2)
    await complaints.answer_complaint(
        world.operator, fixed, outcome="部分支持", correction="资质要求更正为丙级及以上"
    )
    await complaints.answer_complaint(world.operator, kept, outcome="不予支持")  # no correction
    answered_at = fake_clock.now()
    fake_clock.advance(hours=1)  # then the owner's own 更正公告
    own = await corrections.correct(
        platform, world.owner, pid, CorrectionIn(reason="联系人变更", contact="李经理 13900000000")
    )
    r = await client.get(f"/api/v1/open-data/ocds/records/{PREFIX}-{pid}")
    assert r.status_code == 200, r.text
    package = r.json()
    validate(package, "record-package-schema.json")
    record = package["records"][0]
    assert [rel["tag"] for rel in record["releases"]] == [
        ["tender"],
        ["tenderAmendment"],
        ["tenderAmendment"],
    ]
    tender = record["compiledRelease"]["tender"]
    assert tender["status"] == "active"
    assert tender["amendments"] == [
        {
            "id": f"correction-{fixed}",
            "date": ocds.timestamp(answered_at),
            "rationale": "答复投诉（资质要求过高）时更正采购公告",
            "description": "资质要求更正为丙级及以上",
        },
        {
            "id": f"correction-owner-{own.id}",
            "date": ocds.timestamp(own.at),
            "rationale": "联系人变更",
            "description": f"联系人及电话：由 {own.changes[0].before} 更正为 李经理 13900000000",
        },
    ]
    official = ocdsmerge.Merger(schema=SCHEMAS["release-schema.json"])
    assert official.create_compiled_release(record["releases"]) == record["compiledRelease"]
    page = (await client.get("/api/v1/open-data/ocds/releases")).json()
    validate_releases(page)
    assert [rel["id"] for rel in page["releases"][:2]] == [  # newest first
        f"{PREFIX}-{pid}-tenderAmendment-owner-{own.id}",
        f"{PREFIX}-{pid}-tenderAmendment-{fixed}",
    ]


async def test_the_date_window_is_found_in_the_database(
    platform: Platform, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await make_world(platform)
    ids = await _market(world, fake_clock)
    start = dt.datetime.combine(SELECTION.date(), dt.time(), tzinfo=SHANGHAI)
    one_day = dt.timedelta(days=1)
    # The selection day: the purchase selected and the one that failed, nothing else.
    assert await queries.purchases_dated(start, start + one_day) == sorted(
        [ids["done"], ids["failed"]]
    )
    assert await queries.purchases_dated(start + 200 * one_day, None) == []
    asked: list[list[int] | None] = []
    real = queries.load_facts

    async def spy(
        purchase_ids: list[int] | None = None, *, until: dt.datetime | None = None
    ) -> list[facts.PurchaseFacts]:
        asked.append(None if purchase_ids is None else list(purchase_ids))
        return await real(purchase_ids, until=until)

    monkeypatch.setattr(queries, "load_facts", spy)
    every = await queries.all_releases(platform.settings)
    assert asked == [None]
    # Any window gives exactly the releases dated in it, reading only the purchases it names.
    first = dt.datetime.combine(dt.date(2026, 11, 20), dt.time(), tzinfo=SHANGHAI)
    for offset in range(0, 50, 3):
        since, until = first + offset * one_day, first + (offset + 4) * one_day
        got = await queries.all_releases(platform.settings, since=since, until=until)
        assert [r.id for r in got] == [r.id for r in every if since <= r.date < until]
        assert set(asked[-1] or []) >= {int(r.ocid.rsplit("-", 1)[1]) for r in got}
    assert all(len(a or []) < 4 for a in asked[1:]), asked
