"""Planning indicators computed from a survey DXF by a layer convention.

Pure: bytes in, a result out. Any input — a damaged DXF, a DWG renamed to .dxf, a drawing that
follows no convention at all — gives a result whose ``problems`` say in Chinese what is missing;
this module never raises on file content.
"""

from __future__ import annotations

import io
import math
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import ezdxf
import ezdxf.units
import msgspec
import shapely
from ezdxf import path as dxfpath
from ezdxf.document import Drawing
from ezdxf.lldxf.const import DXFError
from ezdxf.lldxf.encoding import decode_dxf_unicode
from ezdxf.lldxf.tagger import binary_tags_loader
from ezdxf.recover import read as recover_read
from ezdxf.units import METER_FACTOR
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import unary_union

from surveys.rules.convention import DEFAULT_CONVENTION, LayerConvention

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from shapely.geometry.base import BaseGeometry

AREA_DIGITS = 2
RATIO_DIGITS = 4
DISTANCE_DIGITS = 3
FLATTEN_METRES = 0.001
"""Chord error allowed when arcs and bulges are turned into straight segments."""
_POINT_EPSILON_METRES = 1e-6
_BINARY_DXF = b"AutoCAD Binary DXF"
_PARSE_ERRORS = (ValueError, TypeError, AttributeError, IndexError, DXFError)


class Indicators(msgspec.Struct, frozen=True, rename="camel"):
    """The pinned output of ``survey-indicators``. Areas in m², ratios as fractions (0.31 = 31 %),
    setbacks in m (``None`` where the control line or the buildings are absent)."""

    site_area: float | None
    footprint_area: float | None
    gross_floor_area: float | None
    far: float | None
    coverage: float | None
    green_area: float | None
    green_ratio: float | None
    setbacks: dict[str, float | None]
    problems: tuple[str, ...]


class BuildingMeasure(msgspec.Struct, frozen=True, rename="camel"):
    handle: str
    footprint_area: float
    storeys: int | None
    floor_area: float | None


class Measurement(msgspec.Struct, frozen=True, rename="camel"):
    """Indicators plus the detail other checks need (per building, the site boundary in metres)."""

    indicators: Indicators
    buildings: tuple[BuildingMeasure, ...] = ()
    site_boundary: tuple[tuple[float, float], ...] | None = None
    units: str = "Meters"


class _Shape(msgspec.Struct):
    handle: str
    polygon: Polygon | None  # None: not closed or unusable; the reason is in problems


def measure_file(path: str, convention: LayerConvention = DEFAULT_CONVENTION) -> Measurement:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return _failed(convention, f"文件不存在：{path}")
    except OSError as exc:
        return _failed(convention, f"无法读取文件 {path}（{type(exc).__name__}）")
    return measure_dxf(data, convention)


def measure_dxf(data: bytes, convention: LayerConvention = DEFAULT_CONVENTION) -> Measurement:
    """Compute the indicators of a survey DXF given as bytes."""
    doc, problems = _read(data)
    if doc is None:
        return _failed(convention, *problems)
    try:
        return _measure(doc, convention, problems)
    except Exception as exc:  # last line of defence: a bad drawing must yield a reason, not a 500
        return _failed(convention, *problems, f"计算指标时出错（{type(exc).__name__}: {exc}）")


def _failed(convention: LayerConvention, *problems: str) -> Measurement:
    return Measurement(
        indicators=Indicators(
            site_area=None,
            footprint_area=None,
            gross_floor_area=None,
            far=None,
            coverage=None,
            green_area=None,
            green_ratio=None,
            setbacks=dict.fromkeys(convention.control_lines),
            problems=tuple(problems),
        )
    )


def _read(data: bytes) -> tuple[Any, list[str]]:
    if not data.strip():
        return None, ["文件为空"]
    if re.match(rb"AC[0-9.]{4}", data):  # DWG magic; a DXF never starts with it
        return None, ["这是 DWG 文件，不是 DXF；请先转换为 DXF 后再提交"]
    if not data.startswith(_BINARY_DXF) and b"SECTION" not in data[:65536]:
        return None, ["无法读取 DXF 文件：内容不是 DXF 格式"]
    try:
        if data.startswith(_BINARY_DXF):  # ezdxf.recover reads ASCII DXF only
            doc = Drawing.load(binary_tags_loader(data))
            auditor = doc.audit()
        else:
            doc, auditor = recover_read(io.BytesIO(data))
    except Exception as exc:  # ezdxf raises builtins (OSError, ValueError) as well as its own
        return None, [f"无法读取 DXF 文件：文件已损坏或不是 DXF（{type(exc).__name__}）"]
    problems = []
    if auditor.has_errors:
        problems.append(f"文件有 {len(auditor.errors)} 处结构错误，已自动修复后读取")
    return doc, problems


