"""Entity-level diff of two DXF revisions (modelspace entities, tables and layouts).

Matching (see ``match``): by handle first, then by a geometry fingerprint (type, layer,
rounded coordinates), so a re-saved file whose handles changed does not look rewritten.
Matched pairs whose attributes differ are ``modified``; the rest are ``added``/``removed``.
Layer names compare case-insensitively (DXF layer names are), so a case-only rename is
reported as such, not as changed entities. Only modelspace counts as geometry; paper-space
layouts are summarised. An attribute set to its DXF default and the same attribute left out
are equal (writers differ in which defaults they spell out).

A side converted from DWG (``converted_old``/``converted_new``) is compared for what the
converter can carry (``_settle_conversion``): entities it leaked from block definitions into
modelspace (ezdwg writes the members of dimension blocks ``*D…`` and of other blocks there) are
``absorbed``, entities of a type it never wrote (a DIMENSION it exploded, a WIPEOUT it cannot
read) are ``notCompared``, and a pair differs only in the attributes both sides carry.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ezdxf import bbox as ezbbox
from ezdxf.lldxf.encoding import decode_dxf_unicode
from ezdxf.math import Vec2, Vec3

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from ezdxf.document import Drawing

MAX_LISTED_CHANGES = 2000
_IGNORED_ATTRIBS = frozenset(
    {
        "handle",
        "owner",
        "layer",
        "plotstyle_handle",
        "material_handle",
        "visualstyle_handle",
        "shadow_mode",
    }
)
# Scalars that are geometry (belong in the fingerprint); the rest are appearance.
_GEOMETRIC_SCALARS = frozenset(
    {
        "radius",
        "start_angle",
        "end_angle",
        "ratio",
        "start_param",
        "end_param",
        "height",
        "rotation",
        "width",
        "xscale",
        "yscale",
        "zscale",
        "thickness",
        "const_width",
        "elevation",
        "char_height",
        "defined_height",
    }
)

Box = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax


@dataclass
class EntityRecord:
    entity: Any
    handle: str | None
    dxftype: str
    layer: str
    attrs: dict[str, Any]
    fingerprint: tuple[Any, ...]

    @property
    def layer_key(self) -> str:
        return self.layer.casefold()


@dataclass
class DxfDiff:
    old_version: str
    new_version: str
    added: list[EntityRecord] = field(default_factory=list)
    removed: list[EntityRecord] = field(default_factory=list)
    modified: list[tuple[EntityRecord, EntityRecord, dict[str, list[Any]]]] = field(
        default_factory=list
    )
    unchanged: list[tuple[EntityRecord, EntityRecord]] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)
    #: Converted side only: block members the converter wrote into modelspace.
    absorbed: list[EntityRecord] = field(default_factory=list)
    #: Either side: entities of a type the converted side cannot hold (never compared).
    uncompared: list[EntityRecord] = field(default_factory=list)

    @property
    def geometry_changed(self) -> bool:
        return bool(self.added or self.removed or self.modified)

    def summary(self, *, decimals: int = 6) -> dict[str, Any]:
        """JSON-ready report: counts, per layer and per type, change boxes, table changes."""
        layers: dict[str, Counter[str]] = defaultdict(Counter)
        types: dict[str, Counter[str]] = defaultdict(Counter)
        layer_boxes: dict[str, Box] = {}
        changes: list[dict[str, Any]] = []

        def note(kind: str, rec: EntityRecord, box: Box | None, deltas: Any = None) -> None:
            layers[rec.layer][kind] += 1
            types[rec.dxftype][kind] += 1
            if box is not None:
                layer_boxes[rec.layer] = _union(layer_boxes.get(rec.layer), box) or box
            if len(changes) < MAX_LISTED_CHANGES:
                item: dict[str, Any] = {
                    "change": kind,
                    "type": rec.dxftype,
                    "layer": rec.layer,
                    "handle": rec.handle,
                    "box": _round_box(box, decimals),
                }
                if deltas is not None:
                    item["attributes"] = deltas
                changes.append(item)

        for rec in self.added:
            note("added", rec, entity_box(rec.entity))
        for rec in self.removed:
            note("removed", rec, entity_box(rec.entity))
        for old, new, deltas in self.modified:
            box = _union(entity_box(old.entity), entity_box(new.entity))
            note("modified", new, box, deltas)
        overall: Box | None = None
        for box in layer_boxes.values():
            overall = _union(overall, box)
        versions_differ = self.old_version != self.new_version
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "modified": len(self.modified),
            "unchanged": len(self.unchanged),
            "geometryChanged": self.geometry_changed,
            "formatVersion": {
                "old": self.old_version,
                "new": self.new_version,
                "changed": versions_differ,
            },
            "message": _message(
                self.geometry_changed, versions_differ, self.old_version, self.new_version
            )
            + _uncompared_note(self.uncompared),
            "layers": {
                name: {k: c.get(k, 0) for k in ("added", "removed", "modified")}
                | {"box": _round_box(layer_boxes.get(name), decimals)}
                for name, c in sorted(layers.items())
            },
            "types": {name: dict(c) for name, c in sorted(types.items())},
            "box": _round_box(overall, decimals),
            "changes": changes,
            "changesTruncated": len(self.added) + len(self.removed) + len(self.modified)
            > len(changes),
            "tables": self.tables,
            "notCompared": dict(Counter(r.dxftype for r in self.uncompared).most_common()),
            "absorbed": len(self.absorbed),
        }


def _message(geometry: bool, versions: bool, old: str, new: str) -> str:
    if not geometry and versions:
        return f"仅文件格式版本变化（{old} → {new}），图形没有变化。"
    if not geometry:
        return "图形没有变化。"
    if versions:
        return f"图形有变化，文件格式版本也有变化（{old} → {new}）。"
    return "图形有变化。"


def _uncompared_note(uncompared: list[EntityRecord]) -> str:
    if not uncompared:
        return ""
    kinds = "、".join(
        f"{kind} {count} 个" for kind, count in Counter(r.dxftype for r in uncompared).most_common()
    )
    return f"DWG 转换后不含的 {len(uncompared)} 个实体（{kinds}）未参与比较。"


def _norm(value: Any, decimals: int) -> Any:
    if isinstance(value, Vec3 | Vec2):
        return [round(c, decimals) + 0.0 for c in value]
    if isinstance(value, float):
        return round(value, decimals) + 0.0  # +0.0 folds -0.0 into 0.0
    if isinstance(value, tuple | list):
        return [_norm(v, decimals) for v in value]
    if isinstance(value, str):
        return decode_dxf_unicode(value)
    return value


def _extra_geometry(entity: Any) -> dict[str, Any]:
    """Geometry and content not held in plain DXF attributes."""
    kind = entity.dxftype()
    extra: dict[str, Any] = {}
    if kind == "MTEXT":
        extra["text"] = entity.text
    elif kind == "LWPOLYLINE":
        extra["points"] = [tuple(p) for p in entity.get_points("xyseb")]
        extra["closed"] = entity.closed
    elif kind == "POLYLINE":
        extra["points"] = [v.dxf.location for v in entity.vertices]
    elif kind == "SPLINE":
        # numpy rows: compared as arrays they raise "truth value ... is ambiguous". Fit points,
        # when there are any, define the curve (its control points are derived from them and
        # some writers, ezdwg among them, leave them out).
        extra["fit_points"] = [tuple(float(c) for c in p) for p in entity.fit_points]
        if not extra["fit_points"]:
            extra["control_points"] = [tuple(float(c) for c in p) for p in entity.control_points]
    elif kind == "HATCH":
        extra["paths"] = [_path_points(path) for path in entity.paths]
    elif kind == "INSERT":
        extra["attribs"] = [(a.dxf.tag, a.dxf.text) for a in entity.attribs]
    return extra


def _path_points(path: Any) -> list[Any]:
    if hasattr(path, "vertices"):
        return [tuple(v) for v in path.vertices]
    points: list[Any] = []
    for edge in getattr(path, "edges", ()):
        points.extend(
            getattr(edge, name) for name in ("start", "end", "center") if hasattr(edge, name)
        )
    return points


def records(entities: Iterable[Any], *, decimals: int = 6) -> list[EntityRecord]:
    out = []
    for entity in entities:
        raw = dict(entity.dxf.all_existing_dxf_attribs())
        raw.update(_extra_geometry(entity))
        attrs = {
            k: _norm(v, decimals)
            for k, v in raw.items()
            if k not in _IGNORED_ATTRIBS and not _is_default(entity, k, v, decimals)
        }
        layer = decode_dxf_unicode(str(getattr(entity.dxf, "layer", "0")))
        # A zero scalar (thickness, elevation, MTEXT's defined height ...) reads as "not set":
        # writers differ in spelling it out.
        geometry = tuple(
            (key, repr(value))
            for key, value in sorted(attrs.items())
            if (key in _GEOMETRIC_SCALARS and value != 0) or _is_coordinates(raw[key])
        )
        out.append(
            EntityRecord(
                entity=entity,
                handle=raw.get("handle"),
                dxftype=entity.dxftype(),
                layer=layer,
                attrs=attrs,
                fingerprint=(entity.dxftype(), layer.casefold(), geometry),
            )
        )
    return out


def _is_default(entity: Any, key: str, value: Any, decimals: int) -> bool:
    """A scalar attribute at its DXF default (a point at the origin is geometry, kept)."""
    if _is_coordinates(value):
        return False
    definition = entity.DXFATTRIBS.get(key) if hasattr(entity, "DXFATTRIBS") else None
    default = getattr(definition, "default", None)
    return default is not None and _norm(value, decimals) == _norm(default, decimals)


def _is_coordinates(value: Any) -> bool:
    if isinstance(value, Vec3 | Vec2):
        return True
    if isinstance(value, list | tuple) and value:
        return all(_is_coordinates(v) or isinstance(v, tuple | list) for v in value)
    return False


def match(
    old: Sequence[EntityRecord], new: Sequence[EntityRecord], *, shared_only: bool = False
) -> DxfDiff:
    """Pair up entities and classify them (``shared_only``: a pair differs only in attributes
    both sides carry, for a side written by a converter that leaves some out).

    1. same handle (unique on both sides), same type and same fingerprint: the same entity;
    2. same fingerprint, any handle: the same geometry (handles are reassigned by some
       writers and by scripts that regenerate a drawing);
    3. same handle and type, different geometry: the entity was edited (moved, resized);
    4. everything left over is added or removed.
    """
    result = DxfDiff(old_version="", new_version="")
    same_handle = _handle_lookup(old, new)
    pairs: list[tuple[EntityRecord, EntityRecord]] = []
    taken: set[int] = set()

    def pair(a: EntityRecord, b: EntityRecord) -> None:
        pairs.append((a, b))
        taken.add(id(b))

    rest: list[EntityRecord] = []
    for rec in old:  # 1
        other = same_handle(rec)
        if other is not None and other.fingerprint == rec.fingerprint:
            pair(rec, other)
        else:
            rest.append(rec)
    by_fingerprint: dict[tuple[Any, ...], list[EntityRecord]] = defaultdict(list)
    for rec in new:
        if id(rec) not in taken:
            by_fingerprint[rec.fingerprint].append(rec)
    unmatched: list[EntityRecord] = []
    for rec in rest:  # 2
        candidates = by_fingerprint.get(rec.fingerprint)
        if candidates:
            pair(rec, candidates.pop(0))
        else:
            unmatched.append(rec)
    for rec in unmatched:  # 3
        other = same_handle(rec)
        if other is not None and id(other) not in taken:
            pair(rec, other)
        else:
            result.removed.append(rec)
    result.added = [rec for rec in new if id(rec) not in taken]  # 4
    _classify(result, pairs, shared_only)
    return result


def _classify(
    result: DxfDiff, pairs: list[tuple[EntityRecord, EntityRecord]], shared_only: bool
) -> None:
    for old_rec, new_rec in pairs:
        deltas = attribute_deltas(old_rec, new_rec, shared_only=shared_only)
        if deltas:
            result.modified.append((old_rec, new_rec, deltas))
        else:
            result.unchanged.append((old_rec, new_rec))


def _handle_lookup(
    old: Sequence[EntityRecord], new: Sequence[EntityRecord]
) -> Callable[[EntityRecord], EntityRecord | None]:
    """``old record → new record`` with the same handle and type, when unique on both sides."""
    old_count = Counter(r.handle for r in old if r.handle)
    new_count = Counter(r.handle for r in new if r.handle)
    new_by_handle = {r.handle: r for r in new if r.handle and new_count[r.handle] == 1}

    def lookup(rec: EntityRecord) -> EntityRecord | None:
        if not rec.handle or old_count[rec.handle] != 1:
            return None
        other = new_by_handle.get(rec.handle)
        return other if other is not None and other.dxftype == rec.dxftype else None

    return lookup


def attribute_deltas(
    old: EntityRecord, new: EntityRecord, *, shared_only: bool = False
) -> dict[str, list[Any]]:
    deltas: dict[str, list[Any]] = {}
    if old.layer_key != new.layer_key:
        deltas["layer"] = [old.layer, new.layer]
    keys = set(old.attrs) & set(new.attrs) if shared_only else set(old.attrs) | set(new.attrs)
    for key in sorted(keys):
        before, after = old.attrs.get(key), new.attrs.get(key)
        if before != after:
            deltas[key] = [before, after]
    return deltas


def diff_dxf(
    old_doc: Drawing,
    new_doc: Drawing,
    *,
    decimals: int = 6,
    converted_old: bool = False,
    converted_new: bool = False,
) -> DxfDiff:
    """Entity-level diff of two documents' modelspace plus table and layout changes.

    ``converted_old``/``converted_new``: that document was converted from DWG by ezdwg
    (see the module docstring)."""
    old_records = records(old_doc.modelspace(), decimals=decimals)
    new_records = records(new_doc.modelspace(), decimals=decimals)
    lossy = converted_old != converted_new  # one converter's output against another writer's
    result = match(old_records, new_records, shared_only=lossy)
    if converted_old or converted_new:
        _settle_conversion(
            result,
            (old_doc, old_records, converted_old),
            (new_doc, new_records, converted_new),
            decimals,
            lossy=lossy,
        )
    result.old_version = old_doc.dxfversion
    result.new_version = new_doc.dxfversion
    result.tables = {
        "layers": _name_changes(
            [layer.dxf.name for layer in old_doc.layers],
            [layer.dxf.name for layer in new_doc.layers],
        ),
        "blocks": _block_changes(old_doc, new_doc, decimals),
        "layouts": _layout_changes(old_doc, new_doc, decimals),
    }
    return result


Side = tuple["Drawing", list[EntityRecord], bool]  # document, its records, converted from DWG


def _settle_conversion(
    result: DxfDiff, old: Side, new: Side, decimals: int, *, lossy: bool
) -> None:
    """Take out of ``added``/``removed`` what a DWG conversion, not an edit, explains."""
    members = _block_member_fingerprints(old[0], decimals) | _block_member_fingerprints(
        new[0], decimals
    )
    for name, (_, _, converted) in (("removed", old), ("added", new)):
        if converted:  # leaked block members: the same geometry as inside a block definition
            kept: list[EntityRecord] = []
            for rec in getattr(result, name):
                (result.absorbed if rec.fingerprint in members else kept).append(rec)
            setattr(result, name, kept)
    if not lossy:
        return
    _pair_on_shared_geometry(result)
    for name, (_, _, converted), other in (("removed", old, new), ("added", new, old)):
        if converted:
            continue
        written = {rec.dxftype for rec in other[1]}  # the types the converted side holds
        comparable: list[EntityRecord] = []
        for rec in getattr(result, name):
            (comparable if rec.dxftype in written else result.uncompared).append(rec)
        setattr(result, name, comparable)


_MAX_SHARED_COMPARISONS = 1_000_000  # left-over pairs examined by _pair_on_shared_geometry


def _pair_on_shared_geometry(result: DxfDiff) -> None:
    """Pair a left-over removed and added entity of one type and layer whose geometry agrees
    wherever both carry it (a converter leaves out tangents, alignment points, ...); they are
    then compared on the attributes both carry."""
    if len(result.removed) * len(result.added) > _MAX_SHARED_COMPARISONS:
        return
    candidates: dict[tuple[str, str], list[EntityRecord]] = defaultdict(list)
    for rec in result.added:
        candidates[(rec.dxftype, rec.layer_key)].append(rec)
    pairs: list[tuple[EntityRecord, EntityRecord]] = []
    still_removed = []
    for rec in result.removed:
        group = candidates[(rec.dxftype, rec.layer_key)]
        found = next((other for other in group if _same_shared_geometry(rec, other)), None)
        if found is None:
            still_removed.append(rec)
            continue
        group.remove(found)
        pairs.append((rec, found))
    paired = {id(new) for _, new in pairs}
    result.removed = still_removed
    result.added = [rec for rec in result.added if id(rec) not in paired]
    _classify(result, pairs, shared_only=True)


def _same_shared_geometry(a: EntityRecord, b: EntityRecord) -> bool:
    mine, theirs = dict(a.fingerprint[2]), dict(b.fingerprint[2])
    shared = mine.keys() & theirs.keys()
    return bool(shared) and all(mine[key] == theirs[key] for key in shared)


def _block_member_fingerprints(doc: Drawing, decimals: int) -> set[tuple[Any, ...]]:
    """Geometry inside block definitions, and the ATTRIBs of modelspace block references as the
    TEXT a converter may write them as."""
    found = {
        rec.fingerprint
        for block in doc.blocks
        if not block.block_record.is_any_layout
        for rec in records(block, decimals=decimals)
    }
    insert: Any
    for insert in doc.modelspace().query("INSERT"):
        for rec in records(insert.attribs, decimals=decimals):
            found.add(("TEXT", *rec.fingerprint[1:]))
    return found


def _name_changes(old: Iterable[str], new: Iterable[str]) -> dict[str, Any]:
    old_map = {decode_dxf_unicode(n).casefold(): decode_dxf_unicode(n) for n in old}
    new_map = {decode_dxf_unicode(n).casefold(): decode_dxf_unicode(n) for n in new}
    return {
        "added": sorted(new_map[k] for k in new_map.keys() - old_map.keys()),
        "removed": sorted(old_map[k] for k in old_map.keys() - new_map.keys()),
        "renamedCase": sorted(
            [old_map[k], new_map[k]]
            for k in old_map.keys() & new_map.keys()
            if old_map[k] != new_map[k]
        ),
    }


def _user_blocks(doc: Drawing) -> dict[str, Any]:
    return {
        block.name: block
        for block in doc.blocks
        if not block.name.startswith("*") and not block.block_record.is_any_layout
    }


def _block_changes(old_doc: Drawing, new_doc: Drawing, decimals: int) -> dict[str, Any]:
    old_blocks, new_blocks = _user_blocks(old_doc), _user_blocks(new_doc)
    changes = _name_changes(old_blocks, new_blocks)
    changed = []
    new_by_key = {name.casefold(): block for name, block in new_blocks.items()}
    for name, block in sorted(old_blocks.items()):
        other = new_by_key.get(name.casefold())
        if other is not None and _content(block, decimals) != _content(other, decimals):
            changed.append(decode_dxf_unicode(name))
    changes["changed"] = changed
    return changes


def _content(entities: Iterable[Any], decimals: int) -> Counter[Any]:
    return Counter(
        (rec.fingerprint, repr(sorted(rec.attrs.items())))
        for rec in records(entities, decimals=decimals)
    )


def _layout_changes(old_doc: Drawing, new_doc: Drawing, decimals: int) -> dict[str, Any]:
    old_names = [n for n in old_doc.layouts.names() if n.lower() != "model"]
    new_names = [n for n in new_doc.layouts.names() if n.lower() != "model"]
    changes = _name_changes(old_names, new_names)
    changed = {}
    new_lookup = {n.casefold(): n for n in new_names}
    for name in old_names:
        other = new_lookup.get(name.casefold())
        if other is None:
            continue
        inner = match(
            records(old_doc.layouts.get(name), decimals=decimals),
            records(new_doc.layouts.get(other), decimals=decimals),
        )
        if inner.geometry_changed:
            changed[decode_dxf_unicode(name)] = {
                "added": len(inner.added),
                "removed": len(inner.removed),
                "modified": len(inner.modified),
            }
    changes["changed"] = changed
    return changes


def entity_box(entity: Any) -> Box | None:
    try:
        box = ezbbox.extents([entity], fast=True)
    except (ValueError, TypeError, AttributeError, ArithmeticError):
        return None
    if not box.has_data:
        return None
    values = (box.extmin.x, box.extmin.y, box.extmax.x, box.extmax.y)
    return values if all(math.isfinite(v) for v in values) else None


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _round_box(box: Box | None, decimals: int) -> list[float] | None:
    return None if box is None else [round(v, decimals) for v in box]
