"""Demo drawing set (idempotent): a residential project whose design institute (user
``designer``) uploads the sheets, e-seals each PDF through the signing service and submits the
set: a general-notes PDF the review agency certifies (its review seal added), a floor plan as
DXF with its sealed PDF print, a review comment and the plan's second revision (a draft), and
department grants. The drawings are generated here (ezdxf, reportlab): no data files needed."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from accounts.api import DEMO_PASSWORD, DEMO_REGION, actor_by_username, create_organisation
from accounts.api import demo_uscc as uscc_for
from drawings.services import comments, grants, lifecycle, processing, projects, signing, uploads
from drawings.tables import DrawingProject
from kernel.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Callable

    from accounts.api import Actor
    from kernel.platform import Platform

log = logging.getLogger(__name__)

PROJECT_CODE = "2026-330100-70-01-000101"
PROJECT_NAME = "杭州示范花园一期（住宅）"
DESIGNER = "designer"  # the demo's design institute: its persons seal the sheets
DESIGNER_NAME = "杭州示范建筑设计研究院有限公司"
DESIGNER_SERIAL = 901  # past the accounts demo's own serials (1..10)


def plan_dxf(*, revised: bool) -> bytes:
    """A small floor plan; the revision moves a partition and adds a column."""
    import ezdxf

    doc = ezdxf.new("R2018", units=4)  # type: ignore[attr-defined]
    for name, colour in (("墙体", 7), ("门窗", 3), ("文字", 2), ("柱", 1)):
        doc.layers.add(name, color=colour)
    msp = doc.modelspace()
    msp.add_lwpolyline(
        [(0, 0), (24000, 0), (24000, 12000), (0, 12000)], close=True, dxfattribs={"layer": "墙体"}
    )
    partition = 9000 if revised else 8000
    msp.add_line((partition, 0), (partition, 12000), dxfattribs={"layer": "墙体"})
    msp.add_line((16000, 0), (16000, 12000), dxfattribs={"layer": "墙体"})
    msp.add_arc((partition, 5000), 900, 90, 180, dxfattribs={"layer": "门窗"})
    msp.add_text(
        "一层平面图 1:100", height=500, dxfattribs={"layer": "文字", "insert": (9000, -1200)}
    )
    msp.add_text(
        "防火门 FM甲1021",
        height=300,
        dxfattribs={"layer": "文字", "insert": (partition + 200, 5200)},
    )
    msp.add_mtext(
        "疏散楼梯\\P净宽1.20m",
        dxfattribs={"layer": "文字", "char_height": 300, "insert": (17000, 10000)},
    )
    if revised:
        msp.add_circle((12000, 6000), 300, dxfattribs={"layer": "柱"})
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode("utf-8")


def sheet_pdf() -> bytes:
    """An A3 landscape sheet with a title block in Chinese."""
    from reportlab.lib.pagesizes import A3, landscape
    from reportlab.pdfgen import canvas

    from drawings.formats.stamp import FONT, _register_font

    _register_font()
    buffer = io.BytesIO()
    width, height = landscape(A3)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.rect(20, 20, width - 40, height - 40)
    pdf.rect(width - 320, 20, 300, 90)
    pdf.setFont(FONT, 14)
    pdf.drawString(width - 310, 85, "建筑设计总说明")
    pdf.setFont(FONT, 9)
    pdf.drawString(width - 310, 65, f"项目：{PROJECT_NAME}")
    pdf.drawString(width - 310, 50, "图号：建施-00    比例：—    日期：2026-11")
    pdf.setFont(FONT, 11)
    for row, line in enumerate(
        (
            "一、设计依据：《建筑设计防火规范》GB 50016-2014（2018年版）等。",
            "二、本工程为二类高层住宅，耐火等级一级。",
            "三、防火门：楼梯间采用甲级防火门，管井检修门采用丙级防火门。",
        )
    ):
        pdf.drawString(60, height - 80 - row * 24, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def plan_pdf() -> bytes:
    """The first floor plan's print (its PDF, which carries the seals): the DXF's walls, door and
    title at 1:100 on an A3 landscape sheet with a title block."""
    from reportlab.lib.pagesizes import A3, landscape
    from reportlab.pdfgen import canvas

    from drawings.formats.stamp import FONT, _register_font

    _register_font()
    buffer = io.BytesIO()
    width, height = landscape(A3)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.rect(20, 20, width - 40, height - 40)
    pdf.rect(width - 320, 20, 300, 90)
    scale, left, bottom = 72 / 25.4 / 100, 120.0, 300.0  # model mm at 1:100, in points

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * scale, bottom + y * scale

    pdf.setLineWidth(2)
    pdf.rect(*at(0, 0), 24000 * scale, 12000 * scale)
    for x in (8000, 16000):
        pdf.line(*at(x, 0), *at(x, 12000))
    pdf.setLineWidth(0.8)
    pdf.arc(*at(8000 - 900, 5000 - 900), *at(8000 + 900, 5000 + 900), 90, 90)
    pdf.setFont(FONT, 9)
    pdf.drawString(*at(8200, 5200), "防火门 FM甲1021")
    pdf.drawString(*at(17000, 10000), "疏散楼梯 净宽1.20m")
    pdf.setFont(FONT, 14)
    pdf.drawString(*at(9000, -1800), "一层平面图 1:100")
    pdf.drawString(width - 310, 85, "一层平面图")
    pdf.setFont(FONT, 9)
    pdf.drawString(width - 310, 65, f"项目：{PROJECT_NAME}")
    pdf.drawString(width - 310, 50, "图号：建施-01    比例：1:100    日期：2026-11")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


async def _actor(username: str) -> Actor | None:
    return await actor_by_username(username)


def _can_seal(platform: Platform) -> bool:
    from drawings.formats.signature import seal_font  # pyHanko: loaded when used

    try:
        seal_font(platform.settings.seal_font, platform.settings.data_dir)
    except Invalid:
        return False
    return True


async def _designer() -> Actor:
    """The design institute's account (created once; every demo password is the same)."""
    if await _actor(DESIGNER) is None:
        await create_organisation(
            kind="intermediary",
            name=DESIGNER_NAME,
            uscc=uscc_for(DESIGNER_SERIAL),
            username=DESIGNER,
            password=DEMO_PASSWORD,
            region=DEMO_REGION,
        )
    actor = await _actor(DESIGNER)
    if actor is None:
        raise RuntimeError(f"the demo account {DESIGNER!r} was not created")
    return actor