def _metres_per_unit(doc: Any, problems: list[str]) -> tuple[float, str]:
    try:
        code = int(doc.header.get("$INSUNITS", 0))
    except (TypeError, ValueError):
        code = 0
    if code == 0:
        return 1.0, "Meters"
    factor = METER_FACTOR[code] if 0 <= code < len(METER_FACTOR) else None
    if factor is None:
        problems.append(f"图形单位 $INSUNITS={code} 无法换算为米，已按米计算")
        return 1.0, "Meters"
    return 1.0 / factor, ezdxf.units.unit_name(code)


def _measure(doc: Any, convention: LayerConvention, problems: list[str]) -> Measurement:
    scale, unit_name = _metres_per_unit(doc, problems)
    msp = doc.modelspace()
    by_layer: dict[str, list[Any]] = defaultdict(list)
    for entity in msp:
        by_layer[_layer_key(_layer_of(entity))].append(entity)
    if not by_layer:
        problems.append("模型空间没有任何图形")
    known_layers = {_layer_key(layer.dxf.name) for layer in doc.layers}

    def entities(layer: str) -> list[Any]:
        found = by_layer.get(_layer_key(layer), [])
        if not found:
            if _layer_key(layer) in known_layers:
                problems.append(f"图层“{layer}”上没有图形")
            else:
                problems.append(f"未找到图层“{layer}”")
        return found

    site = _site(entities(convention.site_boundary), convention.site_boundary, scale, problems)
    buildings = _closed_shapes(entities(convention.buildings), "建筑", scale, problems)
    green_entities = entities(convention.green)
    greens = _closed_shapes(green_entities, "绿地", scale, problems)
    texts = list(_texts(msp, convention, scale))

    measures = _buildings(buildings, texts, convention, site, problems)
    polygons = [(shape.handle, shape.polygon) for shape in buildings if shape.polygon is not None]
    _report_overlaps(polygons, problems)

    site_area = float(site.area) if site is not None else None
    footprint = sum(m.footprint_area for m in measures) if polygons else None
    floor_areas = [m.floor_area for m in measures]
    gross = (
        sum(a for a in floor_areas if a is not None)
        if polygons and all(a is not None for a in floor_areas)
        else None
    )
    if polygons and gross is None:
        problems.append("有建筑缺少层数，无法计算总建筑面积和容积率")
    green_area = _green_area(greens, site, problems) if green_entities else None
    setbacks = _setbacks(by_layer, convention, polygons, scale, problems)

    def ratio(value: float | None) -> float | None:
        if value is None or site_area is None or site_area <= 0:
            return None
        return round(value / site_area, RATIO_DIGITS)

    indicators = Indicators(
        site_area=_area(site_area),
        footprint_area=_area(footprint),
        gross_floor_area=_area(gross),
        far=ratio(gross),
        coverage=ratio(footprint),
        green_area=_area(green_area),
        green_ratio=ratio(green_area),
        setbacks=setbacks,
        problems=tuple(problems),
    )
    boundary = (
        tuple(
            (round(x, DISTANCE_DIGITS), round(y, DISTANCE_DIGITS)) for x, y in site.exterior.coords
        )
        if site is not None
        else None
    )
    return Measurement(
        indicators=indicators, buildings=tuple(measures), site_boundary=boundary, units=unit_name
    )


def _layer_key(name: str) -> str:
    # AutoCAD layer names are case-insensitive; old files escape non-ASCII as \U+XXXX.
    return decode_dxf_unicode(str(name)).strip().casefold()


def _layer_of(entity: Any) -> str:
    try:
        return str(entity.dxf.get("layer", "0"))
    except DXFError:  # a few object-like entities (SECTIONOBJECT) have no layer attribute
        return "0"


def _area(value: float | None) -> float | None:
    return None if value is None else round(value, AREA_DIGITS)


def _handle(entity: Any) -> str:
    try:
        return str(entity.dxf.get("handle", "?"))
    except DXFError:
        return "?"


