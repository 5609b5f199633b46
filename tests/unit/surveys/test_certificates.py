from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import msgspec
import pytest
from pypdf import PdfReader

from surveys.formats.certificate_pdf import CertificateData, render_certificate
from surveys.formats.indicators import measure_dxf
from surveys.formats.sample import sample_dxf
from surveys.rules.certificates import CertificateKind
from surveys.rules.checks import LAND_RULES, PLANNING_RULES, Outcome, evaluate, indicator_values

MEASURED = indicator_values(measure_dxf(sample_dxf()).indicators)


def data(kind: CertificateKind, **changes: object) -> CertificateData:
    if kind is CertificateKind.PLANNING_VERIFICATION:
        permitted = {
            "far": Decimal("2.6"),
            "greenRatio": Decimal("0.30"),
            "setback:道路红线": Decimal(8),
        }
        check = evaluate(PLANNING_RULES, permitted, MEASURED)
    else:
        check = evaluate(LAND_RULES, {"siteArea": Decimal(8000)}, MEASURED)
    base = CertificateData(
        kind=kind,
        number="GHHS-2026-0007",
        project_code="2026-330100-47-01-000123",
        project_name="示例小区一期",
        owner_name="示例置业有限公司",
        department_name="示例市自然资源和规划局",
        survey_firm="示例测绘院",
        surveyor_name="王测",
        surveyor_certificate_no="ZCCH-2026-0001",
        package_version=2,
        sections_hash="f" * 64,
        check=check,
        final_outcome=check.outcome,
        comment="",
        issued_on=dt.date(2026, 11, 23),
    )
    return msgspec.structs.replace(base, **changes)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages)


def test_planning_certificate_has_extractable_chinese() -> None:
    cert = data(CertificateKind.PLANNING_VERIFICATION)
    assert cert.check.outcome is Outcome.PASS
    text = text_of(render_certificate(cert))
    for expected in [
        "规划核实确认书",
        "GHHS-2026-0007",
        "示例小区一期",
        "予以确认",
        "容积率",
        "2.53",
        "绿地率",
        "31%",
        "退道路红线距离",
        "7.95m",
        "planning-2026.1",
        "示例市自然资源和规划局",
        "2026年11月23日",
        "第 2 版",
    ]:
        assert expected in text, expected


def test_land_opinion_names_site_area() -> None:
    text = text_of(render_certificate(data(CertificateKind.LAND_VERIFICATION)))
    assert "用地复核意见书" in text
    assert "用地面积" in text
    assert "8000m²" in text
    assert "复核通过" in text
    assert "land-2026.1" in text


def test_override_and_comment_are_printed_and_markup_is_escaped() -> None:
    cert = data(
        CertificateKind.PLANNING_VERIFICATION,
        final_outcome=Outcome.FAIL,
        comment="现场核查发现<b>违建</b> & 未拆除",
    )
    text = text_of(render_certificate(cert))
    assert "不予确认" in text
    assert "部门改判" in text
    assert "<b>违建</b> & 未拆除" in text


def test_rendering_is_reproducible() -> None:
    cert = data(CertificateKind.LAND_VERIFICATION)
    assert render_certificate(cert) == render_certificate(cert)
    other = msgspec.structs.replace(cert, number="YDFH-2026-0008")
    assert render_certificate(other) != render_certificate(cert)


@pytest.mark.parametrize("kind", list(CertificateKind))
def test_pdf_metadata(kind: CertificateKind) -> None:
    reader = PdfReader(io.BytesIO(render_certificate(data(kind))))
    assert reader.metadata is not None
    assert reader.metadata.title in {"规划核实确认书", "用地复核意见书"}
