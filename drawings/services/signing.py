"""Electronic seals on PDF revisions: sign (a PAdES signature appended to the revision's signed
copy, the uploaded original untouched) and verify (every signature validated by pyHanko against
the platform root whenever asked, the result cached by the hash of the bytes read).

Signing and validating are CPU work on files: they run in a worker thread (``anyio.to_thread``),
reading and writing blobs through temporary files in the data dir.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from cryptography.hazmat.primitives import hashes

from drawings.formats.seal import Placement, SealText, SignatureCheck
from drawings.rules.access import READERS
from drawings.rules.design_changes import ChangeKind, ChangeStatus
from drawings.rules.signing import (
    ASBUILT_ROLES,
    PURPOSE_LABELS,
    Purpose,
    check_signer,
    composite_slot,
    missing_roles,
    parse_role,
    role_label,
)
from drawings.rules.states import Stage, State, Status, check_mutable
from drawings.rules.subjects import subject
from drawings.schemas import SignatureOut
from drawings.services.access import require_access
from drawings.services.records import load_revision, project_by_id
from drawings.tables import DesignChange, Revision, RevisionSignature, Sheet
from kernel import audit, clock, pki
from kernel.db import transaction
from kernel.errors import Conflict, Invalid, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterator

    from accounts.api import Actor
    from drawings.services.records import RevisionRecord
    from kernel.platform import Platform


@dataclass(frozen=True, slots=True)
class Signed:
    source_sha256: str
    sha256: str
    certificate_sha256: str


@dataclass(frozen=True, slots=True)
class Seal:
    """What a seal is for and where it goes; ``note`` is an extra line of seal text."""

    purpose: Purpose
    role: str
    change_id: int | None
    placement: Placement
    note: str = ""

    @property
    def key_suffix(self) -> str:
        return f"-{self.change_id}" if self.change_id is not None else ""

    @property
    def field_name(self) -> str:
        return f"oneset-{self.purpose.value}-{self.role}{self.key_suffix}"


async def apply_seal(platform: Platform, actor: Actor, rev: RevisionRecord, seal: Seal) -> Signed:
    """Sign the revision's current signed copy (else its original) in a worker thread; the new
    copy is stored as a blob. ``record_seal`` then records it inside the caller's transaction."""
    label = role_label(seal.purpose.value, seal.role)
    identity = pki.Identity(
        person=actor.username, organisation=actor.org_name, uscc=actor.uscc, role=label
    )
    text = SealText(
        field_name=seal.field_name,
        organisation=actor.org_name,
        role=seal.note or f"{PURPOSE_LABELS[seal.purpose]}·{label}",
        person=actor.username,
        reason=f"{PURPOSE_LABELS[seal.purpose]}：{label}",
        when=clock.local_today().strftime("%Y-%m-%d %H:%M"),
    )
    source = rev.signed_sha256 or rev.sha256
    return await anyio.to_thread.run_sync(_sign, platform, source, identity, text, seal.placement)


async def record_seal(actor: Actor, fresh: RevisionRecord, seal: Seal, signed: Signed) -> None:
    """Record a seal made by ``apply_seal`` (in a transaction, ``fresh`` loaded with the lock):
    a ``Conflict`` if another seal landed on the revision meanwhile."""
    if (fresh.signed_sha256 or fresh.sha256) != signed.source_sha256:
        raise Conflict("另一签章刚刚完成，请重新签章。", code="seal_race")
    key = signature_key(fresh.id, seal.purpose.value, seal.role, seal.change_id)
    if await RevisionSignature.exists().where(RevisionSignature.key == key):
        raise Conflict("该角色已签章。", code="already_signed")
    await RevisionSignature(
        key=key,
        project=fresh.project,
        revision=fresh.id,
        purpose=seal.purpose.value,
        role=seal.role,
        field_name=seal.field_name,
        change=seal.change_id,
        page=seal.placement.page,
        x=seal.placement.x,
        y=seal.placement.y,
        signer=actor.label,
        person=actor.username,
        organisation=actor.org_id,
        org_name=actor.org_name,
        uscc=actor.uscc,
        certificate_sha256=signed.certificate_sha256,
        source_sha256=signed.source_sha256,
        signed_sha256=signed.sha256,
    ).save()
    await Revision.update({Revision.signed_sha256: signed.sha256}).where(Revision.id == fresh.id)
    await audit.record(
        actor=actor.label,
        action="drawings.revision_signed",
        subject=subject(fresh.project, "revision", fresh.id),
        payload={
            "purpose": seal.purpose.value,
            "role": seal.role,
            "change": seal.change_id,
            "field": seal.field_name,
            "certificateSha256": signed.certificate_sha256,
            "sourceSha256": signed.source_sha256,
            "signedSha256": signed.sha256,
        },
    )