def _vertices(entity: Any, scale: float) -> list[tuple[float, float]]:
    """The entity's outline in metres, arcs flattened to chords within ``FLATTEN_METRES``."""
    sagitta = FLATTEN_METRES / scale
    raw: list[Any] = []
    if entity.dxftype() in {"LWPOLYLINE", "POLYLINE"}:
        # Exact arcs per bulge (a path would approximate them by Bézier curves first).
        for part in entity.virtual_entities():
            if part.dxftype() == "LINE":
                segment = [part.dxf.start, part.dxf.end]
            elif part.dxftype() == "ARC":
                segment = list(part.flattening(sagitta))
            else:
                continue
            # ARCs are always counter-clockwise: a clockwise bulge comes out reversed.
            if raw and segment[-1].isclose(raw[-1]) and not segment[0].isclose(raw[-1]):
                segment.reverse()
            raw.extend(segment)
    else:
        raw = list(dxfpath.make_path(entity).flattening(sagitta))
    points: list[tuple[float, float]] = []
    for vertex in raw:
        point = (vertex.x * scale, vertex.y * scale)
        if not points or math.dist(point, points[-1]) > _POINT_EPSILON_METRES:
            points.append(point)
    return points


def _is_polyline(entity: Any) -> bool:
    kind = entity.dxftype()
    if kind == "LWPOLYLINE":
        return True
    return kind == "POLYLINE" and bool(entity.is_2d_polyline or entity.is_3d_polyline)


def _closed_shape(entity: Any, what: str, scale: float, problems: list[str]) -> _Shape:
    handle = _handle(entity)
    label = f"{what}（句柄 {handle}）"
    try:
        points = _vertices(entity, scale)
        flagged = bool(entity.closed if entity.dxftype() == "LWPOLYLINE" else entity.is_closed)
    except _PARSE_ERRORS:
        problems.append(f"{label}无法解析，已忽略")
        return _Shape(handle, None)
    ends_meet = len(points) > 2 and math.dist(points[0], points[-1]) <= _POINT_EPSILON_METRES
    if not (flagged or ends_meet):
        problems.append(f"{label}未闭合，已忽略")
        return _Shape(handle, None)
    if ends_meet:
        points = points[:-1]
    if len(points) < 3:
        problems.append(f"{label}顶点不足三个，已忽略")
        return _Shape(handle, None)
    polygon = Polygon(points)
    if not polygon.is_valid or polygon.area <= 0:
        problems.append(f"{label}轮廓自相交或面积为零，已忽略")
        return _Shape(handle, None)
    return _Shape(handle, polygon)


def _closed_shapes(
    entities: Iterable[Any], what: str, scale: float, problems: list[str]
) -> list[_Shape]:
    shapes = []
    skipped: dict[str, int] = defaultdict(int)
    for entity in entities:
        if _is_polyline(entity):
            shapes.append(_closed_shape(entity, what, scale, problems))
        elif entity.dxftype() not in {"TEXT", "MTEXT"}:
            skipped[entity.dxftype()] += 1
    for kind, count in sorted(skipped.items()):
        problems.append(f"{what}图层上有 {count} 个 {kind} 实体不是多段线，已忽略")
    return shapes


def _site(entities: list[Any], layer: str, scale: float, problems: list[str]) -> Polygon | None:
    if not entities:
        return None
    shapes = _closed_shapes(entities, "用地红线", scale, problems)
    polygons = [shape.polygon for shape in shapes if shape.polygon is not None]
    if not polygons:
        if shapes:  # the reason (not closed, self-intersecting) is already reported per entity
            problems.append(f"图层“{layer}”上没有可用的闭合多段线，无法计算用地面积")
        else:
            problems.append(f"图层“{layer}”上没有多段线，无法计算用地面积")
        return None
    if len(polygons) > 1:
        problems.append(
            f"图层“{layer}”上有 {len(polygons)} 条闭合多段线，应只有一条；已取面积最大的一条"
        )
    return max(polygons, key=lambda p: p.area)


class _Text(msgspec.Struct):
    layer: str
    text: str
    point: Point


def _texts(msp: Any, convention: LayerConvention, scale: float) -> Iterator[_Text]:
    layers = {_layer_key(name) for name in convention.storeys_text_layers}
    for entity in msp.query("TEXT MTEXT"):
        layer = _layer_key(_layer_of(entity))
        if layers and layer not in layers:
            continue
        try:
            if entity.dxftype() == "MTEXT":
                content = entity.plain_text()
                where = entity.dxf.insert
            else:
                content = entity.dxf.get("text", "")
                aligned = entity.dxf.get("halign", 0) or entity.dxf.get("valign", 0)
                where = entity.dxf.get("align_point") if aligned else None
                where = where if where is not None else entity.dxf.insert
            yield _Text(
                layer, decode_dxf_unicode(str(content)), Point(where.x * scale, where.y * scale)
            )
        except _PARSE_ERRORS:
            continue


