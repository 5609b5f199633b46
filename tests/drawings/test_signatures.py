"""Electronic seals: real PAdES signatures from the platform CA, validated by pyHanko (in-process
and with its own CLI), with the seal where the signer put it; a changed byte shows invalid."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import anyio.to_thread
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader

from drawings.formats.signature import validate_bytes
from drawings.tables import Revision
from kernel import pki
from tests import helpers
from tests.conftest import Database, missing_service
from tests.drawings.conftest import World
from tests.web import a11y
from tests.web.pages import form, sign_in

DESIGNER = "深圳市某某建筑设计研究院有限公司"


async def designer_of(world: World, name: str = DESIGNER) -> helpers.Session:
    session = await helpers.login_as(world.client, "intermediary", name=name)
    await world.grant(session, "contribute")
    return session


def _blob(world: World, sha256: str) -> bytes:
    return b"".join(world.platform.blobs.open(sha256))


async def test_design_seal_is_a_valid_pades_signature(world: World, db: Database) -> None:
    designer = await designer_of(world)
    rev = await world.uploaded("建施-01", "pdf/flange.v1.pdf")
    original = _blob(world, (await world.get(f"/revisions/{rev}")).json()["sha256"])

    sealed = await world.post(
        f"/revisions/{rev}/signatures",
        designer,
        json={"purpose": "design", "role": "designer", "page": 1, "x": 420, "y": 30},
    )
    assert sealed.status_code == 201, sealed.text
    first = sealed.json()
    assert first["valid"] is True, first
    assert (first["organisation"], first["uscc"], first["roleLabel"], first["person"]) == (
        "深圳市某某建筑设计研究院有限公司",
        designer.uscc,
        "设计",
        designer.username,
    )
    checker = await world.post(
        f"/revisions/{rev}/signatures",
        designer,
        json={"purpose": "design", "role": "checker", "x": 220, "y": 30},
    )
    assert checker.status_code == 201, checker.text

    # Both signatures are valid: the second is an incremental update that keeps the first.
    listed = (await world.get(f"/revisions/{rev}/signatures")).json()
    assert [(s["role"], s["valid"], s["problem"]) for s in listed] == [
        ("designer", True, ""),
        ("checker", True, ""),
    ]
    # The uploaded original is untouched and is the first part of the signed file.
    signed = await world.get(f"/revisions/{rev}/signed.pdf")
    assert signed.status_code == 200
    assert signed.content.startswith(original)
    assert (await world.get(f"/revisions/{rev}")).json()["signed"] is True

    # The seal's widget sits where the signer put it, on the chosen page.
    reader = PdfFileReader(io.BytesIO(signed.content))
    widgets = {
        str(a.get_object()["/T"]): [float(v) for v in a.get_object()["/Rect"]]
        for a in reader.root["/Pages"]["/Kids"][0].get_object()["/Annots"]
        if "/T" in a.get_object()
    }
    assert widgets["oneset-design-designer"][:2] == [420.0, 30.0]

    # The certificate names the organisation's 统一社会信用代码 and the role; the key is stored
    # encrypted in the data dir.
    authority = pki.load_authority(world.platform.settings)
    folder = world.platform.settings.data_dir / "pki"
    assert b"ENCRYPTED PRIVATE KEY" in (folder / "issuing.key").read_bytes()
    assert all(
        b"ENCRYPTED PRIVATE KEY" in key.read_bytes() for key in (folder / "signers").glob("*.key")
    )
    checks = await anyio.to_thread.run_sync(validate_bytes, signed.content, authority.root_pem)
    assert [c.uscc for c in checks] == [designer.uscc, designer.uscc]
    assert [c.role for c in checks] == ["设计", "校对"]

    # The same role signs once; the reader (the owner) cannot seal as the designer unit.
    again = await world.post(
        f"/revisions/{rev}/signatures", designer, json={"purpose": "design", "role": "designer"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_signed")
    owner = await world.post(
        f"/revisions/{rev}/signatures", json={"purpose": "design", "role": "lead"}
    )
    assert (owner.status_code, owner.json()["code"]) == (403, "not_a_signer")
    bad = await world.post(
        f"/revisions/{rev}/signatures", designer, json={"purpose": "design", "role": "boss"}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_role")
    outside = await world.post(
        f"/revisions/{rev}/signatures",
        designer,
        json={"purpose": "design", "role": "approver", "page": 2},
    )
    assert (outside.status_code, outside.json()["code"]) == (422, "seal_page_out_of_range")
    off_page = await world.post(
        f"/revisions/{rev}/signatures",
        designer,
        json={"purpose": "design", "role": "approver", "x": -5},
    )
    assert off_page.status_code in (400, 422), off_page.text
    not_asbuilt = await world.post(
        f"/revisions/{rev}/signatures", designer, json={"purpose": "asbuilt", "role": "compiler"}
    )
    assert (not_asbuilt.status_code, not_asbuilt.json()["code"]) == (409, "not_asbuilt")
    # A stranger sees nothing of the set.
    stranger = await helpers.login_as(world.client, "intermediary")
    assert (await world.get(f"/revisions/{rev}/signatures", stranger)).status_code == 403


async def test_a_changed_byte_shows_invalid(world: World, db: Database) -> None:
    designer = await designer_of(world)
    rev = await world.uploaded("建施-02", "pdf/AutoCad_Simple.pdf")
    sealed = await world.post(
        f"/revisions/{rev}/signatures", designer, json={"purpose": "design", "role": "designer"}
    )
    assert sealed.status_code == 201, sealed.text
    described = (await world.get(f"/revisions/{rev}")).json()
    assert described["signed"]
    # The revision's page shows the seal, checked when the page is drawn.
    await sign_in(world.client, world.owner.username)
    page = (await world.client.get(f"/review/revisions/{rev}")).text
    assert '<tr data-field="oneset-design-designer" data-valid="true">' in page
    organisation = f'<span>{DESIGNER}<br><span class="mono">{designer.uscc}</span></span>'
    assert organisation in page and "有效" in page
    row = await Revision.select(Revision.signed_sha256).where(Revision.id == rev).first()
    assert row is not None
    path = next((world.platform.settings.data_dir).rglob(str(row["signed_sha256"])))
    data = bytearray(path.read_bytes())
    data[described["size"] // 2] ^= (
        0x01  # one byte of the uploaded drawing, inside the signed range
    )
    path.write_bytes(bytes(data))

    listed = (await world.get(f"/revisions/{rev}/signatures")).json()
    assert [(s["valid"], s["problem"]) for s in listed] == [
        (False, "签名后文件内容被改动，摘要不符")
    ]
    page = (await world.client.get(f"/review/revisions/{rev}")).text
    assert '<tr data-field="oneset-design-designer" data-valid="false">' in page
    assert "无效：签名后文件内容被改动，摘要不符" in page


async def test_a_foreign_root_is_not_trusted(world: World, db: Database, tmp_path: Path) -> None:
    designer = await designer_of(world)
    rev = await world.uploaded("建施-03", "pdf/flange.v2.pdf")
    assert (
        await world.post(
            f"/revisions/{rev}/signatures", designer, json={"purpose": "design", "role": "lead"}
        )
    ).status_code == 201
    signed = (await world.get(f"/revisions/{rev}/signed.pdf")).content
    # A second installation's CA (another data dir and secret).
    other = pki.load_authority(
        replace(world.platform.settings, data_dir=tmp_path / "other", secret_key="another")
    )
    checks = await anyio.to_thread.run_sync(validate_bytes, signed, other.root_pem)
    assert [(c.valid, c.problem) for c in checks] == [(False, "签名证书不是本平台签发的")]


async def test_pyhanko_cli_validates_a_platform_signature(
    world: World, db: Database, tmp_path: Path
) -> None:
    designer = await designer_of(world)
    rev = await world.uploaded("建施-04", "pdf/flange.v1.pdf")
    for role, x in (("designer", 400), ("checker", 200)):
        response = await world.post(
            f"/revisions/{rev}/signatures",
            designer,
            json={"purpose": "design", "role": role, "x": x, "y": 40},
        )
        assert response.status_code == 201, response.text
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes((await world.get(f"/revisions/{rev}/signed.pdf")).content)
    root = tmp_path / "root.pem"
    root.write_bytes(pki.load_authority(world.platform.settings).root_pem)
    assert (
        x509.load_pem_x509_certificate(root.read_bytes())
        .subject.rfc4514_string()
        .startswith("CN=OneSet")
    )
    result = await anyio.to_thread.run_sync(_pyhanko_validate, root, pdf)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert [line.split(":")[0] for line in lines] == [
        "oneset-design-designer",
        "oneset-design-checker",
    ]
    assert all(":INTACT:TRUSTED" in line for line in lines), result.stdout
    # The CLI also sees a byte changed after signing.
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    pdf.write_bytes(bytes(data))
    broken = await anyio.to_thread.run_sync(_pyhanko_validate, root, pdf)
    assert broken.returncode != 0 or "INTACT:TRUSTED" not in broken.stdout.split()[0]


def _pyhanko_validate(root: Path, pdf: Path) -> subprocess.CompletedProcess[str]:
    """pyHanko's own CLI (the pyhanko-cli package), trusting only the platform root."""
    cli = Path(sys.executable).parent / "pyhanko"
    return subprocess.run(
        [str(cli), "sign", "validate", "--trust-replace", "--trust", str(root), str(pdf)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_sealing_from_the_revision_page(world: World, db: Database) -> None:
    designer = await designer_of(world)
    rev = await world.uploaded("建施-05", "pdf/flange.v1.pdf")
    await sign_in(world.client, designer.username)
    before = (await world.client.get(f"/review/revisions/{rev}")).text
    assert 'id="seal-form"' in before and "电子签章（0）" in before
    assert a11y.problems(before) == []
    response = await form(
        world.client,
        f"/review/revisions/{rev}/signatures",
        {"seal": "design:checker", "seal_page": "1", "seal_x": "300", "seal_y": "50"},
    )
    assert response.status_code == 303, response.text
    after = (await world.client.get(f"/review/revisions/{rev}")).text
    assert "电子签章（1）" in after
    assert '<tr data-field="oneset-design-checker" data-valid="true">' in after
    assert "设计签章 · 校对" in after and designer.uscc in after
    assert a11y.problems(after) == []
    listed = (await world.get(f"/revisions/{rev}/signatures")).json()
    assert [(s["role"], s["valid"]) for s in listed] == [("checker", True)]


async def test_an_encrypted_pdf_is_refused_clearly(world: World, db: Database) -> None:
    designer = await designer_of(world)
    rev = await world.uploaded("建施-06", "pdf/aes_empty_user_pw.pdf")
    assert (await world.get(f"/revisions/{rev}")).json()["status"] == "ready"
    refused = await world.post(
        f"/revisions/{rev}/signatures", designer, json={"purpose": "design", "role": "designer"}
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "pdf_encrypted")
    assert (await world.get(f"/revisions/{rev}")).json()["signed"] is False


VALIDATE_LATER = """
import sys
from pathlib import Path
from drawings.formats.signature import validate_bytes
checks = validate_bytes(Path(sys.argv[1]).read_bytes(), Path(sys.argv[2]).read_bytes())
print("|".join(f"{c.valid}:{c.problem}" for c in checks))
"""


async def test_a_seal_stays_valid_after_its_certificate_expires(
    world: World, db: Database, tmp_path: Path
) -> None:
    """Archives are kept 30 years, personal certificates 3: validation judges the certificate at
    the signing time, so the archived seal still verifies four years on (machine clock moved)."""
    if shutil.which("faketime") is None:
        missing_service("faketime (Debian package faketime)")
    designer = await designer_of(world)
    rev = await world.uploaded("建施-07", "pdf/flange.v1.pdf")
    await world.post(
        f"/revisions/{rev}/signatures", designer, json={"purpose": "design", "role": "designer"}
    )
    pdf, root = tmp_path / "signed.pdf", tmp_path / "root.pem"
    pdf.write_bytes((await world.get(f"/revisions/{rev}/signed.pdf")).content)
    root.write_bytes(pki.load_authority(world.platform.settings).root_pem)
    later = await anyio.to_thread.run_sync(
        lambda: subprocess.run(
            ["faketime", "-f", "+4y", sys.executable, "-c", VALIDATE_LATER, str(pdf), str(root)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    )
    assert later.returncode == 0, later.stderr
    assert later.stdout.strip() == "True:", later.stdout
