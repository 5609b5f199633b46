"""The preview the processing child draws: every path inside a group of its layer, the drawing
itself unchanged (same paths in the same order as ezdxf's own SVG backend), and the layer list
the viewer offers to toggle."""

from __future__ import annotations

import contextlib
import io
import itertools
from collections import Counter
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

import ezdxf
import pytest
from ezdxf.addons.drawing import layout, svg
from ezdxf.addons.drawing.config import BackgroundPolicy, Configuration
from ezdxf.addons.drawing.frontend import Frontend
from ezdxf.addons.drawing.properties import RenderContext

from drawings.formats.cjk_font import use_cjk_text
from drawings.formats.dxf import analyse_dxf
from drawings.formats.layered_svg import LAYER_ATTRIBUTE, page_mm, render_layered_svg
from tests.paths import SHARED_DATA

if TYPE_CHECKING:
    from pathlib import Path

    from ezdxf.document import Drawing

NS = "{http://www.w3.org/2000/svg}"


def _layer_groups(svg_text: str) -> list[tuple[str, list[ET.Element]]]:
    """(layer, paths) per layer group, in document order; asserts no path sits outside one."""
    root = ET.fromstring(svg_text.encode("utf-8"))  # noqa: S314 - SVG we just wrote
    groups = [
        (g.attrib[LAYER_ATTRIBUTE], list(g.iter(f"{NS}path")))
        for g in root.iter(f"{NS}g")
        if LAYER_ATTRIBUTE in g.attrib
    ]
    assert sum(len(paths) for _, paths in groups) == len(list(root.iter(f"{NS}path")))
    return groups


def _ezdxf_paths(doc: Drawing) -> list[tuple[str, str]]:
    """(d, class) of every path ezdxf's own SVGBackend draws, in order, with the same page
    (and the same CJK text fallback: the groups are what is compared here, not the glyphs)."""
    backend = svg.SVGBackend()
    config = Configuration(background_policy=BackgroundPolicy.WHITE)
    front = Frontend(RenderContext(doc), backend, config=config)
    use_cjk_text(front)
    with contextlib.redirect_stdout(io.StringIO()):
        front.draw_layout(doc.modelspace())
    box = backend.player().bbox()
    width, height = page_mm(box.size.x, box.size.y)
    text = backend.get_string(
        layout.Page(width, height, layout.Units.mm, margins=layout.Margins.all(2)),
        render_box=box,
    )
    root = ET.fromstring(text.encode("utf-8"))  # noqa: S314 - ezdxf output
    return [(p.attrib["d"], p.attrib["class"]) for p in root.iter(f"{NS}path")]


_PAIRS = {"M": 1, "L": 1, "m": 1, "l": 1, "q": 2, "c": 3}


