"""规划核实确认书 and 用地复核意见书 as PDF bytes, drawn from a confirmed department check.

Pure: data in, bytes out. The built-in CID font ``STSong-Light`` needs no font file and keeps the
Chinese text extractable. Output is byte-for-byte reproducible (ReportLab invariant mode), so the
same confirmed check always yields the same content-addressed blob.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

import msgspec
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from surveys.rules.certificates import CertificateKind
from surveys.rules.checks import CheckResult, Outcome, format_value
from surveys.rules.labels import CERTIFICATE_TITLES, OUTCOME_LABELS

if TYPE_CHECKING:
    from reportlab.platypus.flowables import Flowable

FONT = "STSong-Light"


_UNITS = {"siteArea": "m²", "grossFloorArea": "m²", "farFloorArea": "m²", "height": "m"}


class CertificateData(msgspec.Struct, frozen=True, rename="camel"):
    kind: CertificateKind
    number: str
    project_code: str
    project_name: str
    owner_name: str
    department_name: str
    survey_firm: str
    surveyor_name: str
    surveyor_certificate_no: str
    package_version: int
    sections_hash: str
    """Hash of the sections the check read, printed so the certificate can be traced."""
    check: CheckResult
    final_outcome: Outcome
    """The department's decision (its confirmation, or its override of the computed outcome)."""
    comment: str
    issued_on: dt.date


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=4 * mm
        ),
        "number": ParagraphStyle("number", parent=base, fontSize=10, alignment=TA_RIGHT),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8, leading=11, textColor=colors.grey
        ),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_RIGHT),
    }


_VERDICTS = {
    CertificateKind.PLANNING_VERIFICATION: {
        Outcome.PASS: "经规划条件核实，该建设工程符合规划条件和建设工程规划许可要求，予以确认。",
        Outcome.PASS_WITH_FEE: (
            "经规划条件核实，该建设工程超出许可面积部分在测量允许误差范围内，"
            "按规定补缴相关费用后予以确认。"
        ),
        Outcome.FAIL: "经规划条件核实，该建设工程不符合规划条件和建设工程规划许可要求，不予确认。",
    },
    CertificateKind.LAND_VERIFICATION: {
        Outcome.PASS: "经复核，该项目实际用地与土地出让合同（划拨决定书）约定相符，复核通过。",
        Outcome.PASS_WITH_FEE: (
            "经复核，该项目实际用地与约定存在允许误差范围内的差异，按规定补缴相关费用后复核通过。"
        ),
        Outcome.FAIL: "经复核，该项目实际用地与土地出让合同（划拨决定书）约定不符，复核不通过。",
    },
}


def _conclusion(data: CertificateData) -> str:
    subject = f"{_escape(data.project_name)}（项目代码 {_escape(data.project_code)}）"
    verdict = _VERDICTS[data.kind][data.final_outcome]
    return (
        f"{_escape(data.owner_name)}：<br/>你单位{subject}的联合测绘成果已共享至本部门。{verdict}"
    )


def _items_table(data: CertificateData, styles: dict[str, ParagraphStyle]) -> Table:
    cell = styles["cell"]
    rows: list[list[Flowable | str]] = [
        [Paragraph(h, cell) for h in ("核实指标", "许可/约定值", "实测值", "允许误差", "核实结论")]
    ]
    for item in data.check.items:
        unit = _UNITS.get(item.indicator, "m" if item.indicator.startswith("setback:") else "")
        rows.append(
            [
                Paragraph(item.label, cell),
                Paragraph(format_value(item.indicator, item.permitted, unit), cell),
                Paragraph(format_value(item.indicator, item.measured, unit), cell),
                Paragraph(item.tolerance, cell),
                Paragraph(f"{OUTCOME_LABELS[item.outcome]}<br/>{item.note}", cell),
            ]
        )
    table = Table(rows, colWidths=[32 * mm, 28 * mm, 28 * mm, 34 * mm, 48 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as a one-page (or longer, for many items) A4 PDF."""
    _register_font()
    styles = _styles()
    title = CERTIFICATE_TITLES[data.kind]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=data.department_name,
        subject=f"{data.project_code} {data.number}",
        creator="OneSet",
        invariant=1,
    )
    computed = OUTCOME_LABELS[data.check.outcome]
    decided = OUTCOME_LABELS[data.final_outcome]
    decision = (
        f"部门意见：{decided}（规则计算结果：{computed}，部门改判）"
        if data.final_outcome is not data.check.outcome
        else f"部门意见：{decided}"
    )
    story: list[Flowable] = [
        Paragraph(f"编号：{_escape(data.number)}", styles["number"]),
        Paragraph(title, styles["title"]),
        Paragraph(_conclusion(data), styles["body"]),
        Spacer(1, 4 * mm),
        _items_table(data, styles),
        Spacer(1, 3 * mm),
        Paragraph(f"核验规则版本：{data.check.rule_set_version}", styles["body"]),
        Paragraph(decision, styles["body"]),
    ]
    if data.comment.strip():
        story.append(Paragraph(f"说明：{_escape(data.comment)}", styles["body"]))
    story += [
        Paragraph(
            _escape(
                f"测绘单位：{data.survey_firm}　注册测绘师：{data.surveyor_name}"
                f"（注册号 {data.surveyor_certificate_no}）"
            ),
            styles["body"],
        ),
        Spacer(1, 12 * mm),
        Paragraph(_escape(data.department_name), styles["sign"]),
        Paragraph(
            f"{data.issued_on.year}年{data.issued_on.month}月{data.issued_on.day}日", styles["sign"]
        ),
        Spacer(1, 10 * mm),
        Paragraph(
            f"本文件依据联合测绘成果第 {data.package_version} 版生成；所依据成果章节哈希 "
            f"{data.sections_hash}",
            styles["small"],
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    # Paragraph text is a mini-markup language: user comments must not inject tags.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
