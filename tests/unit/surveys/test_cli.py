from __future__ import annotations

import json
from typing import TYPE_CHECKING

from click.testing import CliRunner

from oneset.cli.surveys import survey_indicators
from surveys.formats.sample import sample_dxf

if TYPE_CHECKING:
    from pathlib import Path

KEYS = {
    "siteArea",
    "footprintArea",
    "grossFloorArea",
    "far",
    "coverage",
    "greenArea",
    "greenRatio",
    "setbacks",
    "problems",
}


def test_prints_the_pinned_keys(tmp_path: Path) -> None:
    dxf = tmp_path / "survey.dxf"
    dxf.write_bytes(sample_dxf())
    result = CliRunner().invoke(survey_indicators, [str(dxf)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == KEYS
    assert out["far"] == 2.53
    assert out["setbacks"]["道路红线"] == 7.95


def test_convention_file_renames_layers(tmp_path: Path) -> None:
    dxf = tmp_path / "survey.dxf"
    dxf.write_bytes(sample_dxf())
    conv = tmp_path / "conv.json"
    conv.write_text(json.dumps({"siteBoundary": "红线"}, ensure_ascii=False), encoding="utf-8")
    out = json.loads(
        CliRunner().invoke(survey_indicators, [str(dxf), "--convention", str(conv)]).output
    )
    assert out["siteArea"] is None
    assert "未找到图层“红线”" in out["problems"]
    assert out["footprintArea"] == 1680


def test_bad_convention_file_is_a_usage_error(tmp_path: Path) -> None:
    dxf = tmp_path / "survey.dxf"
    dxf.write_bytes(sample_dxf())
    conv = tmp_path / "conv.json"
    conv.write_text('{"siteBoundry": "x"}', encoding="utf-8")
    result = CliRunner().invoke(survey_indicators, [str(dxf), "--convention", str(conv)])
    assert result.exit_code == 2
    assert "siteBoundry" in result.output


def test_missing_file_is_reported_in_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(survey_indicators, [str(tmp_path / "nope.dxf")])
    assert result.exit_code == 0
    assert json.loads(result.output)["problems"][0].startswith("文件不存在")