def _absolute(d: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The command of each step of path data (a letter SVG lets one omit spelled out, ``Z``
    too) and every point it names, in absolute coordinates."""
    tokens = d.split()
    letters: list[str] = []
    points: list[tuple[int, int]] = []
    x = y = 0
    index = 0
    letter = ""
    while index < len(tokens):
        if tokens[index].isalpha():
            letter = tokens[index]
            index += 1
            if letter == "Z":
                letters.append(letter)
            continue
        letters.append(letter)
        pairs = _PAIRS[letter]
        numbers = [int(t) for t in tokens[index : index + 2 * pairs]]
        index += 2 * pairs
        start = (0, 0) if letter.isupper() else (x, y)
        pairs_of = zip(numbers[::2], numbers[1::2], strict=True)
        group = [(start[0] + a, start[1] + b) for a, b in pairs_of]
        points.extend(group)
        x, y = group[-1]
        letter = {"M": "L", "m": "l"}.get(letter, letter)  # pairs after a move are lines
    return letters, points


def _same_drawing(ours: tuple[str, str], ezdxfs: tuple[str, str]) -> bool:
    """The same path: class, commands and points. Our points are the exact rounded ones; ezdxf
    rounds every relative step, so its k-th point may have drifted by up to k/2 units."""
    (our_d, our_class), (their_d, their_class) = ours, ezdxfs
    our_letters, our_points = _absolute(our_d)
    their_letters, their_points = _absolute(their_d)
    return (
        our_class == their_class
        and our_letters == their_letters
        and len(our_points) == len(their_points)
        and all(
            abs(a - c) <= 1 + k / 2 and abs(b - e) <= 1 + k / 2
            for k, ((a, b), (c, e)) in enumerate(zip(our_points, their_points, strict=True))
        )
    )


def test_one_group_per_layer_with_ezdxf_entity_counts(tmp_path: Path) -> None:
    """sheet_0_12k: 11 858 LINE/ARC/CIRCLE entities, each drawn as exactly one path, so the
    paths in a layer's group are its entities; ezdxf's count from the file must match."""
    source = SHARED_DATA / "dxf/sheet_0_12k.dxf"
    result = analyse_dxf(source, tmp_path / "preview.svg")
    assert result.status == "ready"
    groups = _layer_groups((tmp_path / "preview.svg").read_text(encoding="utf-8"))

    doc = ezdxf.readfile(source)  # type: ignore[attr-defined]
    per_file = Counter(entity.dxf.layer for entity in doc.modelspace())
    assert len(per_file) == 2  # of the 5 layers in its LAYER table
    assert sorted(layer for layer, _ in groups) == sorted(per_file)  # one group per layer
    assert {layer: len(paths) for layer, paths in groups} == per_file
    listed = result.metadata["previewLayers"]
    assert {layer["name"]: layer["entities"] for layer in listed} == per_file


def test_groups_keep_ezdxf_drawing_and_table_names(tmp_path: Path) -> None:
    """A real Chinese drawing with blocks, fills and 16 drawn layers: the layer groups hold
    exactly the paths ezdxf draws (the same points, without its rounding drift), in its order
    (so fills still cover what they covered), each consecutive run of one layer in one group,
    named as in the layer table."""
    source = SHARED_DATA / "dxf/新大地8号煤有线通讯系统图.v1.dxf"
    result = analyse_dxf(source, tmp_path / "preview.svg")
    groups = _layer_groups((tmp_path / "preview.svg").read_text(encoding="utf-8"))

    drawn = [(p.attrib["d"], p.attrib["class"]) for _, paths in groups for p in paths]
    theirs = _ezdxf_paths(ezdxf.readfile(source))  # type: ignore[attr-defined]
    assert len(drawn) == len(theirs)
    assert all(_same_drawing(a, b) for a, b in zip(drawn, theirs, strict=True))
    names = [layer for layer, _ in groups]
    assert all(a != b for a, b in itertools.pairwise(names))  # maximal runs
    listed = result.metadata["previewLayers"]
    assert [layer["name"] for layer in listed] == list(
        dict.fromkeys(
            layer["name"] for layer in result.metadata["layers"] if layer["name"] in set(names)
        )
    )  # in LAYER-table order, only layers with a group
    assert len(listed) == 16
    assert any("\u4e00" <= c <= "\u9fff" for layer in listed for c in layer["name"])
    assert all(layer["entities"] > 0 for layer in listed)


def test_block_contents_go_where_autocad_hides_them() -> None:
    """An INSERT on layer 墙体 of a block holding a LINE on layer 0 and two CIRCLEs on 设备: the
    line inherits 墙体 (hidden with it), the circles stay on 设备 (AutoCAD's "layer off"). A
    fill between two lines gets a group of its own, so the drawing order is kept."""
    doc = ezdxf.new("R2010")  # type: ignore[attr-defined]
    for name in ("墙体", "设备", "填充"):
        doc.layers.add(name)
    block = doc.blocks.new("泵")
    block.add_line((0, 0), (10, 0), dxfattribs={"layer": "0"})
    block.add_circle((5, 5), 2, dxfattribs={"layer": "设备"})
    block.add_circle((5, 5), 1, dxfattribs={"layer": "设备"})
    msp = doc.modelspace()
    msp.add_blockref("泵", (100, 100), dxfattribs={"layer": "墙体"})
    msp.add_line((0, 0), (0, 50), dxfattribs={"layer": "墙体"})
    msp.add_solid([(0, 0), (20, 0), (0, 20)], dxfattribs={"layer": "填充"})
    msp.add_line((0, 0), (50, 0), dxfattribs={"layer": "轴线"})  # no LAYER table entry

    drawn = render_layered_svg(doc)
    groups = [(layer, len(paths)) for layer, paths in _layer_groups(drawn.text)]
    assert groups == [("墙体", 1), ("设备", 2), ("墙体", 1), ("填充", 1), ("轴线", 1)]
    assert drawn.layers == [  # LAYER-table order, then layers without an entry
        {"name": "墙体", "entities": 2},  # the INSERT and the LINE
        {"name": "设备", "entities": 1},  # the INSERT again, through its circles
        {"name": "填充", "entities": 1},
        {"name": "轴线", "entities": 1},
    ]


@pytest.mark.parametrize(
    ("name", "shown"),
    [('a<b&"c', 'a<b&"c'), ("ctl\x01\x1fname", "ctl\ufffd\ufffdname"), ("Gro\\U+00DF", "Groß")],
)
def test_any_layer_name_keeps_the_svg_readable(name: str, shown: str, tmp_path: Path) -> None:
    """Names from the file end up in an XML attribute: markup is escaped, characters XML
    forbids are replaced, ``\\U+`` escapes decoded, the list carries the same spelling. (ezdxf
    refuses such names when creating a layer, not when reading one: the file is written raw.)"""
    source = tmp_path / "names.dxf"
    line = f"0\nLINE\n8\n{name}\n10\n0\n20\n0\n11\n10\n21\n10\n"
    source.write_text(f"0\nSECTION\n2\nENTITIES\n{line}0\nENDSEC\n0\nEOF\n", encoding="utf-8")
    result = analyse_dxf(source, tmp_path / "preview.svg")
    assert result.status == "ready", result.error
    groups = _layer_groups((tmp_path / "preview.svg").read_text("utf-8"))  # well-formed XML
    assert [(layer, len(paths)) for layer, paths in groups] == [(shown, 1)]
    assert result.metadata["previewLayers"] == [{"name": shown, "entities": 1}]