def signature_key(revision_id: int, purpose: str, role: str, change_id: int | None) -> str:
    base = f"{revision_id}/{purpose}/{role}"
    return f"{base}/{change_id}" if change_id is not None else base


async def sign_revision(
    platform: Platform,
    actor: Actor,
    revision_id: int,
    *,
    purpose: str,
    role: str,
    page: int = 1,
    x: float = 36.0,
    y: float = 36.0,
    change_id: int | None = None,
) -> SignatureOut:
    """Seal the revision's PDF as ``role`` for ``purpose`` at (page, x, y)."""
    chosen, role = parse_role(purpose, role)
    rev = await load_revision(revision_id)
    project = await project_by_id(rev.project)
    access = await require_access(actor, project, READERS)
    check_signer(chosen, role, access)
    if rev.format != "pdf":
        raise Conflict("只有 PDF 图纸可以加盖电子签章。", code="seal_needs_pdf")
    if rev.status != Status.READY:
        raise Conflict("文件解析完成后才能签章。", code="revision_not_ready")
    if project.archived_at is not None:
        raise Conflict("该项目图纸已归档，不能再签章。", code="already_archived")
    if chosen == Purpose.DESIGN:
        check_mutable(State(rev.state))
    if chosen == Purpose.CHANGE:
        await _check_change(change_id, revision_id)
    else:
        change_id = None
    if chosen == Purpose.ASBUILT:
        stage = await Sheet.select(Sheet.stage).where(Sheet.id == rev.sheet).first()
        if stage is None or stage["stage"] != Stage.COMPLETION.value:
            raise Conflict("竣工图签章只用于竣工阶段的图纸。", code="not_asbuilt")
        x, y = composite_slot(list(ASBUILT_ROLES).index(role), x=x, y=y)
    key = signature_key(revision_id, chosen.value, role, change_id)
    if await RevisionSignature.exists().where(RevisionSignature.key == key):
        raise Conflict(
            f"该版本已有“{role_label(chosen.value, role)}”的{PURPOSE_LABELS[chosen]}。",
            code="already_signed",
        )
    seal = Seal(chosen, role, change_id, Placement(page=page, x=x, y=y))
    signed = await apply_seal(platform, actor, rev, seal)
    async with transaction():
        fresh = await load_revision(revision_id, lock=True)
        if chosen == Purpose.DESIGN:
            check_mutable(State(fresh.state))
        await record_seal(actor, fresh, seal, signed)
    for check in await list_signatures(platform, actor, revision_id):
        if check.field_name == seal.field_name:
            return check
    raise RuntimeError("the signature just applied is missing from the signed PDF")