_CN_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True)) | {"两": 2}


def parse_count(token: str) -> int | None:
    """``"12"`` → 12, ``"十二"`` → 12, ``"二十"`` → 20; anything else → None."""
    if token.isdigit():
        return int(token)
    if "十" in token:
        tens, _, ones = token.partition("十")
        if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS) or "十" in ones:
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS.get(token) if len(token) == 1 else None


def storeys_in(text: str, pattern: str) -> list[int]:
    """Every above-ground storey count written in one text (``"11层"``, ``"地上十一层"``)."""
    counts = []
    for match in re.finditer(pattern, text):
        count = parse_count(match.group(1))
        if count is not None and count > 0:
            counts.append(count)
    return counts


def _buildings(
    shapes: list[_Shape],
    texts: list[_Text],
    convention: LayerConvention,
    site: Polygon | None,
    problems: list[str],
) -> list[BuildingMeasure]:
    measures = []
    for shape in shapes:
        if shape.polygon is None:
            continue
        label = f"建筑（句柄 {shape.handle}）"
        counts = sorted(
            {
                count
                for text in texts
                if shape.polygon.covers(text.point)
                for count in storeys_in(text.text, convention.storeys_pattern)
            }
        )
        storeys: int | None = None
        if not counts:
            problems.append(f"{label}内没有层数文字（如“6层”）")
        else:
            storeys = counts[-1]
            if len(counts) > 1:
                listed = "、".join(f"{c}层" for c in counts)
                problems.append(f"{label}内有多个不同的层数文字（{listed}），已取最大值")
        if site is not None and not site.buffer(_POINT_EPSILON_METRES).covers(shape.polygon):
            problems.append(f"{label}超出用地红线")
        area = shape.polygon.area
        measures.append(
            BuildingMeasure(
                handle=shape.handle,
                footprint_area=round(area, AREA_DIGITS),
                storeys=storeys,
                floor_area=round(area * storeys, AREA_DIGITS) if storeys is not None else None,
            )
        )
    return measures


def _report_overlaps(polygons: list[tuple[str, Polygon]], problems: list[str]) -> None:
    for i, (handle_a, a) in enumerate(polygons):
        for handle_b, b in polygons[i + 1 :]:
            if a.intersection(b).area > _POINT_EPSILON_METRES:
                problems.append(f"建筑（句柄 {handle_a}）与建筑（句柄 {handle_b}）重叠")


def _green_area(greens: list[_Shape], site: Polygon | None, problems: list[str]) -> float:
    polygons = [shape.polygon for shape in greens if shape.polygon is not None]
    if not polygons:
        problems.append("绿地图层上没有可用的闭合多段线，绿地面积按 0 计")
        return 0.0
    union: BaseGeometry = unary_union(polygons)
    if site is None:
        return float(union.area)
    inside = union.intersection(site)
    if union.area - inside.area > _POINT_EPSILON_METRES:
        problems.append("部分绿地位于用地红线外，超出部分不计入绿地面积")
    return float(inside.area)


def _lines(entities: Iterable[Any], scale: float) -> list[BaseGeometry]:
    lines: list[BaseGeometry] = []
    for entity in entities:
        try:
            points = _vertices(entity, scale)
        except _PARSE_ERRORS:  # TEXT, INSERT, … carry no line geometry
            continue
        if len(points) >= 2:
            lines.append(LineString(points))
        elif len(points) == 1:
            lines.append(Point(points[0]))
    return lines


def _setbacks(
    by_layer: dict[str, list[Any]],
    convention: LayerConvention,
    buildings: list[tuple[str, Polygon]],
    scale: float,
    problems: list[str],
) -> dict[str, float | None]:
    setbacks: dict[str, float | None] = {}
    present = [layer for layer in convention.control_lines if by_layer.get(_layer_key(layer))]
    if not present and convention.control_lines:
        names = "、".join(convention.control_lines)
        problems.append(f"未找到任何控制线图层（{names}），无法计算退线距离")
    for layer in convention.control_lines:
        lines = _lines(by_layer.get(_layer_key(layer), []), scale)
        if not lines or not buildings:
            setbacks[layer] = None
            continue
        control = shapely.union_all(lines)
        distances = [(float(polygon.distance(control)), handle) for handle, polygon in buildings]
        for distance, handle in distances:
            if distance <= _POINT_EPSILON_METRES:
                problems.append(f"建筑（句柄 {handle}）压占{layer}")
        setbacks[layer] = round(min(distances)[0], DISTANCE_DIGITS)
    return setbacks
