"""Reading a set's register: sheets with their latest revision, a sheet's revisions, one
revision and its files, and what a QR code on a printed sheet resolves to (is it current?)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from drawings.formats.qr import qr_png
from drawings.rules.access import READERS
from drawings.rules.currency_tokens import currency_token, token_matches
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.states import LOCKED
from drawings.schemas import CurrencyOut, RevisionBrief, RevisionOut, SheetOut
from drawings.services.access import require_access
from drawings.services.records import (
    BlobRef,
    RevisionRecord,
    load_revision,
    project_by_code,
    project_by_id,
    revision_out,
    revision_record,
)
from drawings.tables import Revision, Sheet
from kernel import clock
from kernel.errors import Forbidden, NotAuthenticated, NotFound

if TYPE_CHECKING:
    from accounts.api import Actor
    from kernel.platform import Platform
    from kernel.settings import Settings

MEDIA_TYPES = {"dxf": "image/vnd.dxf", "dwg": "image/vnd.dwg", "pdf": "application/pdf"}


class RevisionFile(StrEnum):
    ORIGINAL = "original"  # the uploaded bytes
    PREVIEW = "preview"  # the SVG preview of a DXF (or converted DWG)
    STAMPED = "stamped"  # the published PDF with the review stamp
    SIGNED = "signed"  # the PDF with every electronic seal applied so far


async def list_sheets(actor: Actor, project_code: str) -> list[SheetOut]:
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, READERS)
    sheets = await Sheet.select().where(Sheet.project == project.id).order_by(Sheet.number)
    latest: dict[int, RevisionBrief] = {}
    for rev in (
        await Revision.select(
            Revision.id,
            Revision.sheet,
            Revision.seq,
            Revision.state,
            Revision.status,
            Revision.format,
        )
        .where(Revision.project == project.id)
        .order_by(Revision.seq)
    ):
        latest[int(rev["sheet"])] = RevisionBrief(
            id=int(rev["id"]),
            seq=int(rev["seq"]),
            state=str(rev["state"]),
            status=str(rev["status"]),
            format=str(rev["format"]),
        )
    return [
        SheetOut(
            id=int(s["id"]),
            number=str(s["number"]),
            title=str(s["title"]),
            discipline=str(s["discipline"]),
            stage=str(s["stage"]),
            latest=latest.get(int(s["id"])),
        )
        for s in sheets
    ]


async def list_revisions(actor: Actor, sheet_id: int) -> list[RevisionOut]:
    sheet = (
        await Sheet.select(
            Sheet.number, Sheet.project, Sheet.project.project_code.as_alias("project_code")
        )
        .where(Sheet.id == sheet_id)
        .first()
    )
    if sheet is None:
        raise NotFound("图纸不存在。", code="sheet_not_found")
    await require_access(actor, await project_by_id(int(sheet["project"])), READERS)
    rows = await Revision.select().where(Revision.sheet == sheet_id).order_by(Revision.seq)
    return [
        revision_out(
            revision_record(r),
            sheet_number=str(sheet["number"]),
            project_code=str(sheet["project_code"]),
        )
        for r in rows
    ]


async def readable_revision(actor: Actor | None, revision_id: int) -> RevisionRecord:
    """A revision the actor may read (``Forbidden`` otherwise)."""
    rev = await load_revision(revision_id)
    await require_access(actor, await project_by_id(rev.project), READERS)
    return rev


async def describe(rev: RevisionRecord) -> RevisionOut:
    """The wire revision, with its sheet number and project code."""
    sheet = (
        await Sheet.select(Sheet.number, Sheet.project.project_code.as_alias("project_code"))
        .where(Sheet.id == rev.sheet)
        .first()
    )
    return revision_out(
        rev,
        sheet_number=str(sheet["number"]) if sheet else "",
        project_code=str(sheet["project_code"]) if sheet else "",
    )


async def get_revision(actor: Actor | None, revision_id: int) -> RevisionOut:
    return await describe(await readable_revision(actor, revision_id))


async def revision_file(actor: Actor, revision_id: int, which: RevisionFile) -> BlobRef:
    """One of a revision's stored files, for download (``NotFound`` when it has none)."""
    rev = await readable_revision(actor, revision_id)
    if which == RevisionFile.PREVIEW:
        if not rev.preview_sha256:
            raise NotFound("该版本没有预览图。", code="no_preview")
        return BlobRef(rev.preview_sha256, "image/svg+xml")
    number = (await describe(rev)).sheet_number
    if which == RevisionFile.STAMPED:
        if not rev.stamped_sha256:
            raise NotFound("该版本没有加盖审查章的 PDF。", code="not_stamped")
        return BlobRef(rev.stamped_sha256, "application/pdf", f"{number}-r{rev.seq}-审查合格.pdf")
    if which == RevisionFile.SIGNED:
        if not rev.signed_sha256:
            raise NotFound("该版本还没有电子签章。", code="not_signed")
        return BlobRef(rev.signed_sha256, "application/pdf", f"{number}-r{rev.seq}-签章.pdf")
    name = rev.filename or f"{number}-r{rev.seq}.{rev.format}"
    return BlobRef(rev.sha256, MEDIA_TYPES[rev.format], name)