async def _check_change(change_id: int | None, revision_id: int) -> None:
    if change_id is None:
        raise Invalid("请指明确认的设计变更。", field="changeId", code="change_required")
    row = (
        await DesignChange.select(DesignChange.revision, DesignChange.kind, DesignChange.status)
        .where(DesignChange.id == change_id)
        .first()
    )
    if row is None or row["revision"] != revision_id:
        raise NotFound("该版本没有这项设计变更。", code="design_change_not_found")
    if row["kind"] != ChangeKind.MAJOR:
        raise Conflict("一般变更无需各方签章确认。", code="minor_change")
    if row["status"] == ChangeStatus.REJECTED:
        raise Conflict("该设计变更已被驳回。", code="change_decided")


def _sign(
    platform: Platform, source: str, identity: pki.Identity, text: SealText, placement: Placement
) -> Signed:
    from drawings.formats.signature import seal_font, sign_pdf  # pyHanko: loaded when used

    settings = platform.settings
    authority = pki.load_authority(settings)
    credential = authority.credential(identity)
    font = seal_font(settings.seal_font, settings.data_dir)
    with _scratch(platform) as tmp:
        original, target = tmp / "source.pdf", tmp / "signed.pdf"
        _fetch(platform, source, original)
        with original.open("rb") as inp, target.open("wb") as out:
            sign_pdf(inp, out, credential, text, placement, font)
        with target.open("rb") as out:
            stored = platform.blobs.put(out)
    fingerprint = credential.certificate.fingerprint(hashes.SHA256()).hex()
    return Signed(source, stored.sha256, fingerprint)


@contextmanager
def _scratch(platform: Platform) -> Iterator[Path]:
    scratch = platform.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oneset-sign-", dir=scratch) as tmp:
        yield Path(tmp)


def _fetch(platform: Platform, sha256: str, target: Path) -> str:
    """Copy the blob to ``target``; returns the SHA-256 of the bytes read (not the name's)."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for chunk in platform.blobs.open(sha256):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


# Validation results by (SHA-256 of the bytes actually read, SHA-256 of the root): validating is
# pyHanko parsing the file, digesting it once per signature and building each chain, the slow part
# of every revision page; the result depends on nothing else (certificates are judged at the
# signing time, nothing is fetched), so bytes changed in the store hash differently and miss.
_CHECKED: OrderedDict[tuple[str, str], list[SignatureCheck]] = OrderedDict()
_CHECKED_MAX = 512
_CHECKED_LOCK = threading.Lock()


def validate_blob(platform: Platform, sha256: str) -> list[SignatureCheck]:
    """Every signature of a stored PDF, validated against the platform root (in a thread);
    answered from the cache when these very bytes were validated against this root before."""
    from drawings.formats.signature import validate_pdf  # pyHanko: loaded when used

    root = pki.load_authority(platform.settings).root_pem
    with _scratch(platform) as tmp:
        path = tmp / "signed.pdf"
        key = (_fetch(platform, sha256, path), hashlib.sha256(root).hexdigest())
        with _CHECKED_LOCK:
            if key in _CHECKED:
                _CHECKED.move_to_end(key)
                return list(_CHECKED[key])
        with path.open("rb") as handle:
            checks = validate_pdf(handle, root)
    with _CHECKED_LOCK:
        _CHECKED[key] = checks
        while len(_CHECKED) > _CHECKED_MAX:
            _CHECKED.popitem(last=False)
    return list(checks)


async def signature_rows(revision_id: int) -> list[dict[str, Any]]:
    return list(
        await RevisionSignature.select()
        .where(RevisionSignature.revision == revision_id)
        .order_by(RevisionSignature.id)
    )


async def checks_for(platform: Platform, revision_id: int) -> list[SignatureOut]:
    """The revision's signatures as validated now (no access check: callers do that)."""
    rev = await load_revision(revision_id)
    if not rev.signed_sha256:
        return []
    rows = {str(r["field_name"]): r for r in await signature_rows(revision_id)}
    checks = await anyio.to_thread.run_sync(validate_blob, platform, rev.signed_sha256)
    return [_out(check, rows.get(check.field_name)) for check in checks]


