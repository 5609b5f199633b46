"""The survey sample (``surveys.formats.sample``) as a DWG: ezdwg writes AC1015 (R2000) DWG
from what it is given, here the sample DXF's modelspace entity by entity on the same layers."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import ezdwg
import ezdxf

from surveys.formats.sample import sample_dxf


def sample_dwg() -> bytes:
    source = ezdxf.read(io.StringIO(sample_dxf().decode()))  # type: ignore[attr-defined]
    drawing = ezdwg.new()
    drawing.header["insunits"] = source.header.get("$INSUNITS", 0)
    for layer in source.layers:
        drawing.layers[layer.dxf.name] = {"color_index": layer.dxf.color}
    msp = drawing.modelspace()
    entity: Any
    for entity in source.modelspace():
        layer, kind = entity.dxf.layer, entity.dxftype()
        if kind == "LWPOLYLINE":
            points = [tuple(p) for p in entity.get_points("xy")]
            msp.add_lwpolyline(points, closed=entity.closed, layer=layer)
        elif kind == "POLYLINE":
            msp.add_polyline2d([tuple(v.dxf.location)[:2] for v in entity.vertices], layer=layer)
        elif kind == "LINE":
            msp.add_line(tuple(entity.dxf.start), tuple(entity.dxf.end), layer=layer)
        elif kind == "TEXT":
            msp.add_text(entity.dxf.text, tuple(entity.dxf.insert), entity.dxf.height, layer=layer)
        elif kind == "MTEXT":
            msp.add_mtext(
                entity.text, tuple(entity.dxf.insert), entity.dxf.char_height, layer=layer
            )
        else:  # pragma: no cover - the sample holds only the types above
            raise ValueError(f"sample entity {kind} not carried into the DWG")
    with tempfile.TemporaryDirectory(prefix="survey-dwg-") as tmp:
        path = Path(tmp) / "survey.dwg"
        drawing.save(str(path))
        return path.read_bytes()
