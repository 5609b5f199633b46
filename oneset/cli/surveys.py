"""``oneset survey-indicators FILE.dxf [--convention FILE]``: the computed indicators as JSON.
A DWG is converted to DXF first, in the drawings' isolated runner."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import click
import msgspec

from drawings import api as drawings
from kernel.errors import Invalid
from surveys import api as surveys

_DWG_TIMEOUT_S = 300


@click.command("survey-indicators")
@click.argument("dxf_file", metavar="FILE.dxf", type=click.Path(dir_okay=False))
@click.option(
    "--convention",
    "convention_file",
    type=click.Path(exists=True, dir_okay=False),
    help="图层约定 JSON 文件（默认：用地红线 / 建筑轮廓 / 绿地 / 道路红线 …）",
)
def survey_indicators(dxf_file: str, convention_file: str | None) -> None:
    """计算测绘 DXF 或 DWG 的规划指标（用地面积、容积率、建筑密度、绿地率、退线距离）。

    DWG 先在隔离进程中转换为 DXF。输出 JSON。"""
    try:
        convention = (
            surveys.load_convention(convention_file)
            if convention_file
            else surveys.DEFAULT_CONVENTION
        )
    except Invalid as exc:
        raise click.BadParameter(exc.detail, param_hint="--convention") from exc
    # ezdxf logs every repair it makes while recovering a file; the problems list says enough.
    logging.getLogger("ezdxf").setLevel(logging.ERROR)
    path = Path(dxf_file)
    if path.is_file() and drawings.is_dwg(path.read_bytes()[:64]):
        with tempfile.TemporaryDirectory(prefix="oneset-survey-") as scratch:
            converted = drawings.dwg_to_dxf(
                path.read_bytes(), scratch=Path(scratch), timeout_s=_DWG_TIMEOUT_S
            )
        if converted.dxf is None:
            raise click.ClickException(f"DWG 文件无法读取：{converted.error}")
        indicators = surveys.measure_dxf(converted.dxf, convention).indicators
    else:
        indicators = surveys.measure_file(dxf_file, convention).indicators
    click.echo(msgspec.json.format(msgspec.json.encode(indicators), indent=2).decode())


COMMANDS = [survey_indicators]