def _out(check: SignatureCheck, row: dict[str, Any] | None) -> SignatureOut:
    purpose = str(row["purpose"]) if row else ""
    role = str(row["role"]) if row else ""
    problem = check.problem
    if row is None and check.valid:
        problem = "平台没有这项签章的记录"
    return SignatureOut(
        field_name=check.field_name,
        purpose=purpose,
        purpose_label=PURPOSE_LABELS.get(Purpose(purpose), "") if purpose else "",
        role=role,
        role_label=role_label(purpose, role) if row else check.role,
        # A damaged signature names nobody: show whom the platform recorded as its signer.
        person=check.person or (str(row["person"]) if row else ""),
        organisation=check.organisation or (str(row["org_name"]) if row else ""),
        uscc=check.uscc or (str(row["uscc"]) if row else ""),
        signed_at=check.signed_at,
        valid=check.valid and row is not None,
        problem=problem,
        page=int(row["page"]) if row else 0,
        change_id=row["change"] if row else None,
    )


async def list_signatures(platform: Platform, actor: Actor, revision_id: int) -> list[SignatureOut]:
    rev = await load_revision(revision_id)
    await require_access(actor, await project_by_id(rev.project), READERS)
    return await checks_for(platform, revision_id)


async def valid_roles(platform: Platform, revision_id: int, purpose: Purpose) -> set[str]:
    """The roles of ``purpose`` with a valid signature on the revision right now."""
    return {
        s.role
        for s in await checks_for(platform, revision_id)
        if s.valid and s.purpose == purpose.value
    }


async def require_design_seal(platform: Platform, rev: RevisionRecord) -> None:
    """Scenario 14: a sheet is submitted only e-sealed by the designer unit's persons. A PDF
    revision needs a valid design seal of its own. A DWG/DXF is sealed through its print: the
    newest PDF revision of its sheet must carry a valid design seal, and a DWG/DXF whose sheet
    has no PDF at all is refused (``pdf_print_required``): a drawing file cannot carry a PAdES
    signature, so without its sealed print nobody vouches for it."""
    if rev.format == "pdf":
        candidate = rev.id
    else:
        newest = (
            await Revision.select(Revision.id)
            .where(Revision.sheet == rev.sheet, Revision.format == "pdf")
            .order_by(Revision.seq, ascending=False)
            .first()
        )
        if newest is None:
            raise Conflict(
                "DWG/DXF 图纸须同时提交同一图号的 PDF 打印版，并由设计单位人员在 PDF 上加盖"
                "电子签章，才能提交。",
                code="pdf_print_required",
            )
        candidate = int(newest["id"])
    if await valid_roles(platform, candidate, Purpose.DESIGN):
        return
    what = "该图纸（PDF）" if rev.format == "pdf" else "该图号的 PDF 打印版"
    raise Conflict(f"{what}尚未由设计单位人员加盖有效的电子签章，不能提交。", code="seal_required")


async def require_change_confirmations(
    platform: Platform, rev: RevisionRecord, change_id: int
) -> None:
    """Scenario 15: a major change's revision is published only once builder, designer,
    contractor and supervisor have each confirmed it with a valid seal on its PDF."""
    row = await DesignChange.select(DesignChange.kind).where(DesignChange.id == change_id).first()
    if row is None or row["kind"] != ChangeKind.MAJOR:
        return
    if rev.format != "pdf":
        raise Conflict(
            "重大变更须以 PDF 图纸提交，供建设、设计、施工、监理单位签章确认。",
            code="change_confirmation_needs_pdf",
        )
    confirmed = {
        s.role
        for s in await checks_for(platform, rev.id)
        if s.valid and s.purpose == Purpose.CHANGE.value and s.change_id == change_id
    }
    missing = missing_roles(Purpose.CHANGE, confirmed)
    if missing:
        raise Conflict(
            f"重大变更尚待各方签章确认：{'、'.join(missing)}。",
            code="change_confirmation_missing",
        )