async def revision_qr(platform: Platform, actor: Actor, revision_id: int) -> bytes:
    """The PNG QR code printed on a sheet: it leads to the revision's currency and carries the
    token that lets whoever holds the sheet ask, without an account."""
    await readable_revision(actor, revision_id)
    return qr_png(currency_url(platform.settings, revision_id))


def currency_url(settings: Settings, revision_id: int) -> str:
    base = settings.public_url.rstrip("/")
    token = currency_token(revision_id, settings.secret_key)
    return f"{base}/api/v1/drawings/revisions/{revision_id}/currency?t={token}"


async def presented_currency(
    settings: Settings, actor: Actor | None, revision_id: int, token: str
) -> CurrencyOut:
    """What a QR code resolves to. A valid token answers the revision's place in its sheet
    (nothing about the project); a reader of the set gets everything; an anonymous request
    without a valid token is refused before anything is looked up, so it learns nothing, not
    even whether the revision exists."""
    holds_sheet = bool(token) and token_matches(revision_id, token, settings.secret_key)
    if actor is None and not holds_sheet:
        raise NotAuthenticated(
            "请登录后查询，或扫描图纸上的二维码。", code="currency_token_required"
        )
    if actor is not None:
        try:
            await readable_revision(actor, revision_id)
        except Forbidden:
            if not holds_sheet:
                raise
        else:
            return await currency(revision_id)
    return _printed(await currency(revision_id))


def _printed(full: CurrencyOut) -> CurrencyOut:
    return CurrencyOut(
        revision_id=full.revision_id,
        seq=full.seq,
        newer_exists=full.newer_exists,
        latest_revision_id=full.latest_revision_id,
        latest_seq=full.latest_seq,
        latest_published_revision_id=full.latest_published_revision_id,
        checked_at=full.checked_at,
    )


async def currency(revision_id: int) -> CurrencyOut:
    """Is there a newer revision? (callers check access: ``presented_currency``, the viewer)"""
    rev = await load_revision(revision_id)
    latest = (
        await Revision.select(Revision.id, Revision.seq, Revision.state)
        .where(Revision.sheet == rev.sheet)
        .order_by(Revision.seq, ascending=False)
        .first()
    )
    published = (
        await Revision.select(Revision.id, Revision.seq)
        .where(Revision.sheet == rev.sheet, Revision.state.is_in([s.value for s in LOCKED]))
        .order_by(Revision.seq, ascending=False)
        .first()
    )
    sheet = (
        await Sheet.select(
            Sheet.number,
            Sheet.title,
            Sheet.project.project_code.as_alias("project_code"),
            Sheet.project.name.as_alias("project_name"),
        )
        .where(Sheet.id == rev.sheet)
        .first()
    )
    if latest is None or sheet is None:
        raise NotFound("图纸版本不存在。", code="revision_not_found")
    return CurrencyOut(
        revision_id=revision_id,
        project_code=str(sheet["project_code"]),
        project_name=str(sheet["project_name"]),
        sheet_number=str(sheet["number"]),
        sheet_title=str(sheet["title"]),
        seq=rev.seq,
        state=rev.state,
        sha256=rev.sha256,
        newer_exists=int(latest["seq"]) > rev.seq,
        latest_revision_id=int(latest["id"]),
        latest_seq=int(latest["seq"]),
        latest_published_revision_id=int(published["id"]) if published else None,
        checked_at=clock.now().isoformat(),
    )
