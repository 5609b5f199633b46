"""Scenarios 14, 15 and 17 with real electronic seals (PAdES, validated by pyHanko against the
platform root), on a platform with its defaults: sealed sheets are required
(``ONESET_REQUIRE_DRAWING_SEALS`` is on unless turned off)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from click.testing import CliRunner

from drawings.services import processing
from kernel import audit, pki
from oneset.cli.drawings import verify_archive_command
from tests import helpers
from tests.drawings.conftest import CODE, World
from tests.paths import SHARED_DATA

if TYPE_CHECKING:
    pass


async def _party(world: World, name: str, role: str) -> helpers.Session:
    session = await helpers.login_as(world.client, "intermediary", name=name)
    await world.grant(session, role)
    return session


async def _upload(world: World, who: helpers.Session, sheet: str, relative: str) -> int:
    response = await world.upload(sheet, relative, who=who)
    assert response.status_code == 201, response.text
    revision_id = int(response.json()["id"])
    await processing.process_revision(world.platform, revision_id)
    return revision_id


async def _seal(world: World, who: helpers.Session, revision: int, **body: Any) -> Any:
    response = await world.post(f"/revisions/{revision}/signatures", who, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_scenario_14_sealed_submission_and_certificate(world: World) -> None:
    designer = await _party(world, "深圳市某某建筑设计研究院有限公司", "contribute")
    reviewer = await _party(world, "市施工图审查中心", "review")

    v1 = await _upload(world, designer, "建施-01", "pdf/flange.v1.pdf")
    dwg = await _upload(world, designer, "建施-01-dwg", "dwg/example_2018.dwg")
    # An unsealed sheet cannot be submitted: a PDF without its seal, a DWG without a PDF print
    # on its sheet, or with an unsealed one; the DWG goes once its print is sealed.
    for revision, code in ((v1, "seal_required"), (dwg, "pdf_print_required")):
        refused = await world.post(
            f"/revisions/{revision}/transitions", designer, json={"to": "shared"}
        )
        assert (refused.status_code, refused.json()["code"]) == (409, code), refused.text
    printed = await _upload(world, designer, "建施-01-dwg", "pdf/AutoCad_Simple.pdf")
    unsealed_print = await world.post(
        f"/revisions/{dwg}/transitions", designer, json={"to": "shared"}
    )
    assert (unsealed_print.status_code, unsealed_print.json()["code"]) == (409, "seal_required")
    await _seal(world, designer, printed, purpose="design", role="designer")
    dwg_shared = await world.post(f"/revisions/{dwg}/transitions", designer, json={"to": "shared"})
    assert dwg_shared.status_code == 200, dwg_shared.text
    await _seal(world, designer, v1, purpose="design", role="designer", x=420, y=30)
    await _seal(world, designer, v1, purpose="design", role="checker", x=240, y=30)
    shared = await world.post(f"/revisions/{v1}/transitions", designer, json={"to": "shared"})
    assert shared.status_code == 200, shared.text

    # Anchored review: a 强条 comment and an ordinary one.
    comments = []
    for mandatory, body in ((True, "疏散距离不满足要求"), (False, "图签缺少日期")):
        response = await world.post(
            f"/revisions/{v1}/comments",
            reviewer,
            json={
                "x": 120,
                "y": 80,
                "mandatory": mandatory,
                "clause": "GB 50016-2014 第5.5.17条" if mandatory else "",
                "body": body,
            },
        )
        assert response.status_code == 201, response.text
        comments.append(response.json()["id"])
    for comment in comments:
        answered = await world.post(f"/comments/{comment}/answer", designer, json={"reply": "已改"})
        assert answered.status_code == 200, answered.text

    # v2: sealed again (seals belong to a file, not to a sheet), comments carried forward.
    v2 = await _upload(world, designer, "建施-01", "pdf/flange.v2.pdf")
    await _seal(world, designer, v2, purpose="design", role="designer", x=420, y=30)
    assert (
        await world.post(f"/revisions/{v2}/transitions", designer, json={"to": "shared"})
    ).status_code == 200
    carried = (await world.get(f"/revisions/{v2}/comments", reviewer)).json()
    publish = {"to": "published", "certificateNumber": "粤审2026-014"}
    mandatory = next(c for c in carried if c["mandatory"])
    assert (await world.post(f"/comments/{mandatory['id']}/close", reviewer)).status_code == 200
    # One ordinary comment still open: no certificate yet.
    blocked = await world.post(f"/revisions/{v2}/transitions", reviewer, json=publish)
    assert (blocked.status_code, blocked.json()["code"]) == (409, "comments_open")
    for comment in carried:
        if not comment["mandatory"]:
            await world.post(f"/comments/{comment['id']}/close", reviewer)

    published = await world.post(f"/revisions/{v2}/transitions", reviewer, json=publish)
    assert published.status_code == 200, published.text
    body = published.json()
    assert (body["state"], body["certificateNumber"], body["stamped"]) == (
        "published",
        "粤审2026-014",
        True,
    )
    # The review stamp is the agency's own signature: the designer's seal is still valid.
    signatures = (await world.get(f"/revisions/{v2}/signatures", reviewer)).json()
    assert [(s["purpose"], s["role"], s["valid"]) for s in signatures] == [
        ("design", "designer", True),
        ("review", "review_agency", True),
    ]
    assert signatures[1]["organisation"] == "市施工图审查中心"
    stamped = (await world.get(f"/revisions/{v2}/stamped.pdf")).content
    assert stamped == (await world.get(f"/revisions/{v2}/signed.pdf")).content
    original = (await world.get(f"/revisions/{v2}/file")).content
    assert original == (SHARED_DATA / "pdf/flange.v2.pdf").read_bytes()
    assert stamped.startswith(original)

    # Locked with its hash and QR: no more design seals, no re-publication; the QR answers.
    late = await world.post(
        f"/revisions/{v2}/signatures", designer, json={"purpose": "design", "role": "checker"}
    )
    assert (late.status_code, late.json()["code"]) == (409, "revision_locked")
    assert (await world.get(f"/revisions/{v2}/qr.png")).status_code == 200
    entries = await audit.entries_for("drawings:")
    publication = next(
        e
        for e in entries
        if e["action"] == "drawings.revision_published" and e["subject"].endswith(f":{v2}")
    )
    payload = json.loads(str(publication["payload"]))
    assert (payload["sha256"], payload["stampedSha256"]) == (body["sha256"], _sha(stamped))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _published_design_sheet(
    world: World, designer: helpers.Session, reviewer: helpers.Session, sheet: str, relative: str
) -> int:
    revision = await _upload(world, designer, sheet, relative)
    await _seal(world, designer, revision, purpose="design", role="designer", x=420, y=30)
    assert (
        await world.post(f"/revisions/{revision}/transitions", designer, json={"to": "shared"})
    ).status_code == 200
    published = await world.post(
        f"/revisions/{revision}/transitions",
        reviewer,
        json={"to": "published", "certificateNumber": f"粤审-{sheet}"},
    )
    assert published.status_code == 200, published.text
    return revision


CONTRACTOR_ROLES = ("contractor", "compiler", "checker", "technical_lead")
SUPERVISOR_ROLES = ("supervision_unit", "chief_supervisor", "site_supervisor")


async def test_scenario_17_composite_asbuilt_seal_and_archive(world: World, tmp_path: Path) -> None:
    designer = await _party(world, "深圳市某某建筑设计研究院有限公司", "contribute")
    reviewer = await _party(world, "市施工图审查中心", "review")
    contractor = await _party(world, "中建某局第一建设有限公司", "contribute")
    supervisor = await _party(world, "深圳市某某工程监理有限公司", "read")
    await _published_design_sheet(world, designer, reviewer, "建施-01", "pdf/flange.v1.pdf")

    response = await world.upload(
        "竣施-01", "pdf/flange.v2.pdf", who=contractor, stage="completion"
    )
    assert response.status_code == 201, response.text
    asbuilt = int(response.json()["id"])
    await processing.process_revision(world.platform, asbuilt)
    # The composite seal's frame corner is chosen by the signers; the boxes are laid out in it.
    frame = {"purpose": "asbuilt", "x": 800, "y": 40}
    for role in CONTRACTOR_ROLES:
        await _seal(world, contractor, asbuilt, role=role, **frame)
    # The designer unit cannot sign for the supervision unit, nor anyone twice.
    wrong = await world.post(
        f"/revisions/{asbuilt}/signatures", reviewer, json={**frame, "role": "site_supervisor"}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "not_a_signer")
    for role in SUPERVISOR_ROLES[:2]:
        await _seal(world, supervisor, asbuilt, role=role, **frame)

    incomplete = await world.post(f"/projects/{CODE}/archive")
    assert (incomplete.status_code, incomplete.json()["code"]) == (409, "asbuilt_seal_incomplete")
    assert "竣施-01（缺：监理工程师）" in incomplete.json()["detail"]
    await _seal(world, supervisor, asbuilt, role="site_supervisor", **frame)

    seals = (await world.get(f"/revisions/{asbuilt}/signatures")).json()
    assert [(s["role"], s["valid"]) for s in seals] == [
        (role, True) for role in (*CONTRACTOR_ROLES, *SUPERVISOR_ROLES)
    ]
    assert {s["organisation"] for s in seals} == {
        "中建某局第一建设有限公司",
        "深圳市某某工程监理有限公司",
    }

    made = await world.post(f"/projects/{CODE}/archive")
    assert made.status_code == 201, made.text
    archive_sha = made.json()["sha256"]
    path = tmp_path / "archive.zip"
    path.write_bytes((await world.get(f"/projects/{CODE}/archive.zip")).content)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        root_pem = zf.read("files/pki/root.pem")
    assert {
        "files/竣施-01/r1.pdf",
        "files/竣施-01/r1.signed.pdf",
        "files/建施-01/r1.pdf",
        "files/建施-01/r1.stamped.pdf",
        "files/变更通知目录.json",
        "files/pki/root.pem",
        "manifest.json",
    } == names
    assert root_pem == pki.load_authority(world.platform.settings).root_pem
    listed = [(s["path"], s["role"]) for s in manifest["signatures"]]
    assert listed[-7:] == [
        ("竣施-01/r1.signed.pdf", label)
        for label in (
            "施工单位",
            "编制人",
            "审核人",
            "技术负责人",
            "监理单位",
            "总监理工程师",
            "监理工程师",
        )
    ]
    assert all(f["sha256"] and f["size"] for f in manifest["files"])

    trust = tmp_path / "root.pem"
    trust.write_bytes(root_pem)
    runner = CliRunner()
    ok = runner.invoke(
        verify_archive_command, [str(path), "--sha256", archive_sha, "--trust", str(trust)]
    )
    assert ok.exit_code == 0, ok.output

    # A forger rewrites one byte of the as-built sheet and the manifest's hash to match: the
    # hashes agree, the seals do not, and each failing one is named.
    forged = tmp_path / "forged.zip"
    _forge(path, forged, "竣施-01/r1.signed.pdf")
    failed = runner.invoke(verify_archive_command, [str(forged), "--trust", str(trust)])
    assert failed.exit_code == 1
    lines = [line for line in failed.output.splitlines() if line.startswith("签章无效")]
    assert len(lines) == 7, failed.output
    for role in (*CONTRACTOR_ROLES, *SUPERVISOR_ROLES):
        assert any(f"oneset-asbuilt-{role}（" in line for line in lines), failed.output
    assert all("竣施-01/r1.signed.pdf" in line and "摘要不符" in line for line in lines)


def _forge(source: Path, target: Path, member: str) -> None:
    """Copy the archive with one byte of ``member`` changed and its manifest entry rehashed."""
    with zipfile.ZipFile(source) as zf:
        contents = {name: zf.read(name) for name in zf.namelist()}
    data = bytearray(contents["files/" + member])
    data[len(data) // 10] ^= 0x01  # inside the uploaded drawing, which every seal covers
    contents["files/" + member] = bytes(data)
    manifest = json.loads(contents["manifest.json"])
    for entry in manifest["files"]:
        if entry["path"] == member:
            entry["sha256"] = _sha(bytes(data))
    contents["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, body in contents.items():
            zf.writestr(name, body)


async def test_scenario_15_change_control_with_confirmations(world: World) -> None:
    designer = await _party(world, "深圳市某某建筑设计研究院有限公司", "contribute")
    reviewer = await _party(world, "市施工图审查中心", "review")
    other_agency = await _party(world, "另一家审查机构", "review")
    contractor = await _party(world, "中建某局第一建设有限公司", "read")
    supervisor = await _party(world, "深圳市某某工程监理有限公司", "read")
    base_minor = await _published_design_sheet(
        world, designer, reviewer, "建施-02", "pdf/AutoCad_Simple.pdf"
    )
    base = await _published_design_sheet(world, designer, reviewer, "建施-01", "pdf/flange.v1.pdf")
    base_signed = (await world.get(f"/revisions/{base}/signed.pdf")).content

    # Minor change: the agency's "does not affect review content" determination is recorded.
    minor = await _upload(world, designer, "建施-02", "pdf/Test-plusminus.pdf")
    await _seal(world, designer, minor, purpose="design", role="designer")
    await world.post(f"/revisions/{minor}/transitions", designer, json={"to": "shared"})
    change = await world.post(
        f"/revisions/{minor}/design-changes", json={"kind": "minor", "description": "修改图签"}
    )
    assert change.status_code == 201, change.text
    minor_change = change.json()["id"]
    no_need = await world.post(
        f"/revisions/{minor}/signatures",
        json={"purpose": "change", "role": "builder", "changeId": minor_change},
    )
    assert (no_need.status_code, no_need.json()["code"]) == (409, "minor_change")
    ruled = await world.post(
        f"/design-changes/{minor_change}/decision",
        reviewer,
        json={"approve": True, "ruling": "经核查，不影响审查内容"},
    )
    assert ruled.json()["determination"] == "不影响审查内容"
    publish = {"to": "published", "certificateNumber": "粤审-变更-01"}
    assert (
        await world.post(f"/revisions/{minor}/transitions", reviewer, json=publish)
    ).status_code == 200

    # Major change: the original agency re-reviews, then the four parties confirm by seal.
    major = await _upload(world, designer, "建施-01", "pdf/flange.v2.pdf")
    await _seal(world, designer, major, purpose="design", role="designer", x=420, y=30)
    await world.post(f"/revisions/{major}/transitions", designer, json={"to": "shared"})
    change = await world.post(
        f"/revisions/{major}/design-changes", json={"kind": "major", "description": "调整疏散楼梯"}
    )
    major_change = change.json()["id"]
    publish = {"to": "published", "certificateNumber": "粤审-变更-02"}
    pending = await world.post(f"/revisions/{major}/transitions", reviewer, json=publish)
    assert (pending.status_code, pending.json()["code"]) == (409, "design_change_required")
    decision = {"approve": True, "ruling": "复审通过"}
    foreign = await world.post(
        f"/design-changes/{major_change}/decision", other_agency, json=decision
    )
    assert (foreign.status_code, foreign.json()["code"]) == (403, "original_reviewer_required")
    assert (
        await world.post(f"/design-changes/{major_change}/decision", reviewer, json=decision)
    ).json()["determination"] == "重大变更复审通过"

    confirm = {"purpose": "change", "changeId": major_change, "y": 300}
    parties = (
        ("builder", world.owner, 40),
        ("designer", designer, 220),
        ("contractor", contractor, 400),
        ("supervisor", supervisor, 580),
    )
    for index, (role, who, x) in enumerate(parties):
        blocked = await world.post(f"/revisions/{major}/transitions", reviewer, json=publish)
        assert (blocked.status_code, blocked.json()["code"]) == (
            409,
            "change_confirmation_missing",
        )
        missing = ("建设单位", "设计单位", "施工单位", "监理单位")[index:]
        assert f"{'、'.join(missing)}。" in blocked.json()["detail"]
        # Nobody confirms for another party.
        if role == "supervisor":
            wrong = await world.post(
                f"/revisions/{major}/signatures", world.owner, json={**confirm, "role": role}
            )
            assert (wrong.status_code, wrong.json()["code"]) == (403, "not_a_signer")
        await _seal(world, who, major, role=role, x=x, **confirm)
    # Confirmations name the change: the base revision cannot carry them.
    on_base = await world.post(
        f"/revisions/{base}/signatures", world.owner, json={**confirm, "role": "builder"}
    )
    assert on_base.status_code == 404

    published = await world.post(f"/revisions/{major}/transitions", reviewer, json=publish)
    assert published.status_code == 200, published.text
    seals = (await world.get(f"/revisions/{major}/signatures")).json()
    assert [(s["purpose"], s["role"], s["valid"]) for s in seals] == [
        ("design", "designer", True),
        ("change", "builder", True),
        ("change", "designer", True),
        ("change", "contractor", True),
        ("change", "supervisor", True),
        ("review", "review_agency", True),
    ]
    entries = await audit.entries_for("drawings:")
    confirmations = [
        json.loads(str(e["payload"]))
        for e in entries
        if e["action"] == "drawings.revision_signed" and e["subject"].endswith(f":{major}")
    ]
    assert [(p["purpose"], p["role"], p["change"]) for p in confirmations[1:5]] == [
        ("change", role, major_change) for role, _, _ in parties
    ]

    # The reviewed base set is never overwritten: still published, same bytes, seals valid.
    for revision, state in ((base, "published"), (base_minor, "published")):
        assert (await world.get(f"/revisions/{revision}")).json()["state"] == state
    assert (await world.get(f"/revisions/{base}/signed.pdf")).content == base_signed
    assert all(s["valid"] for s in (await world.get(f"/revisions/{base}/signatures")).json())
    assert (await world.get(f"/revisions/{base}/file")).content == (
        SHARED_DATA / "pdf/flange.v1.pdf"
    ).read_bytes()


async def test_scenario_14_a_set_with_an_unsealed_sheet_is_not_submitted(world: World) -> None:
    designer = await _party(world, "深圳市某某建筑设计研究院有限公司", "contribute")
    first = await _upload(world, designer, "建施-01", "pdf/flange.v1.pdf")
    second = await _upload(world, designer, "建施-02", "pdf/AutoCad_Simple.pdf")
    await _seal(world, designer, first, purpose="design", role="designer")

    refused = await world.post(f"/projects/{CODE}/submit", designer)
    assert (refused.status_code, refused.json()["code"]) == (409, "set_unsealed")
    assert refused.json()["sheets"] == ["建施-02 第 1 版"]
    for revision in (first, second):  # refused whole: nothing was shared
        assert (await world.get(f"/revisions/{revision}")).json()["state"] == "wip"

    await _seal(world, designer, second, purpose="design", role="designer")
    submitted = await world.post(f"/projects/{CODE}/submit", designer)
    assert submitted.status_code == 200, submitted.text
    assert [(r["id"], r["state"]) for r in submitted.json()] == [
        (first, "shared"),
        (second, "shared"),
    ]
    again = await world.post(f"/projects/{CODE}/submit", designer)
    assert (again.status_code, again.json()["code"]) == (409, "nothing_to_submit")