async def load(platform: Platform, step: Callable[[int, int], None] | None = None) -> None:
    """Idempotent; ``step(done, total)`` reports progress (five steps)."""

    def done(n: int) -> None:
        if step:
            step(n, 5)

    if await DrawingProject.exists().where(DrawingProject.project_code == PROJECT_CODE):
        done(5)
        return
    owner, reviewer = await _actor("enterprise"), await _actor("reviewer-firm")
    if owner is None or reviewer is None:
        return
    designer = await _designer()
    await projects.create_project(owner, project_code=PROJECT_CODE, name=PROJECT_NAME)
    for grantee, role in (
        (await _actor("fire"), "read"),
        (await _actor("civil-defence"), "read"),
        (await _actor("planning"), "read"),
        (reviewer, "review"),
        (designer, "contribute"),
    ):
        if grantee is not None:
            await grants.grant(owner, PROJECT_CODE, org_id=grantee.org_id, role=role)
    done(1)

    async def add(sheet: str, data: bytes, filename: str, title: str) -> int:
        sha = platform.blobs.put(io.BytesIO(data)).sha256
        created = await uploads.add_revision_from_blob(
            platform,
            designer,
            PROJECT_CODE,
            sheet,
            sha,
            filename=filename,
            title=title,
            discipline="建筑",
            stage="design",
        )
        await processing.process_revision(platform, created.id)
        return created.id

    async def seal(revision: int) -> None:
        """The designer and the checker seal the sheet beside its title block (A3 landscape)."""
        for role, x in (("designer", 680.0), ("checker", 490.0)):
            await signing.sign_revision(
                platform, designer, revision, purpose="design", role=role, x=x, y=30.0
            )

    notes = await add("建施-00", sheet_pdf(), "建施-00 建筑设计总说明.pdf", "建筑设计总说明")
    done(2)
    # A DWG/DXF sheet is submitted with its sealed PDF print (docs/signatures.md).
    printed = await add("建施-01", plan_pdf(), "建施-01 一层平面图.pdf", "一层平面图")
    first = await add("建施-01", plan_dxf(revised=False), "建施-01 一层平面图.dxf", "一层平面图")
    if not _can_seal(platform):
        # Seals need a CJK font on the machine: without one the set stays a draft.
        log.warning("demo drawing set left unsubmitted: no CJK font for the seals (see README)")
        done(5)
        return
    await seal(notes)
    await seal(printed)
    await lifecycle.submit_set(platform, designer, PROJECT_CODE)
    await lifecycle.transition(
        platform, reviewer, notes, "published", certificate_number="浙杭施审〔2026〕0101号"
    )
    done(3)
    comment = await comments.add_comment(
        reviewer,
        first,
        x=8000,
        y=5000,
        x2=9500,
        y2=6500,
        clause="GB 50016-2014 第6.4.2条",
        severity="major",
        mandatory=True,
        body="楼梯间隔墙位置导致疏散门开启方向不满足要求。",
    )
    await comments.answer_comment(designer, comment.id, reply="隔墙东移 1.0m，详见第3版。")
    done(4)
    await add("建施-01", plan_dxf(revised=True), "建施-01 一层平面图.dxf", "一层平面图")
    done(5)
