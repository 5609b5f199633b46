"""Evidence files: streamed into the blob store and attached to a subject; read back by those
the rule in ``rules.evidence`` allows (the API's download and the pages' use the same)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kernel import audit
from kernel.db import transaction
from kernel.errors import Invalid, NotFound
from market.read_models import EvidenceFile
from market.rules.labels import EVIDENCE_KINDS
from market.schemas import EvidenceOut
from market.services.access import check_attach, check_read
from market.tables import Evidence
from storage.aio import put_async_stream

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Mapping

    from accounts.api import Actor
    from kernel.platform import Platform


def evidence_file(row: Mapping[str, Any]) -> EvidenceFile:
    return EvidenceFile(
        id=row["id"],
        organisation=row["organisation"],
        subject=row["subject"],
        kind=row["kind"],
        sha256=row["sha256"],
        size=row["size"],
        filename=row["filename"],
        uploaded_at=row["uploaded_at"],
    )


async def store_evidence(
    platform: Platform,
    org_id: int,
    *,
    subject: str,
    kind: str,
    chunks: AsyncIterator[bytes],
    filename: str = "",
) -> tuple[int, str]:
    """Stream a file into the blob store (content-addressed) and attach it; (id, sha256).

    No permission check: ``attach_evidence`` is the use case; this is its storage step.
    """
    if kind not in EVIDENCE_KINDS:
        raise Invalid(f"未知的材料类型：{kind}", field="kind")
    info = await put_async_stream(
        platform.blobs, chunks, max_bytes=platform.settings.max_upload_bytes
    )
    if info.size == 0:
        raise Invalid("上传的文件为空", field="file")
    async with transaction():
        row = Evidence(
            organisation=org_id,
            subject=subject,
            kind=kind,
            sha256=info.sha256,
            size=info.size,
            filename=filename[:255],
        )
        await row.save()
        await audit.record(
            actor=f"org:{org_id}",
            action="evidence.attached",
            subject=subject,
            payload={"kind": kind, "sha256": info.sha256, "size": info.size},
        )
    return int(row.id), info.sha256


async def attach_evidence(
    platform: Platform,
    actor: Actor,
    *,
    subject: str,
    kind: str,
    chunks: AsyncIterator[bytes],
    filename: str = "",
) -> EvidenceOut:
    """The caller attaches a file to a subject it may attach to (checked before streaming)."""
    await check_attach(actor, subject)
    ident, sha256 = await store_evidence(
        platform, actor.org_id, subject=subject, kind=kind, chunks=chunks, filename=filename
    )
    return EvidenceOut(id=ident, sha256=sha256)


async def evidence_for_reading(actor: Actor, evidence_id: int) -> EvidenceFile:
    """An attached file, if ``actor`` may read it (``rules.evidence``)."""
    row = await Evidence.select().where(Evidence.id == evidence_id).first()
    if row is None:
        raise NotFound("材料不存在", code="evidence_not_found")
    await check_read(actor, str(row["subject"]))
    return evidence_file(row)


async def my_evidence(actor: Actor) -> list[EvidenceFile]:
    """Every file the caller's organisation uploaded, newest first."""
    rows = (
        await Evidence.select()
        .where(Evidence.organisation == actor.org_id)
        .order_by(Evidence.id, ascending=False)
    )
    return [evidence_file(r) for r in rows]


async def files_of(subjects: Iterable[str]) -> dict[str, list[EvidenceFile]]:
    """Files attached to each of ``subjects`` (one query), oldest first."""
    wanted = sorted(set(subjects))
    if not wanted:
        return {}
    rows = await Evidence.select().where(Evidence.subject.is_in(wanted)).order_by(Evidence.id)
    out: dict[str, list[EvidenceFile]] = {}
    for r in rows:
        out.setdefault(str(r["subject"]), []).append(evidence_file(r))
    return out
