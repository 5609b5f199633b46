"""Storing survey files (DXF, report PDF, certificates) as revisions of the project's drawing set.

Surveys authorises the actor itself (the selected surveyor, a granted department) and records the
revision through ``drawings.api`` on behalf of the commission: when the owner registered the
commission it delegated the commission's sheets (``联合测绘-…``) of the set to it, and drawings
checks that delegation, so the set stays the one place files live (a department issuing a
certificate has only read rights on the set).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import anyio.to_thread
import msgspec

from drawings import api as drawings
from kernel.errors import Invalid, NotFound
from storage.aio import put_async_stream
from surveys.rules.commissions import delegation_holder

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from accounts.api import Actor
    from kernel.platform import Platform
    from storage.ports import BlobInfo


class StoredFile(msgspec.Struct, frozen=True):
    """A blob filed as a revision of the project's drawing set."""

    sha256: str
    size: int
    revision_id: int


async def put_blob(platform: Platform, data: bytes) -> BlobInfo:
    max_bytes = platform.settings.max_upload_bytes or None
    return await anyio.to_thread.run_sync(
        lambda: platform.blobs.put(io.BytesIO(data), max_bytes=max_bytes)
    )


async def put_stream(platform: Platform, chunks: AsyncIterator[bytes]) -> BlobInfo:
    """Stream a request body into the blob store (hashed while streaming, never held whole)."""
    max_bytes = platform.settings.max_upload_bytes or None
    return await put_async_stream(platform.blobs, chunks, max_bytes=max_bytes)


async def read_blob(platform: Platform, sha256: str, *, limit: int) -> bytes:
    """A stored file's bytes (survey DXFs are parsed whole); ``Invalid`` past ``limit``."""
    info = await anyio.to_thread.run_sync(platform.blobs.stat, sha256)
    if info is None:
        raise NotFound("文件不存在，请先上传", code="blob_not_found")
    if info.size > limit:
        raise Invalid(f"文件超过 {limit // 2**20} MiB，无法解析", field="sha256")
    return await anyio.to_thread.run_sync(lambda: b"".join(platform.blobs.open(sha256)))


async def read_head(platform: Platform, sha256: str, size: int) -> bytes:
    """The first ``size`` bytes of a stored file."""
    if await anyio.to_thread.run_sync(platform.blobs.stat, sha256) is None:
        raise NotFound("文件不存在，请先上传", code="blob_not_found")
    return await anyio.to_thread.run_sync(
        lambda: b"".join(platform.blobs.open(sha256, start=0, end=size - 1))
    )


async def store_revision(
    platform: Platform,
    actor: Actor,
    commission_id: int,
    project_code: str,
    sheet_number: str,
    sha256: str,
    *,
    filename: str,
    title: str,
) -> StoredFile:
    """Record a stored blob as the sheet's next revision (the same bytes as the sheet's latest
    revision return that revision); surveys has authorised ``actor`` by its own rules and files
    it for the commission, under the owner's delegation."""
    created = await drawings.add_revision_from_blob(
        platform,
        actor,
        project_code,
        sheet_number,
        sha256,
        filename=filename,
        title=title,
        discipline="测绘",
        stage=drawings.Stage.COMPLETION.value,
        on_behalf_of=delegation_holder(commission_id),
    )
    info = await anyio.to_thread.run_sync(platform.blobs.stat, sha256)
    size = info.size if info else 0
    return StoredFile(sha256, size, created.id)
